/**
 * The lal (issue 14) and cascade (issue 16) cells: what their jobs are
 * told, what they answer, how the results JSON records them, and the
 * metrics derived from them (pure, unit-tested; the table uses these).
 */
import type { FanoutResult } from './jobs.js';
import { cpuMsPerGb, isFailure, type Outcome } from './results.js';
import { median, quantile } from './stats.js';

/** The in-process lal on_update tick: real StreamGroups over a real registry and hub, fake sockets. */
export interface LalTickJob {
  readonly type: 'lal-tick';
  /** For the sequence headers the snapshot parses (codec, picture size). */
  readonly streamFile: string;
  /** Live sessions in all: `streams` publishers, the rest viewers. */
  readonly sessions: number;
  readonly streams: number;
  /** Ticks run first and not measured (JIT, the first allocations). */
  readonly warmupTicks: number;
  readonly ticks: number;
}

/** What the tick job measured. */
export interface LalTickResult {
  readonly type: 'lal-tick';
  readonly sessions: number;
  readonly streams: number;
  /** process.cpuUsage() (all threads, GC included) around each measured tick. */
  readonly tickCpuMs: readonly number[];
  readonly tickWallMs: readonly number[];
  /** Bytes of one on_update body (JSON.stringify of lal's UpdateInfo). */
  readonly bodyBytes: number;
  /** Groups and subs in the last body, to show what was serialised. */
  readonly groups: number;
  readonly subs: number;
}

/** What the lal receiver saw during one fan-out cell with http_notify on. */
export interface NotifyDeliveries {
  /** POSTs per lal event (the receiver's path names it). */
  readonly byEvent: Readonly<Record<string, number>>;
  /** From the server's start to its stop, as the orchestrator timed it: on_update count / this is the update rate. */
  readonly cellMs: number;
  /** Largest on_update body, bytes. */
  readonly maxUpdateBodyBytes: number;
}

/** One interleaved pair of the same fan-out: http_notify off, then on. */
export interface LalNotifyRow {
  readonly players: number;
  readonly round: number;
  readonly off: Outcome<FanoutResult>;
  readonly on: Outcome<FanoutResult>;
  readonly deliveries?: NotifyDeliveries;
}

/** Everything of `--only lal`. */
export interface LalResults {
  readonly tick: Outcome<LalTickResult>[];
  readonly notify: LalNotifyRow[];
}

/** A server process whose CPU a cascade cell counts. */
export interface CascadeProcess {
  readonly role: 'origin' | 'edge';
  readonly pid: number;
  readonly port: number;
}

/** One cascade or direct cell: the publisher on the origin, the viewers on the edges (or on the origin when there is none). */
export interface CascadeJob {
  readonly type: 'cascade';
  readonly streamFile: string;
  readonly streamPath: string;
  readonly origin: CascadeProcess;
  /** Empty: the direct cell. */
  readonly edges: readonly CascadeProcess[];
  /** Viewers in all, spread evenly over the edges (or all on the origin). */
  readonly viewers: number;
  readonly connectConcurrency: number;
  readonly warmupMs: number;
  readonly settleMs: number;
  readonly holdMs: number;
  /** Sequential joins after the window on the serving processes; the cascade cell makes as many on the origin too. */
  readonly joins: number;
  readonly readyTimeoutMs: number;
  readonly fullRateRatio: number;
}

