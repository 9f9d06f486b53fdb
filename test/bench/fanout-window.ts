/**
 * The part of a fan-out run that is the same for RTMP and for the null
 * baseline: build the audience, hold a fixed window while sampling the
 * server's CPU and the players' byte counters at both edges, judge full rate.
 */
import { performance } from 'node:perf_hooks';
import { readCpuTimes, readRssKb } from './proc-stats.js';
import { median } from './stats.js';

/** A player's counters, read at the window edges. */
export interface MeteredPlayer {
  /** Bytes comparable to the publisher's count (media payload for RTMP, raw for null). */
  readonly mediaBytes: number;
  /** Bytes read from the socket. */
  readonly socketBytes: number;
}

/** What the window measured. */
export interface WindowMeasurement {
  readonly holdMs: number;
  readonly serverCpuMs: number;
  readonly serverSysMs: number;
  readonly loadGenCpuMs: number;
  readonly publisherBytes: number;
  readonly deliveredBytes: number;
  readonly playersAtFullRate: number;
  readonly minPlayerRatio: number;
  /** Median of the server's RSS sampled through the window. */
  readonly rssLoadedKb: number;
}

/** RSS samples taken through a window: one reading jumps with each GC, the median does not. */
const RSS_SAMPLES = 9;

/** Resolves after `ms`; the bench's windows are fixed lengths of wall time by design. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits `durationMs` and returns the median of RSS samples spread over its second half (the idle RSS). */
export async function idleRssKb(serverPid: number, durationMs: number): Promise<number> {
  await delay(durationMs / 2);
  const samples: number[] = [];
  for (let i = 0; i < RSS_SAMPLES; i += 1) {
    await delay(durationMs / 2 / RSS_SAMPLES);
    samples.push(readRssKb(serverPid));
  }
  return median(samples);
}

/** Runs `start(i)` for i in [0, count) with at most `concurrency` pending at once. */
export async function runPool(count: number, concurrency: number, start: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      await start(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Rejects with a clear message if `promise` has not settled after `timeoutMs`. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function loadGenCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Holds for `holdMs`, sampling everything at both edges. */
export async function holdWindow(options: {
  serverPid: number;
  holdMs: number;
  fullRateRatio: number;
  players: readonly MeteredPlayer[];
  publisherBytes: () => number;
}): Promise<WindowMeasurement> {
  const { players } = options;
  const mediaAtStart = players.map((p) => p.mediaBytes);
  const socketAtStart = players.map((p) => p.socketBytes);
  const publisherAtStart = options.publisherBytes();
  const serverCpuAtStart = readCpuTimes(options.serverPid);
  const loadGenCpuAtStart = loadGenCpuMs();
  const startedAt = performance.now();
  const rssSamples: number[] = [];
  const sampler = setInterval(() => rssSamples.push(readRssKb(options.serverPid)), options.holdMs / RSS_SAMPLES);
  await delay(options.holdMs);
  clearInterval(sampler);
  if (rssSamples.length === 0) rssSamples.push(readRssKb(options.serverPid));

  const serverCpuAtEnd = readCpuTimes(options.serverPid);
  const serverSysMs = serverCpuAtEnd.sysMs - serverCpuAtStart.sysMs;
  const serverCpuMs = serverCpuAtEnd.userMs - serverCpuAtStart.userMs + serverSysMs;
  const loadGenCpu = loadGenCpuMs() - loadGenCpuAtStart;
  const holdMs = performance.now() - startedAt;
  const publisherBytes = options.publisherBytes() - publisherAtStart;
  let deliveredBytes = 0;
  let playersAtFullRate = 0;
  let minPlayerRatio = players.length === 0 ? Number.NaN : Number.POSITIVE_INFINITY;
  players.forEach((player, i) => {
    deliveredBytes += player.socketBytes - (socketAtStart[i] as number);
    const ratio = publisherBytes === 0 ? 0 : (player.mediaBytes - (mediaAtStart[i] as number)) / publisherBytes;
    if (ratio >= options.fullRateRatio) playersAtFullRate += 1;
    minPlayerRatio = Math.min(minPlayerRatio, ratio);
  });
  return {
    holdMs,
    serverCpuMs,
    serverSysMs,
    loadGenCpuMs: loadGenCpu,
    publisherBytes,
    deliveredBytes,
    playersAtFullRate,
    minPlayerRatio,
    rssLoadedKb: median(rssSamples),
  };
}
