import { createSinkStats, type SinkStats } from './hook-execution.js';

/**
 * What a sink reports of each hook call: the counters `HookSystem.stats()`
 * shows, and, for an observer such as the Prometheus exporter, the outcome
 * of every call by sink and event and how long each attempt took. Called
 * when a call ends, never per media packet.
 */

/** How a hook call ended: a gate allowed or denied; a notification was delivered; either failed, timed out, was retried or dropped. */
export type HookCallOutcome = 'allowed' | 'denied' | 'delivered' | 'failed' | 'timeout' | 'retried' | 'dropped';

/** Told of every hook call's end and attempt time; must not throw. */
export interface HookObserver {
  hookOutcome(sink: string, event: string, outcome: HookCallOutcome): void;
  hookAttempt(sink: string, event: string, durationMs: number): void;
}

/** One sink's meter; `event` is the SRS action (`on_publish`) or the guide type (`publish_start`). */
export class SinkMeter {
  readonly counts: SinkStats = createSinkStats();

  constructor(
    readonly sink: string,
    private readonly observer: HookObserver | undefined,
  ) {}

  /** One attempt (a POST, a script run) took `durationMs`, whatever its outcome. */
  attempt(event: string, durationMs: number): void {
    this.observer?.hookAttempt(this.sink, event, durationMs);
  }

  /** The call ended so (or, for `retried`, will be tried again). */
  outcome(event: string, outcome: HookCallOutcome): void {
    if (outcome === 'delivered') this.counts.delivered++;
    else if (outcome === 'failed' || outcome === 'timeout') this.counts.failed++;
    else if (outcome === 'retried') this.counts.retried++;
    else if (outcome === 'dropped') this.counts.dropped++;
    this.observer?.hookOutcome(this.sink, event, outcome);
  }
}