/** What a cascade or direct cell measured; bytes and CPU are within the hold window. */
export interface CascadeResult {
  readonly type: 'cascade';
  readonly edges: number;
  readonly viewers: number;
  readonly viewersReady: number;
  readonly viewersAtFullRate: number;
  readonly minViewerRatio: number;
  readonly holdMs: number;
  readonly publisherBytes: number;
  /** Bytes all viewers read from their sockets (the edges' pulls are not counted: nobody watches them). */
  readonly deliveredBytes: number;
  /** Per process, origin first, in the order of the job. */
  readonly cpuMs: readonly { readonly role: 'origin' | 'edge'; readonly cpuMs: number }[];
  readonly loadGenCpuMs: number;
  /**
   * The first viewer of each serving process, timed before the rest join:
   * on an edge it starts the pull, so it waits for the origin; direct, it
   * is a join of a running stream.
   */
  readonly firstViewerMs: readonly number[];
  /** Joins of the running stream after the window, on the serving processes (edges, or the origin). */
  readonly joinMs: readonly number[];
  /** Cascade only: joins on the origin in the same cell, interleaved with `joinMs`. */
  readonly originJoinMs: readonly number[];
  readonly joinFailures: number;
  readonly errors: readonly string[];
}

/** One cascade comparison: 1 publisher -> origin -> edges -> viewers, against the same viewers on the origin. */
export interface CascadeRow {
  readonly viewers: number;
  readonly edges: number;
  readonly cascade: Outcome<CascadeResult>;
  readonly direct: Outcome<CascadeResult>;
}

/** Mean CPU ms of one tick. */
export function tickCpuMsMean(r: LalTickResult): number {
  return r.tickCpuMs.length === 0 ? Number.NaN : r.tickCpuMs.reduce((sum, ms) => sum + ms, 0) / r.tickCpuMs.length;
}

/** Median and 99th percentile of the wall time of one tick. */
export function tickWallMs(r: LalTickResult): { medianMs: number; p99Ms: number } {
  return { medianMs: median(r.tickWallMs), p99Ms: quantile(r.tickWallMs, 0.99) };
}

/**
 * Server CPU per delivered GB with http_notify on over the same with it off,
 * pooled over every pair that measured both: the sum of CPU over the sum of
 * bytes of each side, so a short or failed cell does not weigh as much as a
 * whole one. NaN when no pair has both.
 */
export function notifyCpuRatio(rows: readonly LalNotifyRow[]): number {
  let onCpu = 0;
  let onBytes = 0;
  let offCpu = 0;
  let offBytes = 0;
  for (const row of rows) {
    if (isFailure(row.on) || isFailure(row.off)) continue;
    onCpu += row.on.serverCpuMs;
    onBytes += row.on.deliveredBytes;
    offCpu += row.off.serverCpuMs;
    offBytes += row.off.deliveredBytes;
  }
  if (onBytes === 0 || offBytes === 0 || offCpu === 0) return Number.NaN;
  return onCpu / onBytes / (offCpu / offBytes);
}

/** One pair's on/off ratio of CPU per GB; NaN when either failed. */
export function pairCpuRatio(row: LalNotifyRow): number {
  if (isFailure(row.on) || isFailure(row.off)) return Number.NaN;
  return cpuMsPerGb(row.on) / cpuMsPerGb(row.off);
}

/** CPU of every process of the cell (origin and edges) in the window. */
export function cascadeTotalCpuMs(r: CascadeResult): number {
  return r.cpuMs.reduce((sum, p) => sum + p.cpuMs, 0);
}

/** Total CPU-ms (every process) per delivered GB (10^9 bytes). */
export function cascadeCpuMsPerGb(r: CascadeResult): number {
  return r.deliveredBytes === 0 ? Number.NaN : cascadeTotalCpuMs(r) / (r.deliveredBytes / 1e9);
}

/** What an edge adds to a join: median join on the edges minus median join straight on the origin (the direct cell). */
export function addedJoinMs(row: CascadeRow): number {
  if (isFailure(row.cascade) || isFailure(row.direct)) return Number.NaN;
  return median(row.cascade.joinMs) - median(row.direct.joinMs);
}

/** The same, against the origin joins of the cascade cell itself (same processes, same minute). */
export function addedJoinMsSameCell(r: CascadeResult): number {
  return median(r.joinMs) - median(r.originJoinMs);
}

/** Viewers `viewers` spread over `servers` processes as evenly as possible: which process the i-th viewer uses. */
export function serverOfViewer(index: number, servers: number): number {
  return index % servers;
}
