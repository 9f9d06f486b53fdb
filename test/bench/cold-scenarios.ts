/**
 * Cold and warm sessions (issue 19, `--only cold`): what a session costs a
 * server that has just started, as after a restart when every encoder and
 * player reconnects at once, beside what it costs once V8 has compiled the
 * session path. Ours only: a fresh process per cell, its first sessions
 * measured (cold), a warm-up that is not, then the same sessions again
 * (warm); with the default config's logging and with logs off, without and
 * with a blocking on_play callback, at each concurrency of the plan.
 */
import type { SessionsJob, SessionsResult } from './jobs.js';
import { runSessionsJob } from './loadgen-runner.js';
import { coldJobTimeoutMs } from './plan.js';
import type { ColdLogging, ColdRow, Outcome } from './results.js';
import { failure, type ScenarioContext } from './scenarios.js';
import { startBenchServer, type BenchServer } from './servers.js';

const LOGGINGS: readonly ColdLogging[] = ['default', 'off'];
const HOOKS: readonly ColdRow['hooks'][] = ['none', 'callback'];

interface ColdCell {
  readonly logging: ColdLogging;
  readonly hooks: ColdRow['hooks'];
  readonly concurrency: number;
}

function job(ctx: ScenarioContext, server: BenchServer, cell: ColdCell, phase: string, sessions: number, concurrency: number): SessionsJob {
  const { cold, sessions: s } = ctx.plan;
  return {
    type: 'sessions',
    port: server.port,
    serverPid: server.pid,
    kind: cold.kind,
    app: 'live',
    // A stream name per session, as in the connect-rate cells: nothing is shared between sessions.
    streamPrefix: `cold-${cell.logging}-${cell.hooks}-c${cell.concurrency}-${phase}-`,
    concurrency,
    sessions,
    maxDurationMs: cold.maxCellMs,
    sessionTimeoutMs: s.sessionTimeoutMs,
  };
}

async function measure(ctx: ScenarioContext, sessionsJob: SessionsJob): Promise<Outcome<SessionsResult>> {
  try {
    return await runSessionsJob(sessionsJob, coldJobTimeoutMs(ctx.plan));
  } catch (error) {
    return failure(error);
  }
}

async function coldCell(ctx: ScenarioContext, cell: ColdCell): Promise<ColdRow> {
  const { cold } = ctx.plan;
  const base = { kind: cold.kind, ...cell };
  let server: BenchServer;
  try {
    server = await startBenchServer({
      kind: 'ours',
      label: `cold-${cell.logging}-${cell.hooks}-c${cell.concurrency}`,
      workDir: ctx.workDir,
      hookUrl: cell.hooks === 'callback' ? ctx.hookServer.url : undefined,
      nodeFlags: ctx.ourNodeFlags,
      logging: cell.logging,
    });
  } catch (error) {
    return { ...base, cold: failure(error), warm: failure(error) };
  }
  try {
    const coldResult = await measure(ctx, job(ctx, server, cell, 'cold', cold.coldSessions, cell.concurrency));
    const warmup = await measure(ctx, job(ctx, server, cell, 'warmup', cold.warmupSessions, cold.warmupConcurrency));
    // A failed warm-up leaves no warm server to measure: say so instead of measuring a cold one twice.
    const warm = 'error' in warmup ? { error: `warm-up failed: ${warmup.error}` } : await measure(ctx, job(ctx, server, cell, 'warm', cold.warmSessions, cell.concurrency));
    return { ...base, startupMs: server.startupMs, cold: coldResult, warm };
  } finally {
    await server.stop();
  }
}

function describe(outcome: Outcome<SessionsResult>): string {
  if ('error' in outcome) return outcome.error;
  return `${outcome.completed} ok, ${(outcome.serverCpuMs / Math.max(1, outcome.completed)).toFixed(3)} ms/session`;
}

/** Every cold cell of the plan, ours only (the comparison is ours with itself). */
export async function runColdScenarios(ctx: ScenarioContext): Promise<ColdRow[]> {
  if (!ctx.servers.includes('ours')) return [];
  const rows: ColdRow[] = [];
  const savedDelay = ctx.hookServer.delayMs;
  ctx.hookServer.delayMs = 0;
  try {
    for (const logging of LOGGINGS) {
      for (const hooks of HOOKS) {
        for (const concurrency of ctx.plan.cold.concurrency) {
          const row = await coldCell(ctx, { logging, hooks, concurrency });
          ctx.log(`cold c=${concurrency} logs=${logging} hooks=${hooks}: start-up ${row.startupMs?.toFixed(0) ?? '?'} ms; cold ${describe(row.cold)}; warm ${describe(row.warm)}`);
          rows.push(row);
        }
      }
    }
  } finally {
    ctx.hookServer.delayMs = savedDelay;
  }
  return rows;
}
