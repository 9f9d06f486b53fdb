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
  /**
   * Reused from flush to flush, `size` entries live, so queueing allocates
   * nothing once the array has grown to the player's usual backlog.
   */
  private readonly items: (MediaPacket | undefined)[] = [];
  private size = 0;
  private waitKeyframe = false;
  private hasVideo = false;
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
        this.items[this.size++] = packet;
        return;
      }
      if (!(packet.kind === 'video' && packet.isKeyframe) && this.hasVideo) {
        this.stats.dropped++;
        return;
      }
      this.waitKeyframe = false;
    }
    this.items[this.size++] = packet;
    if (this.size > this.maxPackets || this.spanMs() > this.maxDurationMs) this.cut();
  }

  /** Takes everything queued, oldest first. */
  take(): MediaPacket[] {
    const taken = this.items.slice(0, this.size) as MediaPacket[];
    this.clear();
    return taken;
  }

  get length(): number {
    return this.size;
  }

  /** True while the queue is skipping to the next key frame. */
  get isBehind(): boolean {
    return this.waitKeyframe;
  }

  /** Drops what is queued and waits for the next key frame (used when the socket backs up, too). */
  cut(): void {
    this.stats.dropped += this.size;
    this.stats.cuts++;
    this.clear();
    this.waitKeyframe = true;
  }

  /** Forgets the queued packets (their references too, so payloads can be freed). */
  private clear(): void {
    this.items.fill(undefined, 0, this.size);
    this.size = 0;
  }

  private spanMs(): number {
    // Metadata and sequence headers keep the timestamp they were published
    // with, long ago on a stream live for a while: they span nothing (SRS
    // counts audio/video only). They lead the queue only on join or resume.
    let start = 0;
    while (start < this.size && isHeader(this.items[start] as MediaPacket)) start++;
    const first = this.items[start];
    const last = this.items[this.size - 1];
    if (start >= this.size || first === undefined || last === undefined) return 0;
    // Audio and video interleave with small backward steps: those count as no span.
    return Math.max(0, last.timestamp - first.timestamp);
  }
}

function isHeader(packet: MediaPacket): boolean {
  return packet.isMetadata || packet.isSequenceHeader;
}
