/**
 * The HLS viewer cell (ours only): one looping RTMP publisher into a server
 * with HLS on, a lister that reads the media playlist several times per
 * poll of a viewer and records every sequence number the server lists, N
 * HLS viewers (hls-viewer.ts) built up to a running audience, the hold
 * window, then a short drain so the segments listed at the window's end can
 * still be fetched. "All get every segment": each viewer fetched every
 * segment first listed during the window.
 */
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { delay, holdWindow, idleRssKb, runPool, withTimeout } from './fanout-window.js';
import { HlsViewer } from './hls-viewer.js';
import { keepError, type FanoutJob, type FanoutResult, type HlsDelivery, type HlsViewerJob } from './jobs.js';
import { loadStreamFixture } from './stream-fixture.js';
import { TagPacer } from './tag-pacer.js';

/** How often the drain checks whether every viewer has every window segment. */
const DRAIN_CHECK_MS = 100;

function hasAll(viewer: HlsViewer, segments: readonly number[]): boolean {
  return segments.every((seq) => viewer.hasFetched(seq));
}

/** Waits until every viewer has every segment of `segments`, at most `drainMs`. */
async function drain(viewers: readonly HlsViewer[], segments: readonly number[], drainMs: number): Promise<void> {
  const deadline = Date.now() + drainMs;
  while (Date.now() < deadline && !viewers.every((viewer) => hasAll(viewer, segments))) await delay(DRAIN_CHECK_MS);
}

/** Runs the HLS viewer cell against our server of `job`. */
export async function runHlsFanout(job: FanoutJob): Promise<FanoutResult> {
  const spec: HlsViewerJob | undefined = job.hlsViewers;
  if (spec === undefined) throw new Error('an hls fan-out job needs hlsViewers');
  const errors: string[] = [];
  const playlistUrl = `http://127.0.0.1:${job.httpPort ?? 0}/${job.streamPath}.m3u8`;
  const fixture = loadStreamFixture(job.streamFile);
  const publisher = await RtmpClient.connect(`rtmp://127.0.0.1:${job.port}/${job.streamPath}`, { timeoutMs: job.readyTimeoutMs });
  const viewers: HlsViewer[] = [];
  // One sequence number per closed segment: bounded by the run's length.
  const listed = new Set<number>();
  let targetDurationSec = Number.NaN;
  let lister: HlsViewer | undefined;
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

    lister = new HlsViewer({
      url: playlistUrl,
      requestTimeoutMs: spec.requestTimeoutMs,
      pollMs: spec.listerPollMs,
      fetchSegments: false,
      errors,
      onPlaylist: (playlist) => {
        for (const segment of playlist.segments) listed.add(segment.seq);
        targetDurationSec = playlist.targetDurationSec;
      },
    });
    // The first segment closes one fragment after the publish: viewers start once a playlist exists.
    await withTimeout(lister.ready, job.readyTimeoutMs, 'first HLS playlist');

    let playersReady = 0;
    await runPool(job.players, job.connectConcurrency, async () => {
      const viewer = new HlsViewer({ url: playlistUrl, requestTimeoutMs: spec.requestTimeoutMs, pollMs: spec.pollMs, fetchSegments: true, errors });
      viewers.push(viewer);
      try {
        await withTimeout(viewer.ready, job.readyTimeoutMs, 'first HLS segment');
        playersReady += 1;
      } catch (error) {
        keepError(errors, error);
      }
    });
    await delay(job.settleMs);
    const listedBefore = new Set(listed);
    const window = await holdWindow({
      serverPid: job.serverPid,
      holdMs: job.holdMs,
      fullRateRatio: job.fullRateRatio,
      players: viewers,
      publisherBytes: () => publisherBytes,
    });
    const windowSegments = [...listed].filter((seq) => !listedBefore.has(seq)).sort((a, b) => a - b);
    await drain(viewers, windowSegments, spec.drainMs);

    const fetchedCounts = viewers.map((viewer) => windowSegments.filter((seq) => viewer.hasFetched(seq)).length);
    const hls: HlsDelivery = {
      windowSegments,
      viewersWithEverySegment: fetchedCounts.filter((count) => count === windowSegments.length).length,
      minSegmentsFetched: fetchedCounts.length === 0 ? 0 : Math.min(...fetchedCounts),
      segmentFailures: viewers.reduce((sum, viewer) => sum + viewer.segmentFailures, 0),
      targetDurationSec,
    };
    if (windowSegments.length === 0) keepError(errors, new Error('the server listed no new segment during the window'));
    // Full rate for HLS is "every segment of the window": a segment arrives as a burst, so byte ratios say nothing.
    const atFullRate = windowSegments.length === 0 ? 0 : hls.viewersWithEverySegment;
    const minRatio = windowSegments.length === 0 ? 0 : hls.minSegmentsFetched / windowSegments.length;
    return {
      type: 'fanout', players: job.players, playersReady, ...window, playersAtFullRate: atFullRate, minPlayerRatio: minRatio,
      rssIdleKb, joinMs: [], joinFailures: 0, errors, hls,
    };
  } finally {
    isFinished = true;
    pacer?.stop();
    publisher.close();
    await Promise.all([...viewers, ...(lister === undefined ? [] : [lister])].map((viewer) => viewer.stop()));
  }
}
