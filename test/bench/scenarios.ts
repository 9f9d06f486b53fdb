/**
 * The scenario loops: for each load, each server in turn (ours, then
 * node-media-server, then the null baseline), so the servers see the same
 * load minutes apart. Fan-out starts a fresh process per cell; the session
 * cells of one hook mode share one process per server.
 */
import type { HookServer } from './hook-server.js';
import type { FanoutProtocol, FanoutResult, ProbeTarget, ServerKind, SessionsResult } from './jobs.js';
import { fanoutJobTimeoutMs, sessionsJobTimeoutMs, type BenchPlan } from './plan.js';
import { runFanoutJob, runSessionsJob } from './loadgen-runner.js';
import type { FanoutRow, HookMode, Outcome, SessionsRow } from './results.js';
import { startBenchServer, type BenchServer } from './servers.js';
import { recordSessionReplies } from './session-replies.js';

/** What every scenario needs from the orchestrator. */
export interface ScenarioContext {
  readonly plan: BenchPlan;
  readonly workDir: string;
  readonly streamFile: string;
  readonly hookServer: HookServer;
  /** The servers to measure (all by default; `--servers` narrows it while developing). */
  readonly servers: readonly ServerKind[];
  /** Node flags for our server only, e.g. --cpu-prof. */
  readonly ourNodeFlags: readonly string[];
  readonly log: (line: string) => void;
}

/** A failed cell as the results record it: the error and its cause. */
export function failure(error: unknown): { error: string } {
  if (!(error instanceof Error)) return { error: String(error) };
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return { error: `${error.message}${cause}` };
}

function start(ctx: ScenarioContext, kind: ServerKind, label: string, hookUrl: string | undefined, sessionReplies?: string, interceptor = false): Promise<BenchServer> {
  return startBenchServer({ kind, label, workDir: ctx.workDir, hookUrl, nodeFlags: kind === 'ours' ? ctx.ourNodeFlags : [], sessionReplies, interceptor });
}

interface FanoutCell {
  readonly kind: ServerKind;
  readonly protocol: FanoutProtocol;
  readonly players: number;
  /** Scrape the API (ours) through the hold window. */
  readonly probed: boolean;
  /** Ours with one no-op media interceptor. */
  readonly interceptor?: boolean;
}

/** What the prober scrapes on our server: the client list (all of them on one page) and the metrics. */
function probeTargets(server: BenchServer, players: number): ProbeTarget[] {
  const api = `http://127.0.0.1:${server.apiPort ?? 0}`;
  return [
    { name: 'GET /api/v1/clients', url: `${api}/api/v1/clients/?count=${players + 10}` },
    { name: 'GET /metrics', url: `${api}/metrics` },
  ];
}

async function fanoutOnce(ctx: ScenarioContext, cell: FanoutCell): Promise<Outcome<FanoutResult>> {
  let server: BenchServer | undefined;
  const { kind, protocol, players } = cell;
  try {
    server = await start(ctx, kind, `fanout-${protocol}-${players}${cell.probed ? '-probed' : ''}${cell.interceptor === true ? '-interceptor' : ''}`, undefined, undefined, cell.interceptor === true);
    const f = ctx.plan.fanout;
    return await runFanoutJob(
      {
        type: 'fanout',
        server: kind,
        protocol,
        port: server.port,
        httpPort: server.httpPort,
        probes: cell.probed ? { targets: probeTargets(server, players), intervalMs: ctx.plan.apiProbe.intervalMs } : undefined,
        serverPid: server.pid,
        streamFile: ctx.streamFile,
        streamPath: 'live/bench',
        players,
        connectConcurrency: f.connectConcurrency,
        warmupMs: f.warmupMs,
        settleMs: f.settleMs,
        holdMs: f.holdMs,
        joins: kind === 'null' ? 0 : f.joins,
        readyTimeoutMs: f.readyTimeoutMs,
        fullRateRatio: f.fullRateRatio,
      },
      fanoutJobTimeoutMs(ctx.plan),
    );
  } catch (error) {
    return failure(error);
  } finally {
    await server?.stop();
  }
}

async function fanoutRow(ctx: ScenarioContext, protocol: FanoutProtocol, players: number, kinds: readonly ServerKind[], probed = false, interceptor?: 'baseline' | 'noop'): Promise<FanoutRow> {
  const row: FanoutRow = { players, protocol, ...(probed ? { probed } : {}), ...(interceptor === undefined ? {} : { interceptor }), results: {} };
  for (const kind of kinds) {
    const outcome = await fanoutOnce(ctx, { kind, protocol, players, probed, interceptor: interceptor === 'noop' });
    row.results[kind] = outcome;
    ctx.log(`fan-out ${protocol}${probed ? ' +probes' : ''}${interceptor === undefined ? '' : ` interceptor ${interceptor}`} N=${players} ${kind}: ${'error' in outcome ? outcome.error : `${outcome.playersAtFullRate}/${players} at full rate`}`);
  }
  return row;
}

/**
 * Fan-out at every N of the plan, every server interleaved per N: RTMP
 * players (ours, NMS, the null TCP floor), then, with `httpFlv`, HTTP-FLV
 * players of the same RTMP publisher (ours, NMS) right after, so the two
 * protocols are compared minutes apart on the same machine.
 */
