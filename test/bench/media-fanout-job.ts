/**
 * The fan-out cells over RTMP and HTTP-FLV (ours and node-media-server):
 * one looping RTMP publisher, N players built up to a running audience (RTMP,
 * HTTP-FLV, or both alternately), a hold window (optionally with the API
 * prober running), then sequential joins timed from connect to the first
 * video key frame.
 */
import { performance } from 'node:perf_hooks';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { ApiProber } from './api-prober.js';
import type { FanoutPlayer, OpenPlayer } from './fanout-player.js';
import { delay, holdWindow, idleRssKb, runPool, withTimeout } from './fanout-window.js';
import { HttpFlvPlayer } from './http-flv-player.js';
import { keepError, type FanoutJob, type FanoutResult } from './jobs.js';
import { RtmpPlayer } from './rtmp-player.js';
import { loadStreamFixture } from './stream-fixture.js';
import { TagPacer } from './tag-pacer.js';

/** The player of the i-th slot: the cell's protocol, or RTMP and HTTP-FLV alternately for `mixed`. */
function playerOpener(job: FanoutJob): (index: number) => OpenPlayer {
  const rtmpUrl = `rtmp://127.0.0.1:${job.port}/${job.streamPath}`;
  const flvUrl = `http://127.0.0.1:${job.httpPort ?? 0}/${job.streamPath}.flv`;
  const rtmp: OpenPlayer = (timeoutMs) => RtmpPlayer.open(rtmpUrl, timeoutMs);
  const flv: OpenPlayer = (timeoutMs) => HttpFlvPlayer.open(flvUrl, timeoutMs);
  if (job.protocol === 'rtmp') return () => rtmp;
  if (job.protocol === 'http-flv') return () => flv;
  return (index) => (index % 2 === 0 ? rtmp : flv);
}

/** Connect-to-first-key-frame time of one player joining the running stream. */
async function measureJoin(open: OpenPlayer, timeoutMs: number): Promise<number> {
  const startedAt = performance.now();
  const player = await open(timeoutMs);
  try {
    return (await withTimeout(player.keyframe, timeoutMs, 'first key frame')) - startedAt;
  } finally {
    player.close();
  }
}

/** Runs one fan-out against the server of `job`. */
export async function runMediaFanout(job: FanoutJob): Promise<FanoutResult> {
  const errors: string[] = [];
  const publishUrl = `rtmp://127.0.0.1:${job.port}/${job.streamPath}`;
  const opener = playerOpener(job);
  const fixture = loadStreamFixture(job.streamFile);
  const publisher = await RtmpClient.connect(publishUrl, { timeoutMs: job.readyTimeoutMs });
  const players: FanoutPlayer[] = [];
  let pacer: TagPacer | undefined;
  let isFinished = false;
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
    const rssIdleKb = await idleRssKb(job.serverPid, job.warmupMs);

    let playersReady = 0;
    await runPool(job.players, job.connectConcurrency, async (index) => {
      try {
        const player = await opener(index)(job.readyTimeoutMs);
        players.push(player);
        await withTimeout(player.keyframe, job.readyTimeoutMs, 'first key frame');
        playersReady += 1;
      } catch (error) {
        keepError(errors, error);
      }
    });
    await delay(job.settleMs);
    const prober = job.probes === undefined ? undefined : new ApiProber(job.probes);
    prober?.start();
    const window = await holdWindow({
      serverPid: job.serverPid,
      holdMs: job.holdMs,
      fullRateRatio: job.fullRateRatio,
      players,
      publisherBytes: () => publisherBytes,
    });
    const probes = await prober?.stop();

    const joinMs: number[] = [];
    let joinFailures = 0;
    for (let i = 0; i < job.joins; i += 1) {
      try {
        joinMs.push(await measureJoin(opener(i), job.readyTimeoutMs));
      } catch (error) {
        joinFailures += 1;
        keepError(errors, error);
      }
    }
    // Players that never connected are absent from `players`, so they count as not at full rate.
    return { type: 'fanout', players: job.players, playersReady, ...window, rssIdleKb, joinMs, joinFailures, errors, ...(probes === undefined ? {} : { probes }) };
  } finally {
    isFinished = true;
    pacer?.stop();
    publisher.close();
    for (const player of players) player.close();
  }
}
