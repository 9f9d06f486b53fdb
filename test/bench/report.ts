/**
 * Turns a run's results into the one table the issue asks for: ours beside
 * node-media-server with their ratio, the null baseline where it applies, the
 * target and whether ours met it. Markdown, so the same text goes to the
 * console and to test/bench/README.md.
 */
import type { FanoutProtocol, FanoutResult, ProbeResult, ServerKind, SessionsResult } from './jobs.js';
import { coldNotes, coldTableRows } from './cold-report.js';
import { median, quantile } from './stats.js';
import {
  cpuMsPerGb, cpuMsPerSession, isFailure, joinMedianMs, loadGenCpuMsPerSession, loadGenCpuPercent, rssPerPlayerKb, segmentingCostPercent, serverCpuPercent,
  sessionsPerSecond, sessionTimes, type BenchResults, type FanoutRow, type Outcome, type SegmentingRow, type SessionsRow,
} from './results.js';
import { lalCascadeNotes, lalCascadeRows } from './lal-cascade-report.js';

/** The targets on a 2-core machine ("Scenarios and targets"). */
export const TARGETS = {
  fanoutPlayers: 500,
  maxCpuMsPerGb: 400,
  maxRssPerPlayerKb: 30,
  maxJoinMedianMs: 10,
  /** HTTP-FLV fan-out: server CPU per delivered GB within this factor of our RTMP cell of the same N and run. */
  maxHttpFlvCpuFactor: 1.1,
  minSessionsPerSecondAtConcurrency1: 200,
  maxCpuMsPerSessionWithCallback: 0.3,
  callbackCpuConcurrency: 64,
  /** "about 200 ms each, not queued": the wait the callback adds, median within 1.25x and p95 within 1.5x of its delay. */
  slowMedianFactor: 1.25,
  slowP95Factor: 1.5,
} as const;

/** One table line. `met` is empty when the line has no target. */
export interface TableRow {
  readonly scenario: string;
  readonly metric: string;
  readonly target: string;
  readonly ours: string;
  readonly nms: string;
  readonly ratio: string;
  readonly nullBaseline: string;
  readonly met: '' | 'yes' | 'NO' | 'n/a';
}

/** A number as the table prints it (n/a for none). */
export function format(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(abs >= 10 ? 1 : 2);
}

function ratio(ours: number | undefined, nms: number | undefined): string {
  if (ours === undefined || nms === undefined || !Number.isFinite(ours) || !Number.isFinite(nms) || nms === 0) return '';
  return `${(ours / nms).toFixed(2)}x`;
}

function judge(value: number | undefined, check: ((v: number) => boolean) | undefined): TableRow['met'] {
  if (check === undefined) return '';
  if (value === undefined) return 'n/a';
  return Number.isFinite(value) && check(value) ? 'yes' : 'NO';
}

function cell<T extends object>(outcome: Outcome<T> | undefined, metric: (r: T) => number): { text: string; value: number | undefined } {
  if (outcome === undefined) return { text: '-', value: undefined };
  if (isFailure(outcome)) return { text: 'error', value: undefined };
  const value = metric(outcome);
  return { text: format(value), value };
}

interface MetricSpec<T> {
  readonly metric: string;
  readonly value: (r: T) => number;
  readonly text?: (r: T) => string;
  readonly target?: string;
  readonly check?: (v: number) => boolean;
}

function metricRow<T extends object>(
  scenario: string,
  spec: MetricSpec<T>,
  results: Partial<Record<ServerKind, Outcome<T>>>,
): TableRow {
  const ours = cell(results.ours, spec.value);
  const nms = cell(results.nms, spec.value);
  const nullBaseline = cell(results.null, spec.value);
  const text = (outcome: Outcome<T> | undefined, fallback: string): string =>
    spec.text !== undefined && outcome !== undefined && !isFailure(outcome) ? spec.text(outcome) : fallback;
  return {
    scenario,
    metric: spec.metric,
    target: spec.target ?? '',
    ours: text(results.ours, ours.text),
    nms: text(results.nms, nms.text),
    ratio: ratio(ours.value, nms.value),
    nullBaseline: text(results.null, nullBaseline.text),
    met: judge(ours.value, spec.check),
  };
}

