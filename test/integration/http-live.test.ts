import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { readFlvTags, type FlvTag } from '../../src/client/flv-file.js';
import {
  FFPROBE,
  httpViewer,
  publishArgs,
  runFfmpeg,
  waitFor,
  TestResources,
} from './harness.js';

const run = promisify(execFile);

const isVideoHeader = (t: FlvTag): boolean => t.kind === 'video' && t.payload[1] === 0;
const isVideoKey = (t: FlvTag): boolean => t.kind === 'video' && (t.payload[0] ?? 0) >> 4 === 1 && t.payload[1] === 1;
const videoFrames = (tags: FlvTag[]): FlvTag[] => tags.filter((t) => t.kind === 'video' && !isVideoHeader(t));

function httpConfig(mount: string, extra = ''): string {
  return `listen 0; http_server { enabled on; listen 0; } vhost __defaultVhost__ { play { mw_latency 100; } http_remux { enabled on; mount ${mount}; } ${extra} }`;
}

interface Probe {
  streams: { codec_name: string; codec_type: string }[];
  packets: { codec_type: string; flags: string; dts?: number; dts_time?: string }[];
}

async function probe(url: string): Promise<Probe> {
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-show_streams', '-show_packets', '-of', 'json', url], { maxBuffer: 64 * 1024 * 1024, timeout: 30_000 });
  return JSON.parse(stdout) as Probe;
}

