/**
 * The table lines of the cold cells (issue 19): ours only, cold beside
 * warm, the targets judged at c=64 with the default config's logging.
 */
import type { SessionsResult } from './jobs.js';
import {
  cpuMsPerSession, isFailure, isSaturated, loadGenCpuMsPerSession, sessionsPerSecond, type ColdRow, type Outcome,
} from './results.js';
import type { TableRow } from './report.js';

/** Issue 19's targets: server CPU ms per session at c=64, default logging. */
export const COLD_TARGETS = {
  concurrency: 64,
  logging: 'default',
  coldNoCallback: 0.6,
  coldCallback: 0.7,
  warmNoCallback: 0.35,
  warmCallback: 0.45,
  /** The callback's own cost, warm: the callback cell minus the no-callback cell of the same run. */
  warmCallbackCost: 0.15,
} as const;

function format(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(Math.abs(value) >= 10 ? 1 : 2);
}

function valueOf(outcome: Outcome<SessionsResult>, metric: (r: SessionsResult) => number): number | undefined {
  return isFailure(outcome) ? undefined : metric(outcome);
}

function textOf(outcome: Outcome<SessionsResult>, metric: (r: SessionsResult) => number): string {
  if (isFailure(outcome)) return 'error';
  return `${format(metric(outcome))}${isSaturated(outcome) ? ' (saturated)' : ''}`;
}

function busyText(outcome: Outcome<SessionsResult>): string {
  if (isFailure(outcome) || outcome.machineBusy === undefined) return 'n/a';
  return `${format(outcome.machineBusy * 100)}${isSaturated(outcome) ? ' saturated' : ''}`;
}

function line(scenario: string, metric: string, ours: string, target = '', met: TableRow['met'] = ''): TableRow {
  return { scenario, metric, target, ours, nms: '-', ratio: '', nullBaseline: '-', met };
}

function judged(scenario: string, metric: string, outcome: Outcome<SessionsResult>, limit: number | undefined): TableRow {
  const value = valueOf(outcome, cpuMsPerSession);
  if (limit === undefined) return line(scenario, metric, textOf(outcome, cpuMsPerSession));
  const met = value === undefined ? 'n/a' : Number.isFinite(value) && value <= limit ? 'yes' : 'NO';
  return line(scenario, metric, textOf(outcome, cpuMsPerSession), `<= ${limit}`, met);
}

function pair(a: Outcome<SessionsResult>, b: Outcome<SessionsResult>, metric: (r: SessionsResult) => number): string {
  return `${textOf(a, metric)} / ${textOf(b, metric)}`;
}

/** The no-callback row of the same logging and concurrency. */
function plainOf(row: ColdRow, all: readonly ColdRow[]): ColdRow | undefined {
  return all.find((other) => other.hooks === 'none' && other.logging === row.logging && other.concurrency === row.concurrency && other.kind === row.kind);
}

function callbackCostRow(scenario: string, row: ColdRow, all: readonly ColdRow[], atTarget: boolean): TableRow {
  const plain = plainOf(row, all);
  const withHook = valueOf(row.warm, cpuMsPerSession);
  const without = plain === undefined ? undefined : valueOf(plain.warm, cpuMsPerSession);
  const cost = withHook === undefined || without === undefined ? undefined : withHook - without;
  const limit = COLD_TARGETS.warmCallbackCost;
  if (!atTarget) return line(scenario, "callback's own cost, warm (ms/session)", format(cost));
  const met = cost === undefined ? 'n/a' : cost <= limit ? 'yes' : 'NO';
  return line(scenario, "callback's own cost, warm (ms/session)", format(cost), `<= ${limit}`, met);
}

function coldRows(row: ColdRow, all: readonly ColdRow[]): TableRow[] {
  const hooked = row.hooks === 'callback';
  const scenario = `cold/warm connect+${row.kind} c=${row.concurrency}${hooked ? ' +callback' : ''}, logs ${row.logging === 'default' ? 'default (file)' : 'off'}`;
  const atTarget = row.concurrency === COLD_TARGETS.concurrency && row.logging === COLD_TARGETS.logging;
  const coldLimit = atTarget ? (hooked ? COLD_TARGETS.coldCallback : COLD_TARGETS.coldNoCallback) : undefined;
  const warmLimit = atTarget ? (hooked ? COLD_TARGETS.warmCallback : COLD_TARGETS.warmNoCallback) : undefined;
  const rows = [
    judged(scenario, 'server CPU ms/session, cold (first sessions)', row.cold, coldLimit),
    judged(scenario, 'server CPU ms/session, warm', row.warm, warmLimit),
    line(scenario, 'sessions/s, cold / warm', pair(row.cold, row.warm, sessionsPerSecond)),
    line(scenario, 'load generator CPU ms/session, cold / warm', pair(row.cold, row.warm, loadGenCpuMsPerSession)),
    line(scenario, 'machine busy % of both cores, cold / warm', `${busyText(row.cold)} / ${busyText(row.warm)}`),
    line(scenario, 'start-up, launch to listening (ms)', format(row.startupMs)),
  ];
  if (hooked) rows.push(callbackCostRow(scenario, row, all, atTarget));
  return rows;
}

/** Every table line of the cold cells of a run. */
export function coldTableRows(rows: readonly ColdRow[]): TableRow[] {
  return rows.flatMap((row) => coldRows(row, rows));
}

/** Failed cells and failed sessions, one note each. */
export function coldNotes(rows: readonly ColdRow[]): string[] {
  const out: string[] = [];
  for (const row of rows) {
    for (const [phase, outcome] of [['cold', row.cold], ['warm', row.warm]] as const) {
      const where = `cold cell c=${row.concurrency} logs=${row.logging} hooks=${row.hooks}, ${phase}`;
      if (isFailure(outcome)) out.push(`${where}: run failed: ${outcome.error.split('\n')[0]}`);
      else if (outcome.failed > 0 || outcome.errors.length > 0) out.push(`${where}: ${outcome.failed} failed; ${outcome.errors.join('; ')}`);
    }
  }
  return out;
}