/** The scenario name of a fan-out row; RTMP keeps its historic label so runs compare. */
function fanoutScenario(row: FanoutRow): string {
  const protocol = row.protocol ?? 'rtmp';
  if (row.interceptor === 'noop') return `fan-out N=${row.players}, one no-op media interceptor`;
  if (row.interceptor === 'baseline') return `fan-out N=${row.players}, interceptor cells' baseline`;
  if (protocol === 'rtmp') return `fan-out N=${row.players}`;
  if (protocol === 'http-flv') return `HTTP-FLV fan-out N=${row.players}`;
  if (protocol === 'hls') return `HLS viewers N=${row.players}`;
  return `RTMP+HTTP-FLV fan-out N=${row.players}${row.probed === true ? ', API scraped' : ''}`;
}

function oursResult(row: FanoutRow | undefined): FanoutResult | undefined {
  const r = row?.results.ours;
  return r === undefined || isFailure(r) ? undefined : r;
}

/** Our result of the `protocol` cell of `players` in the same run. */
function oursOf(all: readonly FanoutRow[], protocol: FanoutProtocol, players: number): FanoutResult | undefined {
  return oursResult(all.find((other) => (other.protocol ?? 'rtmp') === protocol && other.players === players && other.probed !== true && other.interceptor === undefined));
}

/**
 * HLS viewers (ours only; NMS v4 has no HLS, shown as n/a): every segment of
 * the window for all, CPU per GB and its ratio to our RTMP and HTTP-FLV
 * cells of the same N when they ran, RSS per viewer.
 */
function hlsRows(row: FanoutRow, all: readonly FanoutRow[]): TableRow[] {
  const scenario = fanoutScenario(row);
  const segments = (r: FanoutResult): number => r.hls?.windowSegments.length ?? 0;
  const specs: MetricSpec<FanoutResult>[] = [
    {
      metric: 'viewers with every segment of the window',
      value: (r) => r.playersAtFullRate,
      text: (r) => `${r.playersAtFullRate}/${r.players} (${segments(r)} segments)`,
      target: 'all',
      check: (v) => v === row.players,
    },
    {
      metric: 'viewers missing segments',
      value: (r) => r.players - r.playersAtFullRate,
      text: (r) => {
        const missing = r.players - r.playersAtFullRate;
        const failed = r.hls?.segmentFailures ?? 0;
        const detail = [missing > 0 ? `fewest ${r.hls?.minSegmentsFetched ?? 0}/${segments(r)}` : '', failed > 0 ? `${failed} segment requests failed` : ''].filter((t) => t !== '');
        return detail.length === 0 ? String(missing) : `${missing} (${detail.join('; ')})`;
      },
    },
    { metric: 'server CPU-ms per GB', value: cpuMsPerGb },
    { metric: 'server CPU % of a core', value: serverCpuPercent },
    { metric: 'RSS per viewer (KiB)', value: rssPerPlayerKb },
    { metric: 'load generator CPU % of a core', value: loadGenCpuPercent },
  ];
  const rows = specs.map((spec) => metricRow(scenario, spec, row.results));
  for (const [protocol, label] of [['rtmp', 'RTMP'], ['http-flv', 'HTTP-FLV']] as const) {
    const other = oursOf(all, protocol, row.players);
    if (other === undefined) continue;
    const base = cpuMsPerGb(other);
    rows.push(metricRow(scenario, { metric: `CPU per GB / our ${label} cell`, value: (r: FanoutResult) => cpuMsPerGb(r) / base }, { ours: row.results.ours }));
  }
  return rows.map((line) => ({ ...line, nms: 'n/a' }));
}