function expectPlayable(result: Probe): void {
  expect(result.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
  const video = result.packets.filter((p) => p.codec_type === 'video');
  expect(video.length).toBeGreaterThan(25);
  expect(video[0]?.flags).toContain('K');
  const dts = video.map((p) => Number(p.dts));
  for (let i = 1; i < dts.length; i++) expect(dts[i]).toBeGreaterThan(dts[i - 1] as number);
}

describe('HTTP-FLV and HTTP-TS live playback with a real ffmpeg and ffprobe', () => {
  const used = new TestResources();
  afterEach(() => used.release());

  it('ffprobe reads the live .flv: h264 + aac, the first video frame a key frame, DTS increasing', async () => {
    const server = await used.startServer(httpConfig('[vhost]/[app]/[stream].flv'));
    const publisher = runFfmpeg(publishArgs(server.url('live/livestream'), 5));
    used.children.push(publisher);
    await waitFor('the stream to be live', () => server.app.hub.get('__defaultVhost__/live/livestream')?.isActive);
    expectPlayable(await probe(server.httpUrl('live/livestream.flv')));
  });

  it('ffprobe reads the live .ts: h264 + aac, the first video frame a key frame, DTS increasing', async () => {
    const server = await used.startServer(httpConfig('[vhost]/[app]/[stream].ts'));
    const publisher = runFfmpeg(publishArgs(server.url('live/livestream'), 5));
    used.children.push(publisher);
    await waitFor('the stream to be live', () => server.app.hub.get('__defaultVhost__/live/livestream')?.isActive);
    expectPlayable(await probe(server.httpUrl('live/livestream.ts')));
  });

  it('100 HTTP-FLV viewers and 2 RTMP players waiting before the publisher all get the whole stream, start on a key frame and end at unpublish', async () => {
    const server = await used.startServer(httpConfig('[vhost]/[app]/[stream].flv'));
    const http = Array.from({ length: 100 }, () => httpViewer(server.httpUrl('live/livestream.flv')));
    used.viewers.push(...http);
    const heads = await Promise.all(http.map((v) => v.head));
    for (const head of heads) {
      expect(head.status).toBe(200);
      expect(head.headers['content-type']).toBe('video/x-flv');
    }
    const rtmp = await Promise.all(
      [0, 1].map(async () => {
        const client = await RtmpClient.connect(server.url('live/livestream'));
        used.clients.push(client);
        const got: FlvTag[] = [];
        client.onMessage = (kind, timestamp, payload) => got.push({ kind, timestamp, payload: Buffer.from(payload) });
        await client.play();
        return got;
      }),
    );
    const publisher = runFfmpeg(publishArgs(server.url('live/livestream'), 3));
    used.children.push(publisher);
    expect(await publisher.exited).toBe(0);
    const ends = await Promise.all(http.map((v) => v.done));
    expect(ends.every((end) => end.complete)).toBe(true);
    await waitFor('RTMP players to get the last frames', () => rtmp.every((got) => videoFrames(got).length >= 75));
    const published = videoFrames(rtmp[0]!).length;
    for (const viewer of http) {
      const body = viewer.body();
      expect(body.subarray(0, 3).toString('latin1')).toBe('FLV');
      expect(body[4]).toBe(5); // audio + video
      const tags = [...readFlvTags(body)];
      const frames = videoFrames(tags);
      expect(isVideoKey(frames[0]!)).toBe(true);
      expect(frames.length).toBe(published);
    }
    expect(videoFrames(rtmp[1]!).length).toBe(published);
  });

  it('on_play and on_stop once per HTTP viewer with SRS`s fields, also when a viewer drops mid-stream; no on_connect/on_close', async () => {
    const hooks = await used.startHooks();
    const list = (path: string): string => hooks.url(path);
    const server = await used.startServer(
      httpConfig('[vhost]/[app]/[stream].flv', `http_hooks { enabled on; on_connect ${list('/connect')}; on_close ${list('/close')}; on_play ${list('/play')}; on_stop ${list('/stop')}; }`),
    );
    const publisher = runFfmpeg(publishArgs(server.url('live/livestream'), 8));
    used.children.push(publisher);
    await waitFor('the stream to be live', () => server.app.hub.get('__defaultVhost__/live/livestream')?.isActive);
    const stays = httpViewer(server.httpUrl('live/livestream.flv?token=t1'), { Referer: 'http://page.example/watch' });
    const drops = httpViewer(server.httpUrl('live/livestream.flv?token=t2'));
    used.viewers.push(stays, drops);
    await Promise.all([stays.head, drops.head]);
    await waitFor('media to the dropping viewer', () => drops.body().length > 10_000);
    drops.close();
    await waitFor('on_stop of the dropped viewer', () => hooks.calls.filter((c) => c.path === '/stop').length === 1);
    stays.close();
    await waitFor('two on_stop', () => hooks.calls.filter((c) => c.path === '/stop').length === 2);
    const plays = hooks.calls.filter((c) => c.path === '/play');
    const stops = hooks.calls.filter((c) => c.path === '/stop');
    expect(plays).toHaveLength(2);
    // SRS fires no on_connect / on_close for HTTP viewers (srs-wave2-spec §1.6); the RTMP publisher gets its on_connect.
    const viewerIds = new Set(plays.map((c) => c.json['client_id']));
    const connects = hooks.calls.filter((c) => c.path === '/connect' || c.path === '/close');
    expect(connects.filter((c) => viewerIds.has(c.json['client_id']))).toEqual([]);
    expect(connects.map((c) => c.json['action'])).toEqual(['on_connect']);
    const play = plays.find((c) => c.json['param'] === '?token=t1')!;
    expect(Object.keys(play.json)).toEqual(['server_id', 'service_id', 'action', 'client_id', 'ip', 'vhost', 'app', 'stream', 'tcUrl', 'param', 'pageUrl', 'stream_url', 'stream_id']);
    expect(play.json).toMatchObject({ action: 'on_play', ip: '127.0.0.1', vhost: '__defaultVhost__', app: 'live', stream: 'livestream', tcUrl: 'rtmp://__defaultVhost__/live', param: '?token=t1', pageUrl: 'http://page.example/watch', stream_url: '/live/livestream' });
    expect(String(play.json['client_id'])).toMatch(/^[0-9a-z]{8}$/);
    const stop = stops.find((c) => c.json['client_id'] === play.json['client_id'])!;
    expect(Object.keys(stop.json)).toEqual(['server_id', 'service_id', 'action', 'client_id', 'ip', 'vhost', 'app', 'tcUrl', 'stream', 'param', 'stream_url', 'stream_id']);
    expect(stop.json).toMatchObject({ action: 'on_stop', param: '?token=t1', stream: 'livestream' });
    expect(new Set(stops.map((c) => c.json['client_id']))).toEqual(new Set(plays.map((c) => c.json['client_id'])));
  });

  it('a denied on_play gets 403 with the reason and no media', async () => {
    const hooks = await used.startHooks((_call, res) => {
      res.end('{"code":4001}');
    });
    const server = await used.startServer(httpConfig('[vhost]/[app]/[stream].flv', `http_hooks { enabled on; on_play ${hooks.url('/play')}; on_stop ${hooks.url('/stop')}; }`));
    const viewer = httpViewer(server.httpUrl('live/livestream.flv?token=bad'));
    used.viewers.push(viewer);
    const head = await viewer.head;
    await viewer.done;
    expect(head.status).toBe(403);
    expect(viewer.body().toString('utf8')).toBe('on_play denied: response code 4001\n');
    expect(viewer.body().toString('utf8')).not.toContain('127.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hooks.calls.filter((c) => c.path === '/stop')).toHaveLength(0);
  });

  it('shutdown ends every HTTP viewer with its end events', async () => {
    const hooks = await used.startHooks();
    const server = await used.startServer(
      httpConfig('[vhost]/[app]/[stream].flv', `http_hooks { enabled on; on_stop ${hooks.url('/stop')}; }`) + ` hooks { webhook connection_close ${hooks.url('/guide')}; }`,
    );
    const waiting = [httpViewer(server.httpUrl('live/a.flv')), httpViewer(server.httpUrl('live/b.flv')), httpViewer(server.httpUrl('live/c.flv'))];
    used.viewers.push(...waiting);
    await Promise.all(waiting.map((v) => v.head));
    expect(server.app.registry.size).toBe(3);
    await server.stop();
    await Promise.all(waiting.map((v) => v.done));
    await waitFor('three on_stop', () => hooks.calls.filter((c) => c.path === '/stop').length === 3);
    await waitFor('three connection_close', () => hooks.calls.filter((c) => c.path === '/guide').length === 3);
    for (const call of hooks.calls.filter((c) => c.path === '/guide')) expect((call.json['data'] as Record<string, unknown>)['reason']).toBe('server_shutdown');
  });
});
