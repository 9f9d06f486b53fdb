import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { RtmpClient, type StatusInfo } from '../../src/client/rtmp-client.js';
import { httpViewer, publishArgs, runFfmpeg, TestResources, waitFor, type TestServer } from './harness.js';

/**
 * Origin and edge as two real servers on loopback ports of this machine (no
 * network namespaces: both run in the test process, as every other
 * integration test here).
 */

const FAST_EDGE = { stopGraceMs: 500, limits: { backoffBaseMs: 100, backoffMaxMs: 500, silenceMs: 2_000 } };

/** A port nothing listens on: bound once, then closed. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Our RTMP client as a player that counts what it got. */
async function player(url: string): Promise<{ client: RtmpClient; media: () => number; statuses: StatusInfo[] }> {
  const client = await RtmpClient.connect(url);
  let media = 0;
  const statuses: StatusInfo[] = [];
  client.onMessage = (kind) => {
    if (kind !== 'data') media++;
  };
  client.onStatus = (status) => statuses.push(status);
  await client.play();
  return { client, media: () => media, statuses };
}

function edgeConfig(origins: string): string {
  return `listen 0; http_api { enabled on; listen 0; } http_server { enabled on; listen 0; }
    vhost __defaultVhost__ { cluster { mode remote; origin ${origins}; } http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } }`;
}

describe('edge: pulls from its origin on the first viewer, shares it, stops after the last', () => {
  const originSide = new TestResources();
  const edgeSide = new TestResources();
  afterEach(async () => {
    await edgeSide.release();
    await originSide.release();
  });

  async function liveOrigin(): Promise<{ origin: TestServer; hooks: Awaited<ReturnType<TestResources['startHooks']>> }> {
    const hooks = await originSide.startHooks();
    const origin = await originSide.startServer(
      `listen 0; vhost __defaultVhost__ { http_hooks { enabled on; on_play ${hooks.url('/play')}; on_stop ${hooks.url('/stop')}; } }`,
    );
    originSide.children.push(runFfmpeg(publishArgs(origin.url('live/s'), 60)));
    await waitFor('the origin stream', () => origin.app.hub.get('__defaultVhost__/live/s')?.isActive, 15_000);
    return { origin, hooks };
  }

  it('serves RTMP and HTTP-FLV viewers at the edge through one upstream play, carrying the first viewer token, listed as rtmp-pull', async () => {
    const { origin, hooks } = await liveOrigin();
    const edge = await edgeSide.startServer(edgeConfig(`127.0.0.1:${origin.port}`), { edge: FAST_EDGE });

    const first = await player(edge.url('live/s?token=first'));
    edgeSide.clients.push(first.client);
    await waitFor('media at the edge', () => first.media() > 50, 15_000);
    const flv = httpViewer(edge.httpUrl('live/s.flv?token=second'));
    edgeSide.viewers.push(flv);
    expect((await flv.head).status).toBe(200);
    const ffmpeg = runFfmpeg(['-i', edge.url('live/s'), '-t', '2', '-c', 'copy', '-f', 'null', '-']);
    edgeSide.children.push(ffmpeg);
    const others = await Promise.all(Array.from({ length: 47 }, () => player(edge.url('live/s?token=other'))));
    edgeSide.clients.push(...others.map((p) => p.client));
    await waitFor('every edge player to get media', () => others.every((p) => p.media() > 10), 15_000);
    expect(await ffmpeg.exited).toBe(0);
    expect(ffmpeg.stderr()).toMatch(/Video: h264/);
    await waitFor('HTTP-FLV bytes', () => flv.body().length > 50_000, 10_000);

    // The origin saw one player for all of them: the edge, with the first viewer's token.
    const plays = hooks.calls.filter((call) => call.path === '/play');
    expect(plays).toHaveLength(1);
    expect(plays[0]?.json).toMatchObject({ app: 'live', stream: 's', param: '?token=first', tcUrl: `rtmp://127.0.0.1:${origin.port}/live` });
    expect(origin.app.clients.list().filter((client) => client.type === 'rtmp-play')).toHaveLength(1);

    // At the edge the pull is the stream's publisher: an rtmp-pull client the API lists.
    const streams = (await (await fetch(edge.apiUrl('api/v1/streams/'))).json()) as { streams: { name: string; publish: { active: boolean; cid?: string } }[] };
    const stream = streams.streams.find((s) => s.name === 's');
    expect(stream?.publish.active).toBe(true);
    const pull = (await (await fetch(edge.apiUrl(`api/v1/clients/${stream?.publish.cid}`))).json()) as { client: { type: string; publish: boolean } };
    expect(pull.client.type).toBe('rtmp-pull');

    // Everyone leaves: after the grace the upstream play ends, once.
    for (const p of [first, ...others]) p.client.close();
    flv.close();
    await waitFor('the upstream to stop', () => hooks.calls.filter((call) => call.path === '/stop').length === 1, 10_000);
    await waitFor('the origin to have no player', () => origin.app.clients.list().every((client) => client.type !== 'rtmp-play'), 5_000);
    await waitFor('no pull at the edge', () => edge.app.clients.list().every((client) => client.type !== 'rtmp-pull'), 5_000);
    expect(hooks.calls.filter((call) => call.path === '/play')).toHaveLength(1);
  }, 60_000);

  it('fails over to the next origin when the first is down, and a viewer resumes after the origin publisher comes back', async () => {
    const { origin } = await liveOrigin();
    const edge = await edgeSide.startServer(edgeConfig(`127.0.0.1:${await deadPort()} 127.0.0.1:${origin.port}`), { edge: FAST_EDGE });
    const viewer = await player(edge.url('live/s'));
    edgeSide.clients.push(viewer.client);
    await waitFor('media through the second origin', () => viewer.media() > 50, 15_000);
    expect(edge.logs.some((line) => line.msg === 'edge pull: origin unreachable')).toBe(true);

    // The origin's publisher leaves: the edge viewer is told, as on any unpublish, and stays.
    for (const child of originSide.children.splice(0)) child.child.kill('SIGKILL');
    await waitFor('UnpublishNotify at the edge viewer', () => viewer.statuses.some((status) => status.code === 'NetStream.Play.UnpublishNotify'), 10_000);
    const before = viewer.media();
    // It publishes again: the same edge viewer gets media again.
    originSide.children.push(runFfmpeg(publishArgs(origin.url('live/s'), 30)));
    await waitFor('media again', () => viewer.media() > before + 50, 20_000);
    expect(viewer.statuses.some((status) => status.code === 'NetStream.Play.PublishNotify')).toBe(true);
  }, 60_000);
});