function fanoutRows(row: FanoutRow, all: readonly FanoutRow[]): TableRow[] {
  const protocol = row.protocol ?? 'rtmp';
  if (protocol === 'hls') return hlsRows(row, all);
  const atTarget = row.players === TARGETS.fanoutPlayers && protocol !== 'mixed' && row.interceptor === undefined;
  const scenario = fanoutScenario(row);
  const rtmpOurs = protocol === 'http-flv' ? oursResult(all.find((other) => (other.protocol ?? 'rtmp') === 'rtmp' && other.players === row.players && other.interceptor === undefined)) : undefined;
  const rtmpCpu = rtmpOurs === undefined ? undefined : cpuMsPerGb(rtmpOurs);
  const cpuTarget =
    !atTarget ? {}
    : protocol === 'rtmp' ? { target: `<= ${TARGETS.maxCpuMsPerGb}`, check: (v: number) => v <= TARGETS.maxCpuMsPerGb }
    : rtmpCpu === undefined ? { target: `<= ${TARGETS.maxHttpFlvCpuFactor}x RTMP`, check: () => false }
    : { target: `<= ${format(rtmpCpu * TARGETS.maxHttpFlvCpuFactor)} (${TARGETS.maxHttpFlvCpuFactor}x RTMP)`, check: (v: number) => v <= rtmpCpu * TARGETS.maxHttpFlvCpuFactor };
  const specs: MetricSpec<FanoutResult>[] = [
    {
      metric: 'players at full rate',
      value: (r) => r.playersAtFullRate,
      text: (r) => `${r.playersAtFullRate}/${r.players}`,
      ...(atTarget ? { target: 'all', check: (v: number) => v === row.players } : {}),
    },
    { metric: 'server CPU-ms per GB', value: cpuMsPerGb, ...cpuTarget },
    { metric: 'server CPU % of a core', value: serverCpuPercent },
    { metric: 'RSS per player (KiB)', value: rssPerPlayerKb, ...(atTarget ? { target: `<= ${TARGETS.maxRssPerPlayerKb}`, check: (v: number) => v <= TARGETS.maxRssPerPlayerKb } : {}) },
    { metric: 'join median (ms)', value: joinMedianMs, ...(atTarget ? { target: `<= ${TARGETS.maxJoinMedianMs}`, check: (v: number) => v <= TARGETS.maxJoinMedianMs } : {}) },
    { metric: 'load generator CPU % of a core', value: loadGenCpuPercent },
  ];
  const rows = specs.map((spec) => metricRow(scenario, spec, row.results));
  if (rtmpCpu !== undefined) {
    rows.push(metricRow(scenario, { metric: 'CPU per GB / our RTMP cell', value: (r: FanoutResult) => cpuMsPerGb(r) / rtmpCpu }, { ours: row.results.ours }));
  }
  if (row.probed === true) rows.push(...probeRows(scenario, row, all));
  if (row.interceptor === 'noop') rows.push(...interceptorRows(scenario, row, all));
  return rows;
}

/** The no-op interceptor's cell against the mean of the baselines around it (same N, same run). */
function interceptorRows(scenario: string, row: FanoutRow, all: readonly FanoutRow[]): TableRow[] {
  const ours = oursResult(row);
  const baselines = all.filter((other) => other.interceptor === 'baseline' && other.players === row.players).map(oursResult).filter((r): r is FanoutResult => r !== undefined);
  if (ours === undefined || baselines.length === 0) return [];
  const mean = baselines.reduce((sum, r) => sum + cpuMsPerGb(r), 0) / baselines.length;
  const spread = baselines.map((r) => format(cpuMsPerGb(r))).join(' / ');
  return [{ scenario, metric: 'CPU per GB / baselines (mean of the cells before and after)', target: '', ours: `${(cpuMsPerGb(ours) / mean).toFixed(2)}x (baselines ${spread})`, nms: '-', ratio: '', nullBaseline: '-', met: '' }];
}

/** Latency of each scraped endpoint, and what the scrapes did to the fan-out's CPU per GB. */
function probeRows(scenario: string, row: FanoutRow, all: readonly FanoutRow[]): TableRow[] {
  const ours = oursResult(row);
  const plain = oursResult(all.find((other) => other.protocol === row.protocol && other.players === row.players && other.probed !== true));
  const line = (metric: string, value: string): TableRow => ({ scenario, metric, target: '', ours: value, nms: '-', ratio: '', nullBaseline: '-', met: '' });
  const out: TableRow[] = [];
  for (const probe of ours?.probes ?? []) out.push(line(`${probe.name} p50 / p99 / max (ms)`, probeLatencies(probe)));
  if (ours !== undefined && plain !== undefined) out.push(line('CPU per GB / same cell unscraped', `${(cpuMsPerGb(ours) / cpuMsPerGb(plain)).toFixed(2)}x`));
  return out;
}

