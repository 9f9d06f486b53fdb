import { afterEach, describe, expect, it } from 'vitest';
import { RtmpClient, RtmpClientError } from '../../src/relay/rtmp-client.js';
import { deadPort, httpViewer, publishArgs, runFfmpeg, TestResources, waitFor } from './harness.js';

/**
 * `cluster { token_traverse on; }` (issue 16, srs-wave2-spec §4.5): every
 * client of the edge is checked at the origin with its own token before the
 * edge admits it. The origin's on_play allows only `token=good`; the first
 * origin listed is dead, so the check also shows it moves on to the next.
 */


describe('token traverse: the origin judges each edge client token', () => {
  const originSide = new TestResources();
  const edgeSide = new TestResources();
  afterEach(async () => {
    await edgeSide.release();
    await originSide.release();
  });

  it('admits the good token at the edge (RTMP and HTTP-FLV), refuses the bad one with the origin answer, skips a dead origin', async () => {
    const hooks = await originSide.startHooks((call, res) => res.end(String(call.json.param).includes('token=good') ? '0' : '1'));
    const origin = await originSide.startServer(`listen 0; vhost __defaultVhost__ { http_hooks { enabled on; on_play ${hooks.url('/play')}; } }`);
    originSide.children.push(runFfmpeg(publishArgs(origin.url('live/s'), 60)));
    await waitFor('the origin stream', () => origin.app.hub.get('__defaultVhost__/live/s')?.isActive, 15_000);
    const dead = await deadPort();
    const edge = await edgeSide.startServer(
      `listen 0; http_server { enabled on; listen 0; }
       vhost __defaultVhost__ { cluster { mode remote; origin 127.0.0.1:${dead} 127.0.0.1:${origin.port}; token_traverse on; } http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } }`,
      { edge: { stopGraceMs: 200, limits: { backoffBaseMs: 100, backoffMaxMs: 500 } } },
    );

    const good = await RtmpClient.connect(edge.url('live/s?token=good'));
    edgeSide.clients.push(good);
    let media = 0;
    good.onMessage = () => media++;
    await good.play();
    await waitFor('media for the good token', () => media > 20, 15_000);

    const bad = await RtmpClient.connect(edge.url('live/s?token=bad'));
    edgeSide.clients.push(bad);
    const refused = await bad.play().then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(RtmpClientError);
    expect(String((refused as Error).message)).toMatch(/token traverse: origin 127\.0\.0\.1:\d+ refused/);

    const badFlv = httpViewer(edge.httpUrl('live/s.flv?token=bad'));
    edgeSide.viewers.push(badFlv);
    expect((await badFlv.head).status).toBe(403);
    expect((await badFlv.done, badFlv.body().toString())).toContain('token traverse');
    const goodFlv = httpViewer(edge.httpUrl('live/s.flv?token=good'));
    edgeSide.viewers.push(goodFlv);
    expect((await goodFlv.head).status).toBe(200);
    await waitFor('FLV bytes for the good token', () => goodFlv.body().length > 20_000, 10_000);

    // The origin judged every client's own token: the traverse plays and the one shared pull.
    const params = hooks.calls.filter((call) => call.path === '/play').map((call) => call.json.param);
    expect(params.filter((p) => p === '?token=bad')).toHaveLength(2);
    expect(params.filter((p) => p === '?token=good').length).toBeGreaterThanOrEqual(3);
    // The bad client never reached the edge's stream; the good ones share it.
    expect(edge.app.hub.get('__defaultVhost__/live/s')?.players.size).toBe(2);
  }, 60_000);
});
