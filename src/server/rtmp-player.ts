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
 * The RTMP side of one player: a bounded queue the stream pushes into and a
 * batched writer. Each message is chunked once and the same bytes go to every
 * player (cached on the packet). A player that keeps up writes the stream's
 * whole window as one shared Buffer; otherwise a flush is one corked burst of
 * writes, a message each.
 */
export class RtmpPlayer implements StreamPlayer {
  private readonly queue: PlayerQueue;
  private behindSinceMs: number | undefined;
  paused = false;
  receiveAudio = true;
  receiveVideo = true;
  sentPackets = 0;

  constructor(private readonly options: RtmpPlayerOptions) {
    this.queue = new PlayerQueue(options.queueLengthMs, options.maxQueuedPackets);
  }

  get dropped(): number {
    return this.queue.stats.dropped;
  }

  push(packet: MediaPacket): void {
    if (this.paused || (packet.kind === 'audio' && !this.receiveAudio && !packet.isSequenceHeader) || (packet.kind === 'video' && !this.receiveVideo && !packet.isSequenceHeader)) {
      this.queue.markIncomplete();
      return;
    }
    this.queue.push(packet);
  }

  flush(batch?: FanoutBatch): void {
    if (this.queue.length === 0) return;
    const { socket } = this.options;
    if (socket.destroyed) return;
    if (socket.writableLength > this.options.maxWritableBytes) {
      // The player does not read: keep the queue (it bounds itself) and give up after a while.
      const now = Date.now();
      this.behindSinceMs ??= now;
      if (now - this.behindSinceMs > this.options.stallTimeoutMs) {
        this.options.onStalled(`player stalled: ${socket.writableLength} bytes unsent for ${now - this.behindSinceMs} ms`);
      }
      return;
    }
    this.behindSinceMs = undefined;
    const { chunkSize, streamId } = this.options;
    if (batch !== undefined && streamId === SHARED_STREAM_ID && this.queue.takeIfExactly(batch.packets)) {
      socket.write(batch.encoded(chunkSize, (packets) => encodeShared(packets, chunkSize)));
      this.sentPackets += batch.packets.length;
      return;
    }
    const packets = this.queue.take();
    socket.cork();
    for (const packet of packets) socket.write(this.wireOf(packet));
    socket.uncork();
    this.sentPackets += packets.length;
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