function probeLatencies(probe: ProbeResult): string {
  const answered = probe.latenciesMs;
  if (answered.length === 0) return probe.notServed > 0 ? 'not served' : `no answer (${probe.failures} failed)`;
  const text = `${format(median(answered))} / ${format(quantile(answered, 0.99))} / ${format(Math.max(...answered))}`;
  const extra = [probe.failures > 0 ? `${probe.failures} failed` : '', probe.notServed > 0 ? `${probe.notServed} not served` : ''].filter((s) => s !== '');
  return extra.length === 0 ? `${text} (${answered.length} scrapes)` : `${text} (${answered.length} scrapes; ${extra.join(', ')})`;
}

/**
 * What the slow callback added to a session: its median (or p95) minus the
 * same statistic of the no-callback cell at the same concurrency, measured
 * in the same run. This is what "about 200 ms each, not queued" is judged
 * on: the rest of a session's time is the 64 concurrent handshakes sharing
 * 2 cores with the load generator, which the null baseline pays as well.
 */
function callbackWaitRow(scenario: string, row: SessionsRow, all: readonly SessionsRow[], statistic: 'medianMs' | 'p95Ms', limit: number): TableRow {
  const plain = all.find((other) => other.hooks === 'none' && other.kind === row.kind && other.concurrency === row.concurrency);
  const wait = (server: ServerKind): number | undefined => {
    const slow = row.results[server];
    const base = plain?.results[server];
    if (slow === undefined || base === undefined || isFailure(slow) || isFailure(base)) return undefined;
    return sessionTimes(slow)[statistic] - sessionTimes(base)[statistic];
  };
  const ours = wait('ours');
  const nms = wait('nms');
  const nullBaseline = row.results.null === undefined ? '-' : format(wait('null'));
  const metric = `added by the callback, ${statistic === 'medianMs' ? 'median' : 'p95'} (ms)`;
  const target = statistic === 'medianMs' ? `~${row.callbackDelayMs}` : `<= ${limit}`;
  return { scenario, metric, target, ours: format(ours), nms: format(nms), ratio: ratio(ours, nms), nullBaseline, met: judge(ours, (v) => v <= limit) };
}

function sessionsRows(row: SessionsRow, all: readonly SessionsRow[]): TableRow[] {
  const hookLabel = row.hooks === 'none' ? '' : row.hooks === 'callback' ? ' +callback' : ` +${row.callbackDelayMs}ms callback`;
  const scenario = `connect+${row.kind} c=${row.concurrency}${hookLabel}`;
  if (row.hooks === 'slow-callback') {
    const delayMs = row.callbackDelayMs;
    return [
      metricRow(scenario, { metric: 'session median (ms)', value: (r: SessionsResult) => sessionTimes(r).medianMs }, row.results),
      metricRow(scenario, { metric: 'session p95 (ms)', value: (r: SessionsResult) => sessionTimes(r).p95Ms }, row.results),
      callbackWaitRow(scenario, row, all, 'medianMs', delayMs * TARGETS.slowMedianFactor),
      callbackWaitRow(scenario, row, all, 'p95Ms', delayMs * TARGETS.slowP95Factor),
    ];
  }
  const rateTarget = row.concurrency === 1 ? { target: `>= ${TARGETS.minSessionsPerSecondAtConcurrency1}`, check: (v: number) => v >= TARGETS.minSessionsPerSecondAtConcurrency1 } : {};
  const cpuTarget =
    row.hooks === 'callback' && row.concurrency === TARGETS.callbackCpuConcurrency
      ? { target: `<= ${TARGETS.maxCpuMsPerSessionWithCallback}`, check: (v: number) => v <= TARGETS.maxCpuMsPerSessionWithCallback }
      : {};
  return [
    metricRow(scenario, { metric: 'sessions/s', value: sessionsPerSecond, ...rateTarget }, row.results),
    metricRow(scenario, { metric: 'server CPU ms/session', value: cpuMsPerSession, ...cpuTarget }, row.results),
    metricRow(scenario, { metric: 'load generator CPU ms/session', value: loadGenCpuMsPerSession }, row.results),
  ];
}

