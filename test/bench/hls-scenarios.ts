/**
 * The HLS cells (issue 12), ours only: node-media-server v4 has no HLS
 * output at all (v2 made it with ffmpeg through `trans`; v4 dropped that),
 * and the null fan-out knows no HTTP. First the segmenting cost, in pairs
 * of fresh servers with HLS off and on, one publisher alone and then with
 * HTTP-FLV viewers; then the HLS viewer cell.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMediaPlaylist } from './hls-playlist.js';
import type { FanoutJob, FanoutProtocol, FanoutResult } from './jobs.js';
import { runFanoutJob } from './loadgen-runner.js';
import { hlsJobTimeoutMs } from './plan.js';
import type { FanoutRow, Outcome, SegmentingRow } from './results.js';
import { failure, type ScenarioContext } from './scenarios.js';
import { startBenchServer, type BenchServer, type HlsOutput } from './servers.js';

const STREAM_PATH = 'live/bench';

/** What one HLS cell runs. */
interface HlsCell {
  readonly label: string;
  readonly protocol: FanoutProtocol;
  readonly players: number;
  /** Undefined: HLS off. */
  readonly hls: HlsOutput | undefined;
}

/** hls_path of a cell: a directory of its own under the run's work dir. */
function hlsOutput(ctx: ScenarioContext, label: string): HlsOutput {
  const { fragmentSec, windowSec } = ctx.plan.hls;
  return { path: join(ctx.workDir, `hls-${label}`), fragmentSec, windowSec };
}

/** The newest listed sequence number + 1 of the stream's playlist, 0 when there is none. */
function segmentsWritten(hls: HlsOutput): number {
  try {
    const { segments } = parseMediaPlaylist(readFileSync(join(hls.path, `${STREAM_PATH}.m3u8`), 'utf8'));
    return (segments.at(-1)?.seq ?? -1) + 1;
  } catch {
    return 0;
  }
}

async function hlsCell(ctx: ScenarioContext, cell: HlsCell): Promise<{ outcome: Outcome<FanoutResult>; written: number | undefined }> {
  let server: BenchServer | undefined;
  const { fanout: f, hls } = ctx.plan;
  try {
    server = await startBenchServer({ kind: 'ours', label: cell.label, workDir: ctx.workDir, hookUrl: undefined, nodeFlags: ctx.ourNodeFlags, hls: cell.hls });
    const job: FanoutJob = {
      type: 'fanout',
      server: 'ours',
      protocol: cell.protocol,
      port: server.port,
      httpPort: server.httpPort,
      serverPid: server.pid,
      streamFile: ctx.streamFile,
      streamPath: STREAM_PATH,
      players: cell.players,
      connectConcurrency: f.connectConcurrency,
      warmupMs: f.warmupMs,
      settleMs: f.settleMs,
      holdMs: hls.holdMs,
      joins: 0,
      readyTimeoutMs: f.readyTimeoutMs,
      fullRateRatio: f.fullRateRatio,
      hlsViewers:
        cell.protocol === 'hls' ? { pollMs: hls.pollMs, listerPollMs: hls.listerPollMs, requestTimeoutMs: hls.requestTimeoutMs, drainMs: hls.drainMs } : undefined,
    };
    const outcome = await runFanoutJob(job, hlsJobTimeoutMs(ctx.plan));
    return { outcome, written: cell.hls === undefined ? undefined : segmentsWritten(cell.hls) };
  } catch (error) {
    return { outcome: failure(error), written: undefined };
  } finally {
    await server?.stop();
  }
}

function describe(outcome: Outcome<FanoutResult>): string {
  if ('error' in outcome) return outcome.error;
  const cpu = ((outcome.serverCpuMs / outcome.holdMs) * 100).toFixed(2);
  const hls = outcome.hls === undefined ? '' : `, ${outcome.hls.viewersWithEverySegment}/${outcome.players} with all ${outcome.hls.windowSegments.length} segments`;
  return `${cpu}% of a core${hls}`;
}

/** One pair: a fresh server with HLS off, then one with HLS on, the same publisher and HTTP-FLV viewers. */
async function segmentingPair(ctx: ScenarioContext, viewers: number): Promise<SegmentingRow> {
  const off = await hlsCell(ctx, { label: `segmenting-off-${viewers}`, protocol: 'http-flv', players: viewers, hls: undefined });
  ctx.log(`HLS segmenting off, ${viewers} HTTP-FLV viewers: ${describe(off.outcome)}`);
  const label = `segmenting-on-${viewers}`;
  const on = await hlsCell(ctx, { label, protocol: 'http-flv', players: viewers, hls: hlsOutput(ctx, label) });
  ctx.log(`HLS segmenting on, ${viewers} HTTP-FLV viewers: ${describe(on.outcome)}, ${on.written ?? 0} segments written`);
  return { viewers, off: off.outcome, on: on.outcome, ...(on.written === undefined ? {} : { segmentsWritten: on.written }) };
}

/** The segmenting pairs (alone, then with HTTP-FLV viewers) and the HLS viewer cell. */
export async function runHlsScenarios(ctx: ScenarioContext): Promise<{ segmenting: SegmentingRow[]; fanout: FanoutRow[] }> {
  if (!ctx.servers.includes('ours')) return { segmenting: [], fanout: [] };
  const { viewers, segmentingViewers } = ctx.plan.hls;
  const segmenting = [await segmentingPair(ctx, 0), await segmentingPair(ctx, segmentingViewers)];
  const label = `fanout-hls-${viewers}`;
  const { outcome } = await hlsCell(ctx, { label, protocol: 'hls', players: viewers, hls: hlsOutput(ctx, label) });
  ctx.log(`HLS viewers N=${viewers} ours: ${describe(outcome)}`);
  return { segmenting, fanout: [{ players: viewers, protocol: 'hls', results: { ours: outcome } }] };
}
