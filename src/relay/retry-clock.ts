/** Backoff of a relay's reconnects: base x 2^round, at most max, +-25% jitter so relays restarted together spread out. */
export interface BackoffLimits {
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

/** One relay's waits between reconnects; `wake` ends the current wait at once (the relay stops). */
export class RetryClock {
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly limits: BackoffLimits,
    private readonly random: () => number = Math.random,
  ) {}

  delayMs(round: number): number {
    const jitter = 0.75 + 0.5 * this.random();
    return Math.min(this.limits.backoffMaxMs, this.limits.backoffBaseMs * 2 ** Math.min(round, 20)) * jitter;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeUp?.(), ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
    });
  }

  wake(): void {
    this.wakeUp?.();
  }
}
