/**
 * The table lines and notes of the lal (issue 14) and cascade (issue 16)
 * cells. Ours only: NMS has neither lal's HTTP Notify nor an edge mode, so
 * its column says n/a; the null baseline has none either.
 */
import type { FanoutResult } from './jobs.js';
import {
  addedJoinMs, addedJoinMsSameCell, cascadeCpuMsPerGb, notifyCpuRatio, pairCpuRatio, tickCpuMsMean, tickWallMs,
  type CascadeResult, type CascadeRow, type LalNotifyRow, type LalTickResult,
} from './lal-cascade-results.js';
import { format, type TableRow } from './report.js';
import { cpuMsPerGb, isFailure, joinMedianMs, type BenchResults, type Outcome } from './results.js';
import { median } from './stats.js';

/** The notify cells' "within noise": CPU per GB with http_notify on within this factor of off. */
export const MAX_NOTIFY_CPU_FACTOR = 1.1;

function line(scenario: string, metric: string, ours: string, target = '', met: TableRow['met'] = ''): TableRow {
  return { scenario, metric, target, ours, nms: 'n/a', ratio: '', nullBaseline: '-', met };
}

function text<T extends object>(outcome: Outcome<T>, value: (r: T) => string): string {
  return isFailure(outcome) ? 'error' : value(outcome);
}

function tickRows(tick: Outcome<LalTickResult>): TableRow[] {
  if (isFailure(tick)) return [line('lal on_update tick', 'CPU ms per tick', 'error')];
  const scenario = `lal on_update tick, ${tick.sessions.toLocaleString('en-US')} sessions in ${tick.streams} streams (in-process)`;
  const wall = tickWallMs(tick);
  const cpu = tickCpuMsMean(tick);
  return [
    line(scenario, `CPU ms per tick (mean of ${tick.tickCpuMs.length})`, format(cpu)),
    line(scenario, 'wall ms per tick, median / p99', `${format(wall.medianMs)} / ${format(wall.p99Ms)}`),
    // One tick a second with update_interval 1: ms per tick / 1000 ms.
    line(scenario, '% of a core at one tick a second', format(cpu / 10)),
    line(scenario, 'on_update body (KiB)', format(tick.bodyBytes / 1024)),
  ];
}

function notifyRows(row: LalNotifyRow): TableRow[] {
  const scenario = `fan-out N=${row.players}, http_notify off/on, round ${row.round}`;
  const perGb = (o: Outcome<FanoutResult>): string => text(o, (r) => format(cpuMsPerGb(r)));
  const fullRate = (o: Outcome<FanoutResult>): string => text(o, (r) => `${r.playersAtFullRate}/${r.players}`);
  const d = row.deliveries;
  const posts = d === undefined ? 'n/a' : Object.values(d.byEvent).reduce((sum, n) => sum + n, 0);
  const updates = d?.byEvent['on_update'] ?? 0;
  return [
    line(scenario, 'players at full rate, off / on', `${fullRate(row.off)} / ${fullRate(row.on)}`),
    line(scenario, 'server CPU-ms per GB, off / on', `${perGb(row.off)} / ${perGb(row.on)}`),
    line(scenario, 'join median (ms), off / on', `${text(row.off, (r) => format(joinMedianMs(r)))} / ${text(row.on, (r) => format(joinMedianMs(r)))}`),
    line(scenario, 'CPU per GB on / off', `${format(pairCpuRatio(row))}x`),
    line(
      scenario,
      'POSTs received (on_update; largest on_update KiB)',
      d === undefined ? 'n/a' : `${posts} (${updates} on_update in ${format(d.cellMs / 1000)} s; ${format(d.maxUpdateBodyBytes / 1024)})`,
    ),
  ];
}

function pooledNotifyRow(rows: readonly LalNotifyRow[]): TableRow[] {
  if (rows.length === 0) return [];
  const ratio = notifyCpuRatio(rows);
  const met: TableRow['met'] = Number.isFinite(ratio) ? (ratio <= MAX_NOTIFY_CPU_FACTOR ? 'yes' : 'NO') : 'n/a';
  return [line(`fan-out N=${rows[0]?.players ?? 0}, http_notify off/on, ${rows.length} round${rows.length === 1 ? '' : 's'} pooled`, 'CPU per GB on / off', `${format(ratio)}x`, `<= ${MAX_NOTIFY_CPU_FACTOR}x (noise)`, met)];
}

