/**
 * The cascade cells (issue 16 "Speed", ours only): 1 publisher -> origin
 * -> `edges` edges (`cluster { mode remote; origin 127.0.0.1:<port>; }`,
 * three server processes of ours on loopback ports) -> `viewersPerEdge`
 * RTMP viewers each, against the same number of viewers straight on a fresh
 * origin, in the same run. CPU is every process's; the load generator is
 * cascade-job.ts.
 */
import type { CascadeJob, CascadeResult, CascadeRow } from './lal-cascade-results.js';
import { cascadeCpuMsPerGb } from './lal-cascade-results.js';
import { edgeClusterConfigText, lalCascadePlan } from './lal-cascade-plan.js';
import { fanoutJobTimeoutMs } from './plan.js';
import type { Outcome } from './results.js';
import { failure, type ScenarioContext } from './scenarios.js';
import { startBenchServer, type BenchServer } from './servers.js';
import { runSideJob } from './side-job.js';

/** One cell: `edges` 0 is the direct one. */
async function cascadeCell(ctx: ScenarioContext, edges: number, viewers: number): Promise<Outcome<CascadeResult>> {
  const servers: BenchServer[] = [];
  const f = ctx.plan.fanout;
  const label = edges === 0 ? `cascade-direct-${viewers}` : `cascade-${edges}x${viewers / edges}`;
  const start = (name: string, vhost?: string): Promise<BenchServer> =>
    startBenchServer({ kind: 'ours', label: `${label}-${name}`, workDir: ctx.workDir, hookUrl: undefined, nodeFlags: ctx.ourNodeFlags, extraConfig: vhost === undefined ? undefined : { vhost } });
  try {
    const origin = await start('origin');
    servers.push(origin);
    for (let e = 1; e <= edges; e += 1) servers.push(await start(`edge${e}`, edgeClusterConfigText(origin.port)));
    const job: CascadeJob = {
      type: 'cascade',
      streamFile: ctx.streamFile,
      streamPath: 'live/bench',
      origin: { role: 'origin', pid: origin.pid, port: origin.port },
      edges: servers.slice(1).map((s) => ({ role: 'edge', pid: s.pid, port: s.port })),
      viewers,
      connectConcurrency: f.connectConcurrency,
      warmupMs: f.warmupMs,
      settleMs: f.settleMs,
      holdMs: f.holdMs,
      joins: f.joins,
      readyTimeoutMs: f.readyTimeoutMs,
      fullRateRatio: f.fullRateRatio,
    };
    // The fan-out bound plus the origin joins of the cascade cell.
    return await runSideJob<CascadeResult>('./cascade-job.js', job, fanoutJobTimeoutMs(ctx.plan) + f.joins * f.readyTimeoutMs);
  } catch (error) {
    return failure(error);
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}

function describe(outcome: Outcome<CascadeResult>): string {
  if ('error' in outcome) return outcome.error;
  return `${outcome.viewersAtFullRate}/${outcome.viewers} at full rate, ${Math.round(cascadeCpuMsPerGb(outcome))} CPU-ms/GB (all processes)`;
}

/** The cascade cell, then the direct one. */
export async function runCascadeScenarios(ctx: ScenarioContext): Promise<CascadeRow[]> {
  if (!ctx.servers.includes('ours')) return [];
  const { edges, viewersPerEdge } = lalCascadePlan(ctx.plan.quick).cascade;
  const viewers = edges * viewersPerEdge;
  const cascade = await cascadeCell(ctx, edges, viewers);
  ctx.log(`cascade origin -> ${edges} edges x ${viewersPerEdge}: ${describe(cascade)}`);
  const direct = await cascadeCell(ctx, 0, viewers);
  ctx.log(`cascade direct ${viewers} on the origin: ${describe(direct)}`);
  return [{ viewers, edges, cascade, direct }];
}
