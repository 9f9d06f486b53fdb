/**
 * What the orchestrator (run.ts) asks a load generator process to do and
 * what it answers, over the fork IPC channel. Plain data only.
 */

/** The servers under test: ours, node-media-server, and the raw TCP floor. */
export type ServerKind = 'ours' | 'nms' | 'null';

/** The role bytes a null-baseline client sends first (see null-fanout-server.ts). */
export const NullRole = { publisher: 0x50, reader: 0x52 } as const;

/** How the players of a fan-out cell play: RTMP, HTTP-FLV, both alternately, or HLS viewers (hls-viewer.ts). */
export type FanoutProtocol = 'rtmp' | 'http-flv' | 'mixed' | 'hls';

/** An endpoint the API prober scrapes during the hold window. */
export interface ProbeTarget {
  readonly name: string;
  readonly url: string;
}

/** What the prober saw of one endpoint. */
export interface ProbeResult {
  readonly name: string;
  readonly url: string;
  /** Request sent to body ended, of every answered scrape. */
  readonly latenciesMs: readonly number[];
  /** Largest body, bytes (how much the endpoint had to say). */
  readonly bodyBytes: number;
  /** 404 or SRS's code 1090: the endpoint does not exist on this server (yet). */
  readonly notServed: number;
  readonly failures: number;
  readonly errors: readonly string[];
}

/** One publisher, N players, a fixed hold window, then joins to the running stream. */
export interface FanoutJob {
  readonly type: 'fanout';
  readonly server: ServerKind;
  readonly protocol: FanoutProtocol;
  /** RTMP: the publisher's (and RTMP players') port. */
  readonly port: number;
  /** HTTP-FLV players' port (ours: http_server; NMS: its http port). */
  readonly httpPort?: number | undefined;
  /** HLS viewers (protocol `hls`): how they poll, and how long after the window they may fetch what it listed. */
  readonly hlsViewers?: HlsViewerJob | undefined;
  /** Scraped once per `intervalMs` through the hold window. */
  readonly probes?: { readonly targets: readonly ProbeTarget[]; readonly intervalMs: number } | undefined;
  readonly serverPid: number;
  readonly streamFile: string;
  /** `app/stream` on the server, e.g. `live/bench`. */
  readonly streamPath: string;
  readonly players: number;
  /** Players connecting at once while the audience is built. */
  readonly connectConcurrency: number;
  /** Publisher alone before the idle RSS sample. */
  readonly warmupMs: number;
  /** After every player got a key frame, before the window: lets GOP-cache bursts drain. */
  readonly settleMs: number;
  readonly holdMs: number;
  /** Sequential joins measured after the window (0 for the null baseline). */
  readonly joins: number;
  /** Bound on building the audience and on each join. */
  readonly readyTimeoutMs: number;
  /** A player is at full rate when it received at least this share of what the publisher sent. */
  readonly fullRateRatio: number;
}

/** How the HLS viewers of a cell behave. */
export interface HlsViewerJob {
  /** Longest wait between a viewer's playlist polls (half the target duration when shorter). */
  readonly pollMs: number;
  /** The lister's poll: it records what the server lists, so it polls more often than a viewer. */
  readonly listerPollMs: number;
  readonly requestTimeoutMs: number;
  /** After the window, viewers go on until each has every segment listed in it, at most this long. */
  readonly drainMs: number;
}

/** Which segments the HLS viewers got of those the server listed during the hold window. */
export interface HlsDelivery {
  /** Sequence numbers first listed during the window, as the lister saw the media playlist. */
  readonly windowSegments: readonly number[];
  /** Viewers that fetched every one of them (before the drain ended). */
  readonly viewersWithEverySegment: number;
  /** Fewest of them one viewer fetched. */
  readonly minSegmentsFetched: number;
  /** Segment requests of all viewers that answered other than 200 or broke off, whole run. */
  readonly segmentFailures: number;
  /** EXT-X-TARGETDURATION of the last playlist the lister read. */
  readonly targetDurationSec: number;
}

/** What one fan-out run measured; byte counts are within the hold window. */
export interface FanoutResult {
  readonly type: 'fanout';
  readonly players: number;
  readonly playersReady: number;
  readonly playersAtFullRate: number;
  /** Lowest player's received/sent ratio, to show how close the slowest came. */
  readonly minPlayerRatio: number;
  /** Media payload bytes (RTMP) or raw bytes (null) the publisher sent. */
  readonly publisherBytes: number;
  /** Bytes all players read from their sockets: what the server delivered. */
  readonly deliveredBytes: number;
  readonly holdMs: number;
  /** Server user + system CPU in the window. */
  readonly serverCpuMs: number;
  /** The system (kernel) part of it: socket writes, mostly. */
  readonly serverSysMs: number;
  readonly loadGenCpuMs: number;
  /** Median RSS sample with the publisher alone. */
  readonly rssIdleKb: number;
  /** Median RSS sample through the hold window. */
  readonly rssLoadedKb: number;
  readonly joinMs: readonly number[];
  readonly joinFailures: number;
  /** The first distinct errors seen, for the log; bounded. */
  readonly errors: readonly string[];
  /** The API prober's findings, when the cell ran it. */
  readonly probes?: readonly ProbeResult[];
  /** HLS viewers' segments (protocol `hls`). */
  readonly hls?: HlsDelivery;
}

/** Back-to-back sessions: connect + publish or connect + play, then close. */
export interface SessionsJob {
  readonly type: 'sessions';
  readonly port: number;
  readonly serverPid: number;
  readonly kind: 'publish' | 'play';
  /** Stream names are `<prefix><n>`, unique per session. */
  readonly app: string;
  readonly streamPrefix: string;
  readonly concurrency: number;
  readonly sessions: number;
  /** The cell stops starting sessions after this long even if `sessions` is not reached. */
  readonly maxDurationMs: number;
  readonly sessionTimeoutMs: number;
}

/** What one sessions cell measured. */
export interface SessionsResult {
  readonly type: 'sessions';
  readonly completed: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly serverCpuMs: number;
  /** The system (kernel) part of serverCpuMs. */
  readonly serverSysMs: number;
  readonly loadGenCpuMs: number;
  /**
   * Share of all cores busy over the cell (/proc/stat), 0..1; absent in
   * results written before it was measured. Near 1 the server waited for a
   * core, so its CPU per session is the machine's, not only its own.
   */
  readonly machineBusy?: number;
  /** Connect-to-started time of every completed session. */
  readonly sessionMs: readonly number[];
  readonly errors: readonly string[];
}

/** A job for the load generator. */
export type LoadJob = FanoutJob | SessionsJob;
/** Its answer. */
export type LoadResult = FanoutResult | SessionsResult;
/** The one IPC message a load generator sends back. */
export type LoadReply = { readonly ok: true; readonly result: LoadResult } | { readonly ok: false; readonly error: string };

/** Bound on distinct error messages a job keeps. */
export const MAX_ERRORS_KEPT = 5;

/** Adds `error`'s message to `errors` unless already there or the list is full. */
export function keepError(errors: string[], error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (errors.length < MAX_ERRORS_KEPT && !errors.includes(message)) errors.push(message);
}
