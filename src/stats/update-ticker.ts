import type { ServerEvent, StreamSnapshot } from '../hooks/events.js';

/**
 * The periodic server update (lal on_update, lal-lssn-spec A3): a 1 s
 * ticker as lal's (server_manager__.go:279-331), tick 0 right after the
 * listeners start, then one a second; at each tick the sinks say whether
 * they want an update (lal: `tickCount % update_interval_sec == 0`), and the
 * snapshot is taken only then. One pass over the registry per update; never
 * per packet.
 */

/** What the ticker talks to. */
export interface UpdateTickerOptions {
  readonly hooks: { wantsUpdate(tick: number): boolean; server(event: ServerEvent): void };
  /** Every stream with its clients, taken when an update is wanted. */
  snapshot(): readonly StreamSnapshot[];
  /** Tests may shorten it; default 1000 ms, lal's. */
  readonly periodMs?: number;
}

/** Ticks once a second from `start` to `stop`. */
export class UpdateTicker {
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;

  constructor(private readonly options: UpdateTickerOptions) {}

  /** Sends tick 0 now (lal sends one on_update right after the listeners start) and arms the ticker. */
  start(): void {
    if (this.timer !== undefined) return;
    this.fire();
    this.timer = setInterval(() => {
      this.tick++;
      this.fire();
    }, this.options.periodMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    const { hooks } = this.options;
    if (!hooks.wantsUpdate(this.tick)) return;
    hooks.server({ type: 'server_update', timeMs: Date.now(), streams: this.options.snapshot() });
  }
}
