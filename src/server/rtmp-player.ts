import type { Socket } from 'node:net';
import { encodeMessageChunks, MEDIA_CSID } from '../rtmp/chunk-writer.js';
import type { MediaPacket } from '../media/packet.js';
import type { FanoutBatch } from '../core/fanout-batch.js';
import { PlayerQueue } from '../core/player-queue.js';
import type { StreamPlayer } from '../core/stream.js';

/** RTMP message type ids of media (RTMP 7.1.4, 7.1.5, 7.1.2). */
const TYPE_ID = { audio: 8, video: 9, data: 18 } as const;

/** SRS uses stream id 1 for every play session (SRS_DEFAULT_SID), so its chunks can be shared. */
const SHARED_STREAM_ID = 1;

export interface RtmpPlayerOptions {
  socket: Socket;
  streamId: number;
  chunkSize: number;
  /** play.queue_length in ms: more queued media than this cuts to the next key frame. */
  queueLengthMs: number;
  /** Hard cap on queued packets, whatever their timestamps say. */
  maxQueuedPackets: number;
  /** Past this many bytes waiting in the socket, nothing more is written until it drains. */
  maxWritableBytes: number;
  /** A player that stays behind this long is disconnected. */
  stallTimeoutMs: number;
  /** Writes a control message (status) in order with media. */
  onStalled: (detail: string) => void;
  onPublisherLeft: () => void;
  onPublisherArrived: () => void;
}

/**
 * The RTMP side of one player. Each message is chunked once and the same
 * bytes go to every player (cached on the packet). A player that keeps up
 * follows the stream's batches: the stream skips it packet by packet and it
 * writes each window as one Buffer encoded once for all followers. A player
 * that joins, falls behind, pauses or filters audio/video has a bounded
 * queue instead and writes it as one corked burst, a message each; it follows
 * again from the first window boundary at which it is caught up.
 */
export class RtmpPlayer implements StreamPlayer {
  private readonly queue: PlayerQueue;
  private behindSinceMs: number | undefined;
  private isPaused = false;
  private wantsAudio = true;
  private wantsVideo = true;
  followsBatch = false;
  sentPackets = 0;

  constructor(private readonly options: RtmpPlayerOptions) {
    this.queue = new PlayerQueue(options.queueLengthMs, options.maxQueuedPackets);
  }

  get dropped(): number {
    return this.queue.stats.dropped;
  }

  // A filter leaves packets of the batch out, so a filtering player cannot follow it.
  get paused(): boolean {
    return this.isPaused;
  }
  set paused(paused: boolean) {
    this.isPaused = paused;
    this.followsBatch = false;
  }
  get receiveAudio(): boolean {
    return this.wantsAudio;
  }
  set receiveAudio(wanted: boolean) {
    this.wantsAudio = wanted;
    this.followsBatch = false;
  }
  get receiveVideo(): boolean {
    return this.wantsVideo;
  }
  set receiveVideo(wanted: boolean) {
    this.wantsVideo = wanted;
    this.followsBatch = false;
  }

  push(packet: MediaPacket): void {
    if (this.isPaused) return;
    if (packet.kind === 'audio' && !this.wantsAudio && !packet.isSequenceHeader) return;
    if (packet.kind === 'video' && !this.wantsVideo && !packet.isSequenceHeader) return;
    this.queue.push(packet);
  }

  flush(batch?: FanoutBatch): void {
    const { socket } = this.options;
    if (socket.destroyed) return;
    if (this.followsBatch && batch !== undefined) {
      if (batch.packets.length === 0) return;
      if (socket.writableLength <= this.options.maxWritableBytes) {
        const { chunkSize } = this.options;
        socket.write(batch.encoded(chunkSize, (packets) => encodeShared(packets, chunkSize)));
        this.sentPackets += batch.packets.length;
        return;
      }
      // Behind: queue the window (the queue bounds itself) and go on one by one.
      this.followsBatch = false;
      for (const packet of batch.packets) this.push(packet);
    }
    if (this.queue.length > 0 && !this.writeQueue()) return;
    // Caught up at a window boundary (not in a join's burst, which is mid-window).
    this.followsBatch = batch !== undefined && this.canFollow();
  }

  /** Writes the queue as one corked burst; false when the socket is backed up. */
  private writeQueue(): boolean {
    const { socket } = this.options;
    if (socket.writableLength > this.options.maxWritableBytes) {
      // The player does not read: keep the queue (it bounds itself) and give up after a while.
      const now = Date.now();
      this.behindSinceMs ??= now;
      if (now - this.behindSinceMs > this.options.stallTimeoutMs) {
        this.options.onStalled(`player stalled: ${socket.writableLength} bytes unsent for ${now - this.behindSinceMs} ms`);
      }
      return false;
    }
    this.behindSinceMs = undefined;
    const packets = this.queue.take();
    socket.cork();
    for (const packet of packets) socket.write(this.wireOf(packet));
    socket.uncork();
    this.sentPackets += packets.length;
    return true;
  }

  private canFollow(): boolean {
    return this.options.streamId === SHARED_STREAM_ID && !this.isPaused && this.wantsAudio && this.wantsVideo && !this.queue.isBehind;
  }

  publisherLeft(): void {
    this.options.onPublisherLeft();
  }

  publisherArrived(): void {
    this.options.onPublisherArrived();
  }

  private wireOf(packet: MediaPacket): Buffer {
    const { chunkSize, streamId } = this.options;
    return streamId === SHARED_STREAM_ID ? sharedWire(packet, chunkSize) : encodeWire(packet, chunkSize, streamId);
  }
}

function encodeWire(packet: MediaPacket, chunkSize: number, streamId: number): Buffer {
  return encodeMessageChunks({ typeId: TYPE_ID[packet.kind], timestamp: packet.timestamp, streamId, payload: packet.payload }, chunkSize, MEDIA_CSID[packet.kind]);
}

/** The packet's chunks on the shared stream id, encoded by the first player that needs them. */
function sharedWire(packet: MediaPacket, chunkSize: number): Buffer {
  const cached = packet.rtmpWire;
  if (cached !== undefined && cached.chunkSize === chunkSize) return cached.bytes;
  const bytes = encodeWire(packet, chunkSize, SHARED_STREAM_ID);
  if (cached === undefined) packet.rtmpWire = { chunkSize, bytes };
  return bytes;
}

/**
 * A window's messages as one Buffer (one copy per window, shared by every
 * player that keeps up). Every message starts with a type 0 chunk header, so
 * the bytes are valid whatever the player was sent before.
 */
function encodeShared(packets: readonly MediaPacket[], chunkSize: number): Buffer {
  const wires = packets.map((packet) => sharedWire(packet, chunkSize));
  return wires.length === 1 ? (wires[0] as Buffer) : Buffer.concat(wires);
}