/**
 * HLS segmenting of one stream: our server's CPU with HLS off and on (fresh
 * servers, same publisher and HTTP-FLV viewers) and the difference. NMS v4
 * has no HLS: n/a.
 */
function segmentingRows(row: SegmentingRow): TableRow[] {
  const scenario = row.viewers === 0 ? 'HLS segmenting, 1 publisher' : `HLS segmenting, 1 publisher + ${row.viewers} HTTP-FLV viewers`;
  const line = (metric: string, ours: string): TableRow => ({ scenario, metric, target: '', ours, nms: 'n/a', ratio: '', nullBaseline: '-', met: '' });
  const percent = (outcome: Outcome<FanoutResult>): string => (isFailure(outcome) ? 'error' : format(serverCpuPercent(outcome)));
  const rss = (outcome: Outcome<FanoutResult>): number => (isFailure(outcome) ? Number.NaN : outcome.rssLoadedKb);
  return [
    line('server CPU % of a core, HLS off', percent(row.off)),
    line('server CPU % of a core, HLS on', percent(row.on)),
    line('HLS segmenting, % of a core per stream', format(segmentingCostPercent(row))),
    line('server RSS, HLS on - off (MiB)', format((rss(row.on) - rss(row.off)) / 1024)),
  ];
}

/** Every table line of a run: fan-out (HLS viewers beside the other cells of their N), HLS segmenting, sessions. */
export function tableRows(results: BenchResults): TableRow[] {
  // A stable sort: each N's RTMP, HTTP-FLV and HLS cells stay together in the order they ran.
  const fanout = [...results.fanout].sort((a, b) => a.players - b.players);
  return [
    ...fanout.flatMap((row) => fanoutRows(row, results.fanout)),
    ...(results.segmenting ?? []).flatMap(segmentingRows),
    ...results.sessions.flatMap((row) => sessionsRows(row, results.sessions)),
    ...coldTableRows(results.cold ?? []),
    ...lalCascadeRows(results),
  ];
}

/** The table as GitHub markdown. */
export function renderTable(rows: readonly TableRow[]): string {
  const header = ['scenario', 'metric', 'target', 'ours', 'NMS', 'ours/NMS', 'null TCP', 'met'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${[r.scenario, r.metric, r.target, r.ours, r.nms, r.ratio, r.nullBaseline, r.met].join(' | ')} |`);
  return lines.join('\n');
}

/** Errors and failed sessions, one line each, for under the table. */
export function notes(results: BenchResults): string[] {
  const out: string[] = [];
  const add = (where: string, outcome: Outcome<FanoutResult | SessionsResult> | undefined): void => {
    if (outcome === undefined) return;
    if (isFailure(outcome)) {
      out.push(`${where}: run failed: ${outcome.error.split('\n')[0]}`);
      return;
    }
    const failed = outcome.type === 'sessions' ? outcome.failed : outcome.players - outcome.playersReady + outcome.joinFailures;
    if (failed > 0 || outcome.errors.length > 0) out.push(`${where}: ${failed} failed; ${outcome.errors.join('; ')}`);
  };
  for (const row of results.fanout) for (const [kind, r] of Object.entries(row.results)) add(`${fanoutScenario(row)} ${kind}`, r);
  for (const row of results.segmenting ?? []) {
    add(`HLS segmenting off, ${row.viewers} viewers ours`, row.off);
    add(`HLS segmenting on, ${row.viewers} viewers ours`, row.on);
    if (!isFailure(row.on) && (row.segmentsWritten ?? 0) === 0) out.push(`HLS segmenting on, ${row.viewers} viewers ours: HLS on but no playlist written`);
  }
  for (const row of results.sessions) {
    for (const [kind, r] of Object.entries(row.results)) add(`${row.kind} c=${row.concurrency} hooks=${row.hooks} ${kind}`, r);
  }
  out.push(...coldNotes(results.cold ?? []));
  out.push(...lalCascadeNotes(results));
  return out;
}
