/**
 * The fan-out scenario against the null baseline: the same FLV bytes at the
 * same pace, relayed to N raw TCP readers. No RTMP, so no join time.
 */
import { connect, type Socket } from 'node:net';
import { delay, holdWindow, idleRssKb, runPool, withTimeout, type MeteredPlayer } from './fanout-window.js';
import { keepError, NullRole, type FanoutJob, type FanoutResult } from './jobs.js';
import { loadStreamFixture } from './stream-fixture.js';
import { TagPacer } from './tag-pacer.js';

/** A raw reader: counts bytes, ready at the first one. */
class NullReader implements MeteredPlayer {
  socketBytes = 0;
  readonly ready: Promise<void>;
  private readonly socket: Socket;

  constructor(port: number, errors: string[]) {
    this.socket = connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.write(Buffer.of(NullRole.reader));
    this.socket.on('error', (error) => keepError(errors, error));
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('data', () => resolve());
      this.socket.once('close', () => reject(new Error('reader closed before any data')));
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.socketBytes += chunk.length;
    });
  }

  get mediaBytes(): number {
    return this.socketBytes;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Runs one null-baseline fan-out: publisher, N readers, hold window. */
export async function runNullFanout(job: FanoutJob): Promise<FanoutResult> {
  const errors: string[] = [];
  const fixture = loadStreamFixture(job.streamFile);
  const publisher = connect({ host: '127.0.0.1', port: job.port, noDelay: true });
  publisher.on('error', (error) => keepError(errors, error));
  publisher.write(Buffer.of(NullRole.publisher));
  let publisherBytes = 0;
  const pacer = new TagPacer(fixture, (tag) => {
    publisher.write(tag.flvBytes);
    publisherBytes += tag.flvBytes.length;
  });
  pacer.start();
  const readers: NullReader[] = [];
  try {
    const rssIdleKb = await idleRssKb(job.serverPid, job.warmupMs);
    let playersReady = 0;
    await runPool(job.players, job.connectConcurrency, async () => {
      const reader = new NullReader(job.port, errors);
      readers.push(reader);
      try {
        await withTimeout(reader.ready, job.readyTimeoutMs, 'null reader');
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
      players: readers,
      publisherBytes: () => publisherBytes,
    });
    return { type: 'fanout', players: job.players, playersReady, ...window, rssIdleKb, joinMs: [], joinFailures: 0, errors };
  } finally {
    pacer.stop();
    publisher.destroy();
    for (const reader of readers) reader.close();
  }
}