function cascadeRows(row: CascadeRow): TableRow[] {
  const perEdge = row.edges === 0 ? 0 : row.viewers / row.edges;
  const scenario = `cascade origin -> ${row.edges} edges x ${perEdge} RTMP vs ${row.viewers} on the origin`;
  const both = (value: (r: CascadeResult) => string): string => `${text(row.cascade, value)} / ${text(row.direct, value)}`;
  const cpuPercent = (r: CascadeResult): string => r.cpuMs.map((p) => format((p.cpuMs / r.holdMs) * 100)).join(' + ');
  const ratio = isFailure(row.cascade) || isFailure(row.direct) ? Number.NaN : cascadeCpuMsPerGb(row.cascade) / cascadeCpuMsPerGb(row.direct);
  return [
    line(scenario, 'viewers at full rate, cascade / direct', both((r) => `${r.viewersAtFullRate}/${r.viewers}`)),
    line(scenario, 'total CPU-ms per GB (every process), cascade / direct', both((r) => format(cascadeCpuMsPerGb(r)))),
    line(scenario, 'total CPU per GB, cascade / direct', `${format(ratio)}x`),
    line(scenario, 'CPU % of a core: origin + edges, cascade / direct', both(cpuPercent)),
    line(scenario, 'join median (ms): edge viewer / direct viewer', `${text(row.cascade, (r) => format(median(r.joinMs)))} / ${text(row.direct, (r) => format(median(r.joinMs)))}`),
    line(scenario, 'added join latency of an edge viewer (ms)', format(addedJoinMs(row))),
    line(scenario, 'same, vs origin joins of the cascade cell (ms)', text(row.cascade, (r) => format(addedJoinMsSameCell(r)))),
    line(scenario, 'first viewer of an idle edge, pull included (ms)', text(row.cascade, (r) => r.firstViewerMs.map(format).join(', '))),
  ];
}

/** Every table line of the lal and cascade cells of a run (none when they did not run). */
export function lalCascadeRows(results: BenchResults): TableRow[] {
  return [
    ...(results.lal?.tick ?? []).flatMap(tickRows),
    ...(results.lal?.notify ?? []).flatMap(notifyRows),
    ...pooledNotifyRow(results.lal?.notify ?? []),
    ...(results.cascade ?? []).flatMap(cascadeRows),
  ];
}

/** Errors, viewers that never started and failed joins, one line each. */
export function lalCascadeNotes(results: BenchResults): string[] {
  const out: string[] = [];
  const fanout = (where: string, o: Outcome<FanoutResult>): void => {
    if (isFailure(o)) out.push(`${where}: run failed: ${o.error.split('\n')[0]}`);
    else if (o.players - o.playersReady + o.joinFailures > 0 || o.errors.length > 0) out.push(`${where}: ${o.players - o.playersReady + o.joinFailures} failed; ${o.errors.join('; ')}`);
  };
  for (const tick of results.lal?.tick ?? []) if (isFailure(tick)) out.push(`lal on_update tick: run failed: ${tick.error.split('\n')[0]}`);
  for (const row of results.lal?.notify ?? []) {
    fanout(`lal fan-out round ${row.round} http_notify off`, row.off);
    fanout(`lal fan-out round ${row.round} http_notify on`, row.on);
  }
  for (const row of results.cascade ?? []) {
    for (const [name, o] of [['cascade', row.cascade], ['cascade direct', row.direct]] as const) {
      if (isFailure(o)) out.push(`${name}: run failed: ${o.error.split('\n')[0]}`);
      else if (o.viewers - o.viewersReady + o.joinFailures > 0 || o.errors.length > 0) out.push(`${name}: ${o.viewers - o.viewersReady + o.joinFailures} failed; ${o.errors.join('; ')}`);
    }
  }
  return out;
}
