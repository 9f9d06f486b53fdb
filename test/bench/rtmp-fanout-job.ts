/**
 * The fan-out scenario over RTMP (ours and node-media-server): one looping
 * publisher, N players built up to a running audience, a hold window, then
 * sequential joins timed from connect to the first video key frame.
 */
import { performance } from 'node:perf_hooks';
import { RtmpClient } from '../../src/client/rtmp-client.js';
import { delay, holdWindow, idleRssKb, runPool, withTimeout, type MeteredPlayer } from './fanout-window.js';
import { keepError, type FanoutJob, type FanoutResult } from './jobs.js';
import { loadStreamFixture } from './stream-fixture.js';
import { TagPacer } from './tag-pacer.js';

/** FLV video tag: frame type 1 (key) with AVC packet type 1 (NALUs), so not the sequence header. */
function isVideoKeyframe(payload: Buffer): boolean {
  return payload.length > 1 && payload[0]! >> 4 === 1 && payload[1] === 1;
}

/** A player counting media payload bytes; `keyframe` resolves at the first key frame. */
class RtmpPlayer implements MeteredPlayer {
  mediaBytes = 0;
  readonly keyframe: Promise<number>;
  private onKeyframe: ((at: number) => void) | undefined;

  private constructor(private readonly client: RtmpClient) {
    this.keyframe = new Promise((resolve) => {
      this.onKeyframe = resolve;
    });
    client.onMessage = this.onMessage;
  }

  /** Connects and starts playing; the caller owns the returned player. */
  static async open(url: string, timeoutMs: number): Promise<RtmpPlayer> {
    const client = await RtmpClient.connect(url, { timeoutMs });
    const player = new RtmpPlayer(client);
    try {
      await withTimeout(client.play(), timeoutMs, 'play');
    } catch (error) {
      client.close();
      throw error;
    }
    return player;
  }

  get socketBytes(): number {
    return this.client.bytesReceived;
  }

  close(): void {
    this.client.close();
  }

  private readonly onMessage = (kind: string, _timestamp: number, payload: Buffer): void => {
    this.mediaBytes += payload.length;
    if (this.onKeyframe !== undefined && kind === 'video' && isVideoKeyframe(payload)) {
      this.onKeyframe(performance.now());
      this.onKeyframe = undefined;
    }
  };
}

/** Connect-to-first-key-frame time of one player joining the running stream. */
async function measureJoin(url: string, timeoutMs: number): Promise<number> {
  const startedAt = performance.now();
  const player = await RtmpPlayer.open(url, timeoutMs);
  try {
    return (await withTimeout(player.keyframe, timeoutMs, 'first key frame')) - startedAt;
  } finally {
    player.close();
  }
}

/** Runs one RTMP fan-out against the server on `job.port`. */
export async function runRtmpFanout(job: FanoutJob): Promise<FanoutResult> {
  const errors: string[] = [];
  const url = `rtmp://127.0.0.1:${job.port}/${job.streamPath}`;
  const fixture = loadStreamFixture(job.streamFile);
  const publisher = await RtmpClient.connect(url, { timeoutMs: job.readyTimeoutMs });
  const players: RtmpPlayer[] = [];
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
    await runPool(job.players, job.connectConcurrency, async () => {
      try {
        const player = await RtmpPlayer.open(url, job.readyTimeoutMs);
        players.push(player);
        await withTimeout(player.keyframe, job.readyTimeoutMs, 'first key frame');
        playersReady += 1;
      } catch (error) {
        keepError(errors, error);
      }
    });
    await delay(job.settleMs);
    const window = await holdWindow({
      serverPid: job.serverPid,
      holdMs: job.holdMs,
      fullRateRatio: job.fullRateRatio,
      players,
      publisherBytes: () => publisherBytes,
    });

    const joinMs: number[] = [];
    let joinFailures = 0;
    for (let i = 0; i < job.joins; i += 1) {
      try {
        joinMs.push(await measureJoin(url, job.readyTimeoutMs));
      } catch (error) {
        joinFailures += 1;
        keepError(errors, error);
      }
    }
    // Players that never connected are absent from `players`, so they count as not at full rate.
    return { type: 'fanout', players: job.players, playersReady, ...window, rssIdleKb, joinMs, joinFailures, errors };
  } finally {
    isFinished = true;
    pacer?.stop();
    publisher.close();
    for (const player of players) player.close();
  }
}
