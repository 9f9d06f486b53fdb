/**
 * Sends the fixture's tags in real time, looping forever. Each loop adds the
 * loop period to the timestamps so they keep increasing, as a live encoder's
 * would; metadata and sequence headers go out on the first loop only.
 */
import { performance } from 'node:perf_hooks';
import type { FixtureTag, StreamFixture } from './stream-fixture.js';

/** Receives one due tag and its rebased timestamp (ms). */
export type TagSink = (tag: FixtureTag, timestamp: number) => void;

/** A real-time loop over the fixture; `start()` sends the first tags at once. */
export class TagPacer {
  private index = 0;
  private loop = 0;
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly fixture: StreamFixture,
    private readonly sink: TagSink,
  ) {}

  /** Starts sending; the stream clock starts now. */
  start(): void {
    this.startedAt = performance.now();
    this.tick();
  }

  /** Stops the loop; no tag is sent after this returns. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private dueAt(): number {
    const tag = this.fixture.tags[this.index] as FixtureTag;
    return tag.timestamp + this.loop * this.fixture.loopDurationMs;
  }

  private readonly tick = (): void => {
    if (this.stopped) return;
    const elapsedMs = performance.now() - this.startedAt;
    const { tags } = this.fixture;
    while (this.dueAt() <= elapsedMs) {
      const tag = tags[this.index] as FixtureTag;
      if (this.loop === 0 || !tag.isConfig) this.sink(tag, this.dueAt());
      if (this.stopped) return;
      this.index += 1;
      if (this.index === tags.length) {
        this.index = 0;
        this.loop += 1;
      }
    }
    this.timer = setTimeout(this.tick, Math.max(0, this.dueAt() - (performance.now() - this.startedAt)));
  };
}
