import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { readFlvTags } from '../../src/client/flv-file.js';
import { publishArgs, runFfmpeg, startTestServer, stopProcess, waitFor, type FfmpegRun, type TestServer } from './harness.js';

interface Received {
  kind: 'audio' | 'video' | 'data';
  timestamp: number;
  payload: Buffer;
}

/** A player built on our client that records what it receives. */
async function player(url: string): Promise<{ client: RtmpClient; got: Received[]; statuses: string[] }> {
  const client = await RtmpClient.connect(url);
  const got: Received[] = [];
  const statuses: string[] = [];
  client.onMessage = (kind, timestamp, payload) => got.push({ kind, timestamp, payload: Buffer.from(payload) });
  client.onStatus = (info) => statuses.push(info.code);
  await client.play();
  return { client, got, statuses };
}

const isVideoKey = (r: Received): boolean => r.kind === 'video' && (r.payload[0] ?? 0) >> 4 === 1 && r.payload[1] === 1;
const isVideoHeader = (r: Received): boolean => r.kind === 'video' && r.payload[1] === 0;
const isAudioHeader = (r: Received): boolean => r.kind === 'audio' && r.payload[1] === 0;
const isMetadata = (r: Received): boolean => r.kind === 'data' && r.payload.includes(Buffer.from('onMetaData'));

function expectIncreasing(got: Received[], kind: 'audio' | 'video'): void {
  const stamps = got.filter((r) => r.kind === kind && !(kind === 'video' ? isVideoHeader(r) : isAudioHeader(r))).map((r) => r.timestamp);
  expect(stamps.length).toBeGreaterThan(5);
  for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThanOrEqual(stamps[i - 1] as number);
}

describe('RTMP live with a real ffmpeg', () => {
  let server: TestServer | undefined;
  const children: FfmpegRun[] = [];
  const clients: RtmpClient[] = [];

  afterEach(async () => {
    for (const run of children.splice(0)) stopProcess(run.child);
    for (const client of clients.splice(0)) client.close();
    await server?.stop();
    server = undefined;
  });

  it('fans one ffmpeg publisher out to two players and a late joiner that starts on a key frame', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { play { mw_latency 100; } }');
    const early = await player(server.url('live/livestream'));
    clients.push(early.client);
    const second = await player(server.url('live/livestream'));
    clients.push(second.client);
    const publisher = runFfmpeg(publishArgs(server.url('live/livestream'), 6));
    children.push(publisher);
    await waitFor('early players to get video', () => early.got.filter(isVideoKey).length >= 2 && second.got.filter(isVideoKey).length >= 2);
    const late = await player(server.url('live/livestream'));
    clients.push(late.client);
    await waitFor('late joiner media', () => late.got.filter((r) => r.kind === 'audio').length > 10 && late.got.filter((r) => r.kind === 'video').length > 10);
    expect(await publisher.exited).toBe(0);

    for (const p of [early, second, late]) {
      expect(p.statuses).toContain('NetStream.Play.Start');
      expect(p.got.some(isMetadata)).toBe(true);
      expect(p.got.some(isVideoHeader)).toBe(true);
      expect(p.got.some(isAudioHeader)).toBe(true);
      expectIncreasing(p.got, 'video');
      expectIncreasing(p.got, 'audio');
    }
    // The late joiner: metadata, sequence headers, then a key frame first.
    const firstFrames = late.got.filter((r) => r.kind === 'video' && !isVideoHeader(r));
    expect(isVideoKey(firstFrames[0] as Received)).toBe(true);
    const firstMedia = late.got.findIndex((r) => (r.kind === 'video' && !isVideoHeader(r)) || (r.kind === 'audio' && !isAudioHeader(r)));
    expect(late.got.findIndex(isMetadata)).toBeLessThan(firstMedia);
    expect(late.got.findIndex(isVideoHeader)).toBeLessThan(firstMedia);
    expect(late.got.findIndex(isAudioHeader)).toBeLessThan(firstMedia);
    // The publisher left: players are told and stay connected, waiting.
    await waitFor('UnpublishNotify', () => early.statuses.includes('NetStream.Play.UnpublishNotify'));
  });

  it('plays to a real ffmpeg player that writes a valid FLV with audio and video', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { play { mw_latency 100; } }');
    const publisher = runFfmpeg(publishArgs(server.url('live/ff'), 8));
    children.push(publisher);
    await waitFor('stream live', () => server?.logs.some((l) => l.msg === 'publish start'));
    const out = join(mkdtempSync(join(tmpdir(), 'srs-play-')), 'out.flv');
    const play = runFfmpeg(['-i', server.url('live/ff'), '-t', '2', '-c', 'copy', '-f', 'flv', out]);
    children.push(play);
    expect(await play.exited, play.stderr()).toBe(0);
    const tags = [...readFlvTags(readFileSync(out))];
    expect(tags.filter((t) => t.kind === 'video').length).toBeGreaterThan(10);
    expect(tags.filter((t) => t.kind === 'audio').length).toBeGreaterThan(10);
  });

  it('refuses a second publisher with NetStream.Publish.BadName while the first keeps streaming', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { play { mw_latency 100; } }');
    const first = runFfmpeg(publishArgs(server.url('live/busy'), 10));
    children.push(first);
    const watcher = await player(server.url('live/busy'));
    clients.push(watcher.client);
    await waitFor('first publisher media', () => watcher.got.filter(isVideoKey).length >= 1);
    const second = runFfmpeg(publishArgs(server.url('live/busy'), 2));
    children.push(second);
    expect(await second.exited).not.toBe(0);
    expect(second.stderr()).toMatch(/busy/);
    const before = watcher.got.length;
    await waitFor('first publisher still streaming', () => watcher.got.length > before + 25);
    expect(first.child.exitCode).toBeNull();
  });

  it('tells players when the publisher is killed and resumes them on republish', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { play { mw_latency 100; } }');
    const watcher = await player(server.url('live/again'));
    clients.push(watcher.client);
    const first = runFfmpeg(publishArgs(server.url('live/again'), 30));
    children.push(first);
    await waitFor('media', () => watcher.got.filter(isVideoKey).length >= 1);
    first.child.kill('SIGKILL');
    await waitFor('UnpublishNotify', () => watcher.statuses.includes('NetStream.Play.UnpublishNotify'));
    const count = watcher.got.length;
    const again = runFfmpeg(publishArgs(server.url('live/again'), 30));
    children.push(again);
    await waitFor('PublishNotify', () => watcher.statuses.includes('NetStream.Play.PublishNotify'));
    await waitFor('media after republish', () => watcher.got.slice(count).filter(isVideoKey).length >= 1);
  });

  it('resolves ?vhost= and keeps a token in the stream name as param', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { } vhost demo.local { play { mw_latency 100; } }');
    const publisher = runFfmpeg(publishArgs(server.url('live/show?vhost=demo.local&token=abc'), 6));
    children.push(publisher);
    const start = await waitFor('publish start', () => server?.logs.find((l) => l.msg === 'publish start'));
    expect(start.vhost).toBe('demo.local');
    expect(start.stream).toBe('show');
    // A player of the default vhost does not see demo.local's stream; one of demo.local does.
    const watcher = await player(server.url('live/show?vhost=demo.local'));
    clients.push(watcher.client);
    await waitFor('demo.local media', () => watcher.got.filter(isVideoKey).length >= 1);
  });
});
