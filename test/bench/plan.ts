/**
 * The scenario parameters of a full run and of `--quick`, in one place. Full
 * is what the issue specifies; quick keeps the same shape at a smoke size
 * (about 2 minutes on 2 cores).
 */

/** Everything that sizes a run. */
export interface BenchPlan {
  readonly quick: boolean;
  readonly fanout: {
    readonly players: readonly number[];
    readonly warmupMs: number;
    readonly settleMs: number;
    readonly holdMs: number;
    readonly joins: number;
    readonly connectConcurrency: number;
    readonly readyTimeoutMs: number;
    readonly fullRateRatio: number;
  };
  readonly sessions: {
    readonly kinds: readonly ('publish' | 'play')[];
    readonly concurrency: readonly number[];
    readonly perCell: number;
    readonly maxCellMs: number;
    readonly sessionTimeoutMs: number;
  };
  readonly slowCallback: {
    readonly delayMs: number;
    readonly concurrency: number;
    readonly sessions: number;
  };
  /** The RTMP fan-out cell run plain, with one no-op media interceptor, plain again. */
  readonly interceptor: {
    readonly players: number;
  };
  /** The mixed RTMP + HTTP-FLV fan-out cell run without and then with the API prober. */
  readonly apiProbe: {
    readonly players: number;
    readonly intervalMs: number;
  };
  /**
   * Cold and warm sessions (issue 19): a fresh server per cell, its first
   * `coldSessions` measured, then `warmupSessions` unmeasured, then
   * `warmSessions` measured again at the cell's concurrency.
   */
  readonly cold: {
    readonly kind: 'publish' | 'play';
    readonly concurrency: readonly number[];
    readonly coldSessions: number;
    readonly warmupSessions: number;
    /** The warm-up runs at the highest concurrency: it only has to run the code, fast. */
    readonly warmupConcurrency: number;
    readonly warmSessions: number;
    readonly maxCellMs: number;
  };
  /** HLS (issue 12): the segmenting-cost pairs and the HLS viewer cell; warm-up and settle are fan-out's. */
  readonly hls: {
    /** HLS viewers of the viewer cell. */
    readonly viewers: number;
    /** HTTP-FLV viewers beside the publisher in the second HLS off/on pair (the first has none). */
    readonly segmentingViewers: number;
    readonly fragmentSec: number;
    readonly windowSec: number;
    /** Every HLS cell's window: long enough for several segments to close in it. */
    readonly holdMs: number;
    readonly pollMs: number;
    readonly listerPollMs: number;
    readonly requestTimeoutMs: number;
    readonly drainMs: number;
  };
}

/** The full run (about 10 minutes on 2 cores). */
export const FULL_PLAN: BenchPlan = {
  quick: false,
  fanout: {
    players: [50, 200, 500],
    warmupMs: 3_000,
    settleMs: 2_000,
    holdMs: 20_000,
    joins: 20,
    connectConcurrency: 32,
    readyTimeoutMs: 30_000,
    fullRateRatio: 0.95,
  },
  sessions: { kinds: ['publish', 'play'], concurrency: [1, 8, 64], perCell: 2_000, maxCellMs: 15_000, sessionTimeoutMs: 10_000 },
  slowCallback: { delayMs: 200, concurrency: 64, sessions: 256 },
  // "a fresh server process per cold cell (its first 2,000 sessions), and the same cells after a warm-up of 4,000".
  cold: { kind: 'play', concurrency: [1, 8, 64], coldSessions: 2_000, warmupSessions: 4_000, warmupConcurrency: 64, warmSessions: 2_000, maxCellMs: 30_000 },
  // "GET /api/v1/clients with 1,000 live sessions and /metrics scrapes every second".
  apiProbe: { players: 1_000, intervalMs: 1_000 },
  interceptor: { players: 200 },
  // hls_fragment 2 with the stream's 2 s GOP: a segment per key frame, 10 in a 20 s window.
  hls: {
    viewers: 200,
    segmentingViewers: 50,
    fragmentSec: 2,
    windowSec: 10,
    holdMs: 20_000,
    // "polls the media playlist every ~1 s (or target duration / 2)".
    pollMs: 1_000,
    listerPollMs: 250,
    requestTimeoutMs: 10_000,
    // A segment listed at the window's end: one poll (1 s) and a fetch shared by every viewer.
    drainMs: 5_000,
  },
};

/** The 1-2 minute smoke run. */
export const QUICK_PLAN: BenchPlan = {
  quick: true,
  fanout: { ...FULL_PLAN.fanout, players: [50, 200], warmupMs: 1_000, settleMs: 500, holdMs: 4_000, joins: 10 },
  sessions: { ...FULL_PLAN.sessions, perCell: 200, maxCellMs: 3_000 },
  slowCallback: { ...FULL_PLAN.slowCallback, sessions: 64 },
  // Cold means the first 2,000 sessions, so quick keeps the sizes and runs only the c=64 cells the targets judge.
  cold: { ...FULL_PLAN.cold, concurrency: [64] },
  apiProbe: { ...FULL_PLAN.apiProbe, players: 100 },
  interceptor: { players: 50 },
  hls: { ...FULL_PLAN.hls, viewers: 50, segmentingViewers: 20, holdMs: 6_000 },
};

/** Slack for forking the load generator and loading the stream. */
const JOB_START_SLACK_MS = 10_000;

/** Wall-clock bound on one fan-out job, beyond which the run records an error. */
export function fanoutJobTimeoutMs(plan: BenchPlan): number {
  const f = plan.fanout;
  // Audience and each join are bounded by readyTimeoutMs; the rest are fixed waits.
  return f.warmupMs + f.settleMs + f.holdMs + (2 + f.joins) * f.readyTimeoutMs + JOB_START_SLACK_MS;
}

/** Wall-clock bound on one HLS job (a segmenting cell runs as a fan-out job with the HLS window). */
export function hlsJobTimeoutMs(plan: BenchPlan): number {
  const { fanout: f, hls } = plan;
  // The lister's first playlist, the audience, the drain and the stop of a request in flight are bounded; the rest are fixed waits.
  return f.warmupMs + f.settleMs + hls.holdMs + hls.drainMs + hls.requestTimeoutMs + 2 * f.readyTimeoutMs + JOB_START_SLACK_MS;
}

/** Wall-clock bound on one sessions job. */
export function sessionsJobTimeoutMs(plan: BenchPlan): number {
  return plan.sessions.maxCellMs + plan.sessions.sessionTimeoutMs + JOB_START_SLACK_MS;
}

/** Wall-clock bound on one job of a cold cell (cold, warm-up or warm). */
export function coldJobTimeoutMs(plan: BenchPlan): number {
  return plan.cold.maxCellMs + plan.sessions.sessionTimeoutMs + JOB_START_SLACK_MS;
}
