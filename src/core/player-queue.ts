import type { MediaPacket } from '../media/packet.js';

/** Why a queue refused packets, for counters and the session's log. */
export interface PlayerQueueStats {
  /** Packets dropped because the player fell behind. */
  dropped: number;
  /** Times the queue was cut back to wait for the next key frame. */
  cuts: number;
}

/**
 * A player's bounded send queue (SRS SrsMessageQueue + play.queue_length).
 * When what is queued spans more than `maxDurationMs` of media or more than
 * `maxPackets`, the queue is emptied and refills only from the next video key
 * frame, so the player resumes on a decodable picture. The publisher and the
 * other players never wait for it.
 */
export class PlayerQueue {
  private items: MediaPacket[] = [];
  private waitKeyframe = false;
  private hasVideo = false;
  /** Every packet pushed since the last take is queued: none dropped or cut. */
  private complete = true;
  readonly stats: PlayerQueueStats = { dropped: 0, cuts: 0 };

  constructor(
    private readonly maxDurationMs: number,
    private readonly maxPackets: number,
  ) {}

  /** Queues a packet, or drops it while waiting for a key frame. */
  push(packet: MediaPacket): void {
    if (packet.kind === 'video') this.hasVideo = true;
    if (this.waitKeyframe) {
      // Sequence headers and metadata always pass: a decoder needs them to resume.
      if (packet.isSequenceHeader || packet.isMetadata) {
        this.items.push(packet);
        return;
      }
      if (!(packet.kind === 'video' && packet.isKeyframe) && this.hasVideo) {
        this.stats.dropped++;
        this.complete = false;
        return;
      }
      this.waitKeyframe = false;
    }
    this.items.push(packet);
    if (this.items.length > this.maxPackets || this.spanMs() > this.maxDurationMs) this.cut();
  }

  /** Takes everything queued, oldest first. */
  take(): MediaPacket[] {
    const taken = this.items;
    this.items = [];
    this.complete = true;
    return taken;
  }

  /**
   * Empties the queue when it holds exactly `packets` (a window's
   * FanoutBatch); false, and nothing taken, otherwise. While complete, the
   * queue holds in order every packet pushed since its last take and the
   * batch every packet fanned out since the stream's last flush, so one ends
   * the other: the same length and the same first and last packet mean the
   * same packets.
   */
  takeIfExactly(packets: readonly MediaPacket[]): boolean {
    const count = packets.length;
    if (!this.complete || this.items.length !== count || count === 0) return false;
    if (this.items[0] !== packets[0] || this.items[count - 1] !== packets[count - 1]) return false;
    this.items.length = 0;
    return true;
  }

  /** The owner filtered a packet out before pushing it: the queue no longer holds everything. */
  markIncomplete(): void {
    this.complete = false;
  }

  get length(): number {
    return this.items.length;
  }

  /** True while the queue is skipping to the next key frame. */
  get isBehind(): boolean {
    return this.waitKeyframe;
  }

  /** Drops what is queued and waits for the next key frame (used when the socket backs up, too). */
  cut(): void {
    this.stats.dropped += this.items.length;
    this.stats.cuts++;
    this.items = [];
    this.waitKeyframe = true;
    this.complete = false;
  }

  private spanMs(): number {
    const first = this.items[0];
    const last = this.items[this.items.length - 1];
    if (first === undefined || last === undefined) return 0;
    // Audio and video interleave with small backward steps: those count as no span.
    return Math.max(0, last.timestamp - first.timestamp);
  }
}
