import type { MediaPacket } from '../media/packet.js';
import type { FanoutBatch } from './fanout-batch.js';
import { PlayerQueue } from './player-queue.js';
import type { StreamPlayer } from './stream.js';
import type { WireChannel } from './wire-cache.js';

/** The part of a socket or HTTP response a player writes to (net.Socket and http.ServerResponse both fit). */
export interface PlayerSink {
  readonly destroyed: boolean;
  readonly writableLength: number;
  write(bytes: Buffer): unknown;
  cork(): void;
  uncork(): void;
}

/** Per-player send bounds the server sets (the queue length in time comes from play.queue_length). */
export interface PlayerLimits {
  readonly maxQueuedPackets: number;
  readonly maxWritableBytes: number;
}

export const DEFAULT_PLAYER_LIMITS: PlayerLimits = Object.freeze({ maxQueuedPackets: 8192, maxWritableBytes: 2 * 1024 * 1024 });

/** The bounds every socket player shares, whatever its protocol. */
export interface PlayerPolicy {
  /** play.queue_length in ms: more queued media than this cuts to the next key frame. */
  readonly queueLengthMs: number;
  /** Hard cap on queued packets, whatever their timestamps say. */
  readonly maxQueuedPackets: number;
  /** Past this many bytes waiting in the sink, nothing more is written until it drains. */
  readonly maxWritableBytes: number;
  /** A player that stays behind this long is disconnected. */
  readonly stallTimeoutMs: number;
}

export interface PlayerOptions extends PlayerPolicy {
  readonly sink: PlayerSink;
  /** The stream's channel of this player's wire format. */
  readonly channel: WireChannel;
  /** Bytes that go before the first media bytes (the FLV file header, the TS tables); absent for RTMP. */
  readonly preamble?: () => Buffer;
  /** Ends the play once this much media (by timestamp, from the first audio/video sent) went out (RTMP play `duration`). */
  readonly maxMediaMs?: number;
  readonly onMaxMedia?: () => void;
  readonly onStalled: (detail: string) => void;
  readonly onPublisherLeft: () => void;
  readonly onPublisherArrived: () => void;
}

/**
 * One subscriber of a stream on a byte sink, whatever the protocol: the one
 * player policy (DESIGN.md "The data path"). The format only encodes; the
 * bytes of a packet and of a batch window come from the stream's wire cache,
 * shared by every player of the format. A player that keeps up follows the
 * stream's batches: the stream skips it packet by packet and it writes each
 * window as one Buffer. A player that joins, falls behind, pauses or filters
 * audio/video has a bounded queue instead and writes it as one corked burst;
 * it follows again from the first window boundary at which it is caught up.
 */
export class Player implements StreamPlayer {
  private readonly queue: PlayerQueue;
  private behindSinceMs: number | undefined;
  private isPaused = false;
  private wantsAudio = true;
  private wantsVideo = true;
  private preambleDue: boolean;
  private firstMediaTimestamp: number | undefined;
  followsBatch = false;
  sentPackets = 0;

  constructor(private readonly options: PlayerOptions) {
    this.queue = new PlayerQueue(options.queueLengthMs, options.maxQueuedPackets);
    this.preambleDue = options.preamble !== undefined;
  }

  get channel(): WireChannel {
    return this.options.channel;
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
    const { sink } = this.options;
    if (sink.destroyed) return;
    if (this.followsBatch && batch !== undefined) {
      if (batch.packets.length === 0) return;
      if (sink.writableLength <= this.options.maxWritableBytes) {
        sink.write(this.options.channel.batchOf(batch));
        this.sentPackets += batch.packets.length;
        if (this.options.maxMediaMs !== undefined) this.checkMaxMedia(batch.packets);
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

  /** Writes the queue as one corked burst; false when the sink is backed up. */
  private writeQueue(): boolean {
    const { sink, channel } = this.options;
    if (sink.writableLength > this.options.maxWritableBytes) {
      // The player does not read: keep the queue (it bounds itself) and give up after a while.
      const now = Date.now();
      this.behindSinceMs ??= now;
      if (now - this.behindSinceMs > this.options.stallTimeoutMs) {
        this.options.onStalled(`player stalled: ${sink.writableLength} bytes unsent for ${now - this.behindSinceMs} ms`);
      }
      return false;
    }
    this.behindSinceMs = undefined;
    const packets = this.queue.take();
    sink.cork();
    if (this.preambleDue && this.options.preamble !== undefined) {
      this.preambleDue = false;
      sink.write(this.options.preamble());
    }
    for (const packet of packets) {
      const bytes = channel.wireOf(packet);
      if (bytes.length > 0) sink.write(bytes);
    }
    sink.uncork();
    this.sentPackets += packets.length;
    if (this.options.maxMediaMs !== undefined) this.checkMaxMedia(packets);
    return true;
  }

  /** SRS counts the media time a player was sent; past `maxMediaMs` the play ends. */
  private checkMaxMedia(packets: readonly MediaPacket[]): void {
    for (const packet of packets) {
      if (packet.kind === 'data' || packet.isSequenceHeader) continue;
      this.firstMediaTimestamp ??= packet.timestamp;
      if (packet.timestamp - this.firstMediaTimestamp >= (this.options.maxMediaMs ?? Infinity)) {
        this.options.onMaxMedia?.();
        return;
      }
    }
  }

  private canFollow(): boolean {
    return !this.preambleDue && !this.isPaused && this.wantsAudio && this.wantsVideo && !this.queue.isBehind;
  }

  publisherLeft(): void {
    this.options.onPublisherLeft();
  }

  publisherArrived(): void {
    this.options.onPublisherArrived();
  }

  detached(): void {
    this.options.channel.release();
  }
}
