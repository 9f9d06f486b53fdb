/**
 * The lal cells (issue 14 "Speed", ours only: neither NMS nor the null
 * baseline speaks lal's HTTP Notify):
 * - the CPU of one on_update tick with 1,000 live sessions, in a process of
 *   its own over the real classes (lal-tick-job.ts);
 * - the RTMP fan-out with http_notify on (every lal event, on_update every
 *   second, POSTed to a local receiver) against off, same N, same run,
 *   interleaved off/on then on/off, fresh servers, each cell a plain
 *   fan-out job (media-fanout-job.ts) so the two differ in the config only.
 */
import { performance } from 'node:perf_hooks';
import { SERVER_NODE_FLAGS } from '../../src/util/node-flags.js';
import type { FanoutResult } from './jobs.js';
import { httpNotifyConfigText, lalCascadePlan } from './lal-cascade-plan.js';
import { pairCpuRatio, tickCpuMsMean, type LalNotifyRow, type LalResults, type LalTickJob, type LalTickResult, type NotifyDeliveries } from './lal-cascade-results.js';
import { startLalReceiver, type LalReceiver } from './lal-receiver.js';
import { runFanoutJob } from './loadgen-runner.js';
import { fanoutJobTimeoutMs } from './plan.js';
import { cpuMsPerGb, type Outcome } from './results.js';
import { failure, type ScenarioContext } from './scenarios.js';
import { startBenchServer, type BenchServer } from './servers.js';
import { runSideJob } from './side-job.js';

/** Bound on the tick job: building 1,000 clients and a few hundred ticks take seconds. */
const TICK_JOB_TIMEOUT_MS = 120_000;

async function tickCell(ctx: ScenarioContext): Promise<Outcome<LalTickResult>> {
  const { lalTick } = lalCascadePlan(ctx.plan.quick);
  const job: LalTickJob = { type: 'lal-tick', streamFile: ctx.streamFile, ...lalTick };
  try {
    // Our server's node flags: the same young generation, so the same GC work per tick.
    return await runSideJob<LalTickResult>('./lal-tick-job.js', job, TICK_JOB_TIMEOUT_MS, [...SERVER_NODE_FLAGS, ...ctx.ourNodeFlags]);
  } catch (error) {
    return failure(error);
  }
}

/** One fan-out cell on a fresh server, http_notify on or off; the server is stopped when it returns. */
async function notifyFanout(ctx: ScenarioContext, receiver: LalReceiver, notify: boolean, round: number): Promise<Outcome<FanoutResult>> {
  const { lalNotify } = lalCascadePlan(ctx.plan.quick);
  const players = lalNotify.players;
  const f = ctx.plan.fanout;
  let server: BenchServer | undefined;
  try {
    const topLevel = httpNotifyConfigText(notify ? receiver.baseUrl : undefined, lalNotify.updateIntervalSec, Math.max(1_000, 4 * players));
    server = await startBenchServer({
      kind: 'ours',
      label: `lal-notify-${notify ? 'on' : 'off'}-${players}-r${round}`,
      workDir: ctx.workDir,
      hookUrl: undefined,
      nodeFlags: ctx.ourNodeFlags,
      extraConfig: { topLevel },
    });
    return await runFanoutJob(
      {
        type: 'fanout',
        server: 'ours',
        protocol: 'rtmp',
        port: server.port,
        httpPort: server.httpPort,
        serverPid: server.pid,
        streamFile: ctx.streamFile,
        streamPath: 'live/bench',
        players,
        connectConcurrency: f.connectConcurrency,
        warmupMs: f.warmupMs,
        settleMs: f.settleMs,
        holdMs: f.holdMs,
        joins: f.joins,
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

/** A notify cell and, when on, what the receiver got from the server's start to its stop (the stops and last on_update included). */
async function notifyCell(ctx: ScenarioContext, receiver: LalReceiver, notify: boolean, round: number): Promise<{ outcome: Outcome<FanoutResult>; deliveries: NotifyDeliveries | undefined }> {
  receiver.reset();
  const startedAt = performance.now();
  const outcome = await notifyFanout(ctx, receiver, notify, round);
  const deliveries = notify ? { byEvent: receiver.counts(), cellMs: performance.now() - startedAt, maxUpdateBodyBytes: receiver.maxUpdateBodyBytes() } : undefined;
  return { outcome, deliveries };
}

function describe(outcome: Outcome<FanoutResult>): string {
  if ('error' in outcome) return outcome.error;
  return `${outcome.playersAtFullRate}/${outcome.players} at full rate, ${Math.round(cpuMsPerGb(outcome))} CPU-ms/GB`;
}

/** The tick cell, then the off/on fan-out pairs. */
export async function runLalScenarios(ctx: ScenarioContext): Promise<LalResults> {
  if (!ctx.servers.includes('ours')) return { tick: [], notify: [] };
  const tick = await tickCell(ctx);
  ctx.log(`lal on_update tick: ${'error' in tick ? tick.error : `${tick.sessions} sessions, ${tickCpuMsMean(tick).toFixed(2)} ms CPU per tick, body ${tick.bodyBytes} bytes`}`);
  const { lalNotify } = lalCascadePlan(ctx.plan.quick);
  const receiver = await startLalReceiver();
  const notify: LalNotifyRow[] = [];
  try {
    for (let round = 1; round <= lalNotify.rounds; round += 1) {
      // Off first in odd rounds, on first in even ones: a drift of the machine through the run weighs on both.
      const order = round % 2 === 1 ? [false, true] : [true, false];
      const cells = new Map<boolean, Outcome<FanoutResult>>();
      let deliveries: NotifyDeliveries | undefined;
      for (const on of order) {
        const cell = await notifyCell(ctx, receiver, on, round);
        const { outcome } = cell;
        cells.set(on, outcome);
        if (on) deliveries = cell.deliveries;
        ctx.log(`lal fan-out N=${lalNotify.players} round ${round} http_notify ${on ? 'on' : 'off'}: ${describe(outcome)}${on && deliveries !== undefined ? `, ${deliveries.byEvent['on_update'] ?? 0} on_update POSTs` : ''}`);
      }
      const row: LalNotifyRow = {
        players: lalNotify.players,
        round,
        off: cells.get(false) ?? { error: 'not run' },
        on: cells.get(true) ?? { error: 'not run' },
        ...(deliveries === undefined ? {} : { deliveries }),
      };
      notify.push(row);
      ctx.log(`lal fan-out round ${round}: CPU per GB on/off ${pairCpuRatio(row).toFixed(2)}x`);
    }
  } finally {
    await receiver.close();
  }
  return { tick: [tick], notify };
}
