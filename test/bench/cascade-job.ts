/**
 * The load generator of the cascade cells (issue 16), forked by
 * cascade-scenarios.ts: one looping RTMP publisher on the origin; the first
 * viewer of each serving process (an edge, or the origin in the direct
 * cell) timed alone, the rest of the viewers spread evenly over them; a
 * hold window sampling the CPU of every process (origin and edges); then
 * joins of the running stream, on the serving processes and, in the
 * cascade cell, as many on the origin interleaved with them.
 */
import { performance } from 'node:perf_hooks';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { delay, holdWindow, runPool, withTimeout } from './fanout-window.js';
import { keepError } from './jobs.js';
import { serverOfViewer, type CascadeJob, type CascadeProcess, type CascadeResult } from './lal-cascade-results.js';
import { readCpuTimes } from './proc-stats.js';
import { RtmpPlayer } from './rtmp-player.js';
import { serveSideJob } from './side-job.js';
import { loadStreamFixture } from './stream-fixture.js';
import { TagPacer } from './tag-pacer.js';

function cpuMsOf(pid: number): number {
  const t = readCpuTimes(pid);
  return t.userMs + t.sysMs;
}

async function runCascade(job: CascadeJob): Promise<CascadeResult> {
  const errors: string[] = [];
  const urlOf = (p: CascadeProcess): string => `rtmp://127.0.0.1:${p.port}/${job.streamPath}`;
  const fixture = loadStreamFixture(job.streamFile);
  const publisher = await RtmpClient.connect(urlOf(job.origin), { timeoutMs: job.readyTimeoutMs });
  const players: RtmpPlayer[] = [];
  let pacer: TagPacer | undefined;
  let isFinished = false;
  /** Connect-to-first-key-frame of a viewer that stays (the audience) or leaves (a join). */
  const timedViewer = async (p: CascadeProcess, stays: boolean): Promise<number> => {
    const startedAt = performance.now();
    const player = await RtmpPlayer.open(urlOf(p), job.readyTimeoutMs);
    if (stays) players.push(player);
    try {
      return (await withTimeout(player.keyframe, job.readyTimeoutMs, 'first key frame')) - startedAt;
    } finally {
      if (!stays) player.close();
    }
  };
  try {
    await withTimeout(publisher.publish(), job.readyTimeoutMs, 'publish');
    void publisher.closed.then((error) => {
      if (!isFinished) keepError(errors, error ?? new Error('publisher closed by the server'));
    });
    let publisherBytes = 0;
    pacer = new TagPacer(fixture, (tag, timestamp) => {
      publisher.sendMedia(tag.kind, timestamp, tag.payload);
      publisherBytes += tag.payload.length;
    });
    pacer.start();
    await delay(job.warmupMs);

    const serving = job.edges.length === 0 ? [job.origin] : job.edges;
    let viewersReady = 0;
    const firstViewerMs: number[] = [];
    // One at a time: on an edge this viewer starts the pull, and nothing else loads the machine meanwhile.
    for (const p of serving) {
      try {
        firstViewerMs.push(await timedViewer(p, true));
        viewersReady += 1;
      } catch (error) {
        keepError(errors, error);
      }
    }
    await runPool(Math.max(0, job.viewers - serving.length), job.connectConcurrency, async (i) => {
      const p = serving[serverOfViewer(i + serving.length, serving.length)] as CascadeProcess;
      try {
        const player = await RtmpPlayer.open(urlOf(p), job.readyTimeoutMs);
        players.push(player);
        await withTimeout(player.keyframe, job.readyTimeoutMs, 'first key frame');
        viewersReady += 1;
      } catch (error) {
        keepError(errors, error);
      }
    });
    await delay(job.settleMs);

    const edgesAtStart = job.edges.map((p) => cpuMsOf(p.pid));
    const window = await holdWindow({ serverPid: job.origin.pid, holdMs: job.holdMs, fullRateRatio: job.fullRateRatio, players, publisherBytes: () => publisherBytes });
    const edgesCpuMs = job.edges.map((p, i) => cpuMsOf(p.pid) - (edgesAtStart[i] as number));

    const joinMs: number[] = [];
    const originJoinMs: number[] = [];
    let joinFailures = 0;
    const join = async (p: CascadeProcess, into: number[]): Promise<void> => {
      try {
        into.push(await timedViewer(p, false));
      } catch (error) {
        joinFailures += 1;
        keepError(errors, error);
      }
    };
    for (let i = 0; i < job.joins; i += 1) {
      await join(serving[i % serving.length] as CascadeProcess, joinMs);
      if (job.edges.length > 0) await join(job.origin, originJoinMs);
    }
    return {
      type: 'cascade',
      edges: job.edges.length,
      viewers: job.viewers,
      viewersReady,
      viewersAtFullRate: window.playersAtFullRate,
      minViewerRatio: window.minPlayerRatio,
      holdMs: window.holdMs,
      publisherBytes: window.publisherBytes,
      deliveredBytes: window.deliveredBytes,
      cpuMs: [{ role: 'origin', cpuMs: window.serverCpuMs }, ...edgesCpuMs.map((cpuMs) => ({ role: 'edge' as const, cpuMs }))],
      loadGenCpuMs: window.loadGenCpuMs,
      firstViewerMs,
      joinMs,
      originJoinMs,
      joinFailures,
      errors,
    };
  } finally {
    isFinished = true;
    pacer?.stop();
    publisher.close();
    for (const player of players) player.close();
  }
}

serveSideJob(runCascade);
