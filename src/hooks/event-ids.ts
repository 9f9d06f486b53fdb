import { randomUUID } from 'node:crypto';

/**
 * The identity of every hook request (README "Event ids"): a server-wide
 * sequence number, increasing by one per notification in emission order,
 * and a random id. Both go out as headers (`X-Srs-Event-Seq`,
 * `X-Srs-Event-Id`) and stay the same on every retry, so a receiver drops
 * the duplicates at-least-once delivery brings. The sequence starts above
 * the spool's last one and above `startMs * 1000`, so it keeps increasing
 * across restarts (unless the clock goes back with no spool).
 */
export class EventIds {
  private last: number;

  constructor(startMs: number, lastSpooled = 0) {
    this.last = Math.max(lastSpooled, startMs * 1000);
  }

  /** The next sequence number and a fresh id. */
  next(): { seq: number; id: string } {
    this.last += 1;
    return { seq: this.last, id: randomUUID() };
  }

  /** Never hand out a number the spool already holds. */
  atLeast(seq: number): void {
    if (seq > this.last) this.last = seq;
  }
}