export async function runFanoutScenarios(ctx: ScenarioContext, protocols: { rtmp: boolean; httpFlv: boolean }): Promise<FanoutRow[]> {
  const rows: FanoutRow[] = [];
  for (const players of ctx.plan.fanout.players) {
    if (protocols.rtmp) rows.push(await fanoutRow(ctx, 'rtmp', players, ctx.servers));
    if (protocols.httpFlv) rows.push(await fanoutRow(ctx, 'http-flv', players, ctx.servers.filter((kind) => kind !== 'null')));
  }
  return rows;
}

/**
 * The API under load: our server with half RTMP, half HTTP-FLV players,
 * once without and once with `GET /api/v1/clients` and `/metrics` scraped
 * every interval, so the scrapes' cost shows as the difference in fan-out
 * CPU per GB, and their latency is measured while the fan-out runs.
 */
export async function runApiProbeScenarios(ctx: ScenarioContext): Promise<FanoutRow[]> {
  if (!ctx.servers.includes('ours')) return [];
  const { players } = ctx.plan.apiProbe;
  return [await fanoutRow(ctx, 'mixed', players, ['ours']), await fanoutRow(ctx, 'mixed', players, ['ours'], true)];
}

/**
 * The in-process handler API's cost (issue 15): our RTMP fan-out cell,
 * fresh, as the CLI runs it, then fresh with one no-op media interceptor
 * registered through startServer, then the plain one again, so the
 * interceptor's cell sits between two baselines of the same run.
 */
export async function runInterceptorScenarios(ctx: ScenarioContext): Promise<FanoutRow[]> {
  if (!ctx.servers.includes('ours')) return [];
  const { players } = ctx.plan.interceptor;
  return [
    await fanoutRow(ctx, 'rtmp', players, ['ours'], false, 'baseline'),
    await fanoutRow(ctx, 'rtmp', players, ['ours'], false, 'noop'),
    await fanoutRow(ctx, 'rtmp', players, ['ours'], false, 'baseline'),
  ];
}

async function sessionsCell(ctx: ScenarioContext, server: BenchServer, row: SessionsRow, sessions: number): Promise<Outcome<SessionsResult>> {
  const s = ctx.plan.sessions;
  try {
    return await runSessionsJob(
      {
        type: 'sessions',
        port: server.port,
        serverPid: server.pid,
        kind: row.kind,
        app: 'live',
        streamPrefix: `${row.kind}-${row.hooks}-c${row.concurrency}-`,
        concurrency: row.concurrency,
        sessions,
        maxDurationMs: s.maxCellMs,
        sessionTimeoutMs: s.sessionTimeoutMs,
      },
      sessionsJobTimeoutMs(ctx.plan),
    );
  } catch (error) {
    return failure(error);
  }
}

/**
 * One hook mode: every server up at once, cells interleaved ours/NMS/null.
 * The null session server exists only when our replies were recorded.
 */
async function sessionsGroup(ctx: ScenarioContext, hooks: HookMode, concurrencies: readonly number[], sessions: number, replies: Outcome<{ file: string }> | undefined): Promise<SessionsRow[]> {
  const rows: SessionsRow[] = [];
  const hookUrl = hooks === 'none' ? undefined : ctx.hookServer.url;
  const servers = new Map<ServerKind, Outcome<BenchServer>>();
  try {
    for (const kind of ctx.servers) {
      if (kind !== 'null') servers.set(kind, await start(ctx, kind, `sessions-${hooks}`, hookUrl).catch(failure));
      else if (replies !== undefined) servers.set(kind, 'error' in replies ? replies : await start(ctx, kind, `sessions-${hooks}`, hookUrl, replies.file).catch(failure));
    }
    for (const kind of ctx.plan.sessions.kinds) {
      for (const concurrency of concurrencies) {
        const row: SessionsRow = { kind, hooks, concurrency, callbackDelayMs: ctx.hookServer.delayMs, results: {} };
        for (const [serverKind, server] of servers) {
          row.results[serverKind] = 'error' in server ? server : await sessionsCell(ctx, server, row, sessions);
          const r = row.results[serverKind];
          ctx.log(`${kind} c=${concurrency} hooks=${hooks} ${serverKind}: ${r === undefined || 'error' in r ? r?.error : `${r.completed} ok, ${r.failed} failed`}`);
        }
        rows.push(row);
      }
    }
  } finally {
    for (const server of servers.values()) if (!('error' in server)) await server.stop();
  }
  return rows;
}

/** Connect rate without and with the callback, then the slow callback. */
export async function runSessionsScenarios(ctx: ScenarioContext): Promise<SessionsRow[]> {
  const { sessions, slowCallback } = ctx.plan;
  const rows: SessionsRow[] = [];
  const replies = ctx.servers.includes('null')
    ? await recordSessionReplies(ctx.workDir).then((file) => ({ file }), failure)
    : undefined;
  ctx.hookServer.delayMs = 0;
  rows.push(...(await sessionsGroup(ctx, 'none', sessions.concurrency, sessions.perCell, replies)));
  rows.push(...(await sessionsGroup(ctx, 'callback', sessions.concurrency, sessions.perCell, replies)));
  ctx.hookServer.delayMs = slowCallback.delayMs;
  try {
    rows.push(...(await sessionsGroup(ctx, 'slow-callback', [slowCallback.concurrency], slowCallback.sessions, replies)));
  } finally {
    ctx.hookServer.delayMs = 0;
  }
  return rows;
}
