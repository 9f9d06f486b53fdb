/**
 * The shape of one bench run as written to the results JSON, and the
 * metrics derived from raw measurements (the table and the JSON use the same
 * functions, so they never disagree).
 */
import type { FanoutProtocol, FanoutResult, ServerKind, SessionsResult } from './jobs.js';
import type { CascadeRow, LalResults } from './lal-cascade-results.js';
import { median, quantile } from './stats.js';

/** A run that could not produce a measurement. */
export interface RunFailure {
  readonly error: string;
}

/** A measurement or why there is none. */
export type Outcome<T> = T | RunFailure;

/** True when `outcome` is a failure. */
export function isFailure<T extends object>(outcome: Outcome<T> | undefined): outcome is RunFailure {
  return outcome !== undefined && 'error' in outcome;
}

/** One fan-out size and protocol, every server that speaks it. */
export interface FanoutRow {
  readonly players: number;
  /** Absent in results written before HTTP-FLV cells existed: RTMP. */
  readonly protocol?: FanoutProtocol;
  /** The API prober ran through the hold window. */
  readonly probed?: boolean;
  /** The interceptor cells: ours plain (`baseline`, before and after) or with one no-op media interceptor (`noop`). */
  readonly interceptor?: 'baseline' | 'noop';
  readonly results: Partial<Record<ServerKind, Outcome<FanoutResult>>>;
}

/**
 * The cost of HLS segmenting one stream: our server with one publisher and
 * `viewers` HTTP-FLV viewers, fresh with HLS off, then fresh with HLS on.
 */
export interface SegmentingRow {
  readonly viewers: number;
  readonly off: Outcome<FanoutResult>;
  readonly on: Outcome<FanoutResult>;
  /** Last listed sequence number + 1 in the playlist the HLS-on cell left: the segmenter did run. */
  readonly segmentsWritten?: number;
}

/** What the hook server did during a sessions cell. */
export type HookMode = 'none' | 'callback' | 'slow-callback';

/** One sessions cell: ours, NMS and the null session baseline. */
export interface SessionsRow {
  readonly kind: 'publish' | 'play';
  readonly hooks: HookMode;
  readonly concurrency: number;
  /** How long the hook server waited before answering (0 unless slow-callback). */
  readonly callbackDelayMs: number;
  readonly results: Partial<Record<ServerKind, Outcome<SessionsResult>>>;
}

/** How our server logged in a cold cell (servers.ts `OurLogging`). */
export type ColdLogging = 'default' | 'off';

/**
 * One cold cell (issue 19): a fresh server of ours, its first sessions
 * (`cold`), then the same sessions again after a warm-up (`warm`).
 */
export interface ColdRow {
  readonly kind: 'publish' | 'play';
  readonly logging: ColdLogging;
  readonly hooks: 'none' | 'callback';
  readonly concurrency: number;
  /** Spawn to listening on every port, ms (absent when the server did not start). */
  readonly startupMs?: number;
  readonly cold: Outcome<SessionsResult>;
  readonly warm: Outcome<SessionsResult>;
}

/** At or above this share of both cores busy, a cell measured a saturated machine. */
export const SATURATED_BUSY_SHARE = 0.9;

/** True when the machine was saturated through the cell. */
export function isSaturated(r: SessionsResult): boolean {
  return (r.machineBusy ?? 0) >= SATURATED_BUSY_SHARE;
}

/** The machine the numbers come from. */
export interface MachineInfo {
  readonly cpus: number;
  readonly model: string;
  readonly node: string;
  /** 1-minute load average before the run: other work on the machine makes every number noisier. */
  readonly loadAverageAtStart: number;
}

/** Everything one run produced. */
export interface BenchResults {
  readonly date: string;
  readonly quick: boolean;
  /** Every server and scenario at the plan's sizes, no extra node flags: fit for README.md. */
  readonly isComplete: boolean;
  readonly machine: MachineInfo;
  readonly stream: { readonly file: string; readonly kbps: number };
  readonly fanout: FanoutRow[];
  /** Absent in results written before the HLS cells existed. */
  readonly segmenting?: SegmentingRow[];
  readonly sessions: SessionsRow[];
  /** Absent in results written before the cold cells existed. */
  readonly cold?: ColdRow[];
  /** `--only lal` (issue 14); absent otherwise. */
  readonly lal?: LalResults;
  /** `--only cascade` (issue 16); absent otherwise. */
  readonly cascade?: CascadeRow[];
  readonly durationSec: number;
}

/** Server CPU-ms per delivered GB (10^9 bytes). */
export function cpuMsPerGb(r: FanoutResult): number {
  return r.deliveredBytes === 0 ? Number.NaN : r.serverCpuMs / (r.deliveredBytes / 1e9);
}

/** Server CPU over the window as % of one core. */
export function serverCpuPercent(r: FanoutResult): number {
  return (r.serverCpuMs / r.holdMs) * 100;
}

/** HLS on minus HLS off, server CPU as % of one core: the segmenting of the one stream. */
export function segmentingCostPercent(row: SegmentingRow): number {
  if (isFailure(row.on) || isFailure(row.off)) return Number.NaN;
  return serverCpuPercent(row.on) - serverCpuPercent(row.off);
}

/** Load generator CPU over the window as % of one core. */
export function loadGenCpuPercent(r: { loadGenCpuMs: number; holdMs?: number; elapsedMs?: number }): number {
  const wallMs = r.holdMs ?? r.elapsedMs ?? Number.NaN;
  return (r.loadGenCpuMs / wallMs) * 100;
}

/** (RSS at N - RSS with 0 players) / N, in KiB. */
export function rssPerPlayerKb(r: FanoutResult): number {
  return r.players === 0 ? Number.NaN : (r.rssLoadedKb - r.rssIdleKb) / r.players;
}

/** Median connect-to-key-frame time of the joins. */
export function joinMedianMs(r: FanoutResult): number {
  return median(r.joinMs);
}

/** Completed sessions per second of wall time. */
export function sessionsPerSecond(r: SessionsResult): number {
  return r.elapsedMs === 0 ? Number.NaN : r.completed / (r.elapsedMs / 1000);
}

/** Server CPU per completed session, in ms. */
export function cpuMsPerSession(r: SessionsResult): number {
  return r.completed === 0 ? Number.NaN : r.serverCpuMs / r.completed;
}

/** The load generator's CPU per completed session (it speaks the same RTMP, digest handshake included). */
export function loadGenCpuMsPerSession(r: SessionsResult): number {
  return r.completed === 0 ? Number.NaN : r.loadGenCpuMs / r.completed;
}

/** Median and 95th percentile of session times, in ms. */
export function sessionTimes(r: SessionsResult): { medianMs: number; p95Ms: number } {
  return { medianMs: median(r.sessionMs), p95Ms: quantile(r.sessionMs, 0.95) };
}
