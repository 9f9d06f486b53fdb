import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { countingPlayer, deadPort, httpViewer, publishArgs, runFfmpeg, startTestServer, TestResources, waitFor, type TestServer } from './harness.js';

/**
 * Origin and edge as two real servers on loopback ports of this machine (no
 * network namespaces: both run in the test process, as every other
 * integration test here).
 */

const FAST_EDGE = { stopGraceMs: 500, limits: { backoffBaseMs: 100, backoffMaxMs: 500, silenceMs: 2_000 } };



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

    const first = await countingPlayer(edge.url('live/s?token=first'));
    edgeSide.clients.push(first.client);
    await waitFor('media at the edge', () => first.media() > 50, 15_000);
    const flv = httpViewer(edge.httpUrl('live/s.flv?token=second'));
    edgeSide.viewers.push(flv);
    expect((await flv.head).status).toBe(200);
    const ffmpeg = runFfmpeg(['-i', edge.url('live/s'), '-t', '2', '-c', 'copy', '-f', 'null', '-']);
    edgeSide.children.push(ffmpeg);
    const others = await Promise.all(Array.from({ length: 47 }, () => countingPlayer(edge.url('live/s?token=other'))));
    edgeSide.clients.push(...others.map((p) => p.client));
    await waitFor('every edge player to get media', () => others.every((p) => p.media() > 10), 15_000);
    expect(await ffmpeg.exited).toBe(0);
    expect(ffmpeg.stderr()).toMatch(/Video: h264/);
    await waitFor('HTTP-FLV bytes', () => flv.body().length > 50_000, 10_000);

    // The origin saw one player for all of them: the edge, with the first viewer's token.
    const plays = hooks.calls.filter((call) => call.path === '/play');
    expect(plays).toHaveLength(1);
    expect(plays[0]?.json).toMatchObject({ app: 'live', stream: 's', param: '?token=first', tcUrl: `rtmp://127.0.0.1:${origin.port}/live` });
    expect(origin.app.registry.list().filter((client) => client.type === 'rtmp-play')).toHaveLength(1);

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
    await waitFor('the origin to have no player', () => origin.app.registry.list().every((client) => client.type !== 'rtmp-play'), 5_000);
    await waitFor('no pull at the edge', () => edge.app.registry.list().every((client) => client.type !== 'rtmp-pull'), 5_000);
    expect(hooks.calls.filter((call) => call.path === '/play')).toHaveLength(1);
  }, 60_000);

  it('fails over to the next origin when the first is down, and a viewer resumes after the origin publisher comes back', async () => {
    const { origin } = await liveOrigin();
    const edge = await edgeSide.startServer(edgeConfig(`127.0.0.1:${await deadPort()} 127.0.0.1:${origin.port}`), { edge: FAST_EDGE });
    const viewer = await countingPlayer(edge.url('live/s'));
    edgeSide.clients.push(viewer.client);
    await waitFor('media through the second origin', () => viewer.media() > 50, 15_000);
    expect(edge.logs.some((line) => line.msg === 'edge pull: connect to origin failed')).toBe(true);

    // The origin's publisher leaves: the edge viewer is told, as on any unpublish, and stays.
    for (const child of originSide.children.splice(0)) child.child.kill('SIGKILL');
    await waitFor('UnpublishNotify at the edge viewer', () => viewer.statuses.some((status) => status.code === 'NetStream.Play.UnpublishNotify'), 10_000);
    const before = viewer.media();
    // It publishes again: the same edge viewer gets media again.
    originSide.children.push(runFfmpeg(publishArgs(origin.url('live/s'), 30)));
    await waitFor('media again', () => viewer.media() > before + 50, 20_000);
    expect(viewer.statuses.some((status) => status.code === 'NetStream.Play.PublishNotify')).toBe(true);
  }, 60_000);

  it('resumes edge viewers when the origin server itself restarts on the same port', async () => {
    const first = await originSide.startServer('listen 0; vhost __defaultVhost__ { }');
    const port = first.port;
    const firstPublisher = runFfmpeg(publishArgs(first.url('live/s'), 60));
    originSide.children.push(firstPublisher);
    await waitFor('the origin stream', () => first.app.hub.get('__defaultVhost__/live/s')?.isActive, 15_000);
    const edge = await edgeSide.startServer(edgeConfig(`127.0.0.1:${port}`), { edge: FAST_EDGE });
    const viewer = await countingPlayer(edge.url('live/s'));
    edgeSide.clients.push(viewer.client);
    await waitFor('media through the origin', () => viewer.media() > 50, 15_000);

    // The origin server goes away (its encoder with it) and a new one comes up on the same port (stop is idempotent).
    firstPublisher.child.kill('SIGKILL');
    await first.stop();
    await waitFor('the edge viewer told the stream stopped', () => viewer.statuses.some((status) => status.code === 'NetStream.Play.UnpublishNotify'), 15_000);
    const before = viewer.media();
    const second = await originSide.startServer(`listen ${port}; vhost __defaultVhost__ { }`);
    originSide.children.push(runFfmpeg(publishArgs(second.url('live/s'), 30)));
    await waitFor('media from the restarted origin', () => viewer.media() > before + 50, 30_000);
    expect(edge.app.registry.list().filter((client) => client.type === 'rtmp-pull')).toHaveLength(1);
  }, 90_000);

  it('pushes a publish made at the edge to the origin, whose on_publish gates it: a refused one ends the encoder', async () => {
    const hooks = await originSide.startHooks((call, res) => res.end(String(call.json.param).includes('token=bad') ? '1' : '0'));
    const origin = await originSide.startServer(`listen 0; vhost __defaultVhost__ { http_hooks { enabled on; on_publish ${hooks.url('/publish')}; } }`);
    const edge = await edgeSide.startServer(edgeConfig(`127.0.0.1:${origin.port}`), { edge: FAST_EDGE });
    edgeSide.children.push(runFfmpeg(publishArgs(edge.url('live/e?token=good'), 30)));
    await waitFor('the edge publish at the origin', () => origin.app.hub.get('__defaultVhost__/live/e')?.isActive, 15_000);
    expect(hooks.calls.find((call) => call.json.stream === 'e')?.json).toMatchObject({ action: 'on_publish', param: '?token=good', tcUrl: `rtmp://127.0.0.1:${origin.port}/live` });
    const atOrigin = await countingPlayer(origin.url('live/e'));
    originSide.clients.push(atOrigin.client);
    await waitFor('media at the origin', () => atOrigin.media() > 50, 15_000);
    expect(edge.app.registry.list().filter((client) => client.type === 'rtmp-forward')).toHaveLength(1);

    const refused = runFfmpeg(publishArgs(edge.url('live/b?token=bad'), 30));
    edgeSide.children.push(refused);
    expect(await refused.exited).not.toBe(0);
    expect(edge.logs.some((line) => line.msg === 'session end' && String(line.detail).startsWith('edge publish to origin failed'))).toBe(true);
    expect(origin.app.hub.get('__defaultVhost__/live/b')?.isActive).not.toBe(true);
  }, 60_000);
});

describe('edge bad input: origins that say nothing, answer garbage or refuse', () => {
  const originSide = new TestResources();
  const edgeSide = new TestResources();
  const sockets: Server[] = [];
  const accepted: Socket[] = [];
  afterEach(async () => {
    await edgeSide.release();
    await originSide.release();
    for (const socket of accepted.splice(0)) socket.destroy();
    for (const server of sockets.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function rawOrigin(onConnection: (socket: Socket) => void): Promise<number> {
    const server = createServer((socket) => {
      accepted.push(socket);
      socket.on('error', () => undefined);
      onConnection(socket);
    });
    sockets.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  it('spends a bounded time on each bad origin, logs why, and plays through the good one', async () => {
    const held: Socket[] = [];
    const silent = await rawOrigin((socket) => held.push(socket));
    const garbage = await rawOrigin((socket) => socket.end(Buffer.alloc(3073, 0x41)));
    const refusing = await originSide.startHooks((_call, res) => res.end('1'));
    const refusingOrigin = await originSide.startServer(`listen 0; vhost __defaultVhost__ { http_hooks { enabled on; on_play ${refusing.url('/play')}; } }`);
    const good = await edgeSide.startServer('listen 0; vhost __defaultVhost__ { }');
    edgeSide.children.push(runFfmpeg(publishArgs(good.url('live/s'), 30)));
    await waitFor('the good origin stream', () => good.app.hub.get('__defaultVhost__/live/s')?.isActive, 15_000);
    const edge = await startTestServer(edgeConfig(`127.0.0.1:${silent} 127.0.0.1:${garbage} 127.0.0.1:${refusingOrigin.port} 127.0.0.1:${good.port}`), {
      edge: { ...FAST_EDGE, limits: { ...FAST_EDGE.limits, connectTimeoutMs: 500 } },
    });
    try {
      const started = Date.now();
      const viewer = await countingPlayer(edge.url('live/s'));
      edgeSide.clients.push(viewer.client);
      await waitFor('media through the good origin', () => viewer.media() > 20, 15_000);
      // Three bad origins, each bounded by the 500 ms connect timeout at most.
      expect(Date.now() - started).toBeLessThan(5_000);
      const reasons = edge.logs.filter((line) => line.msg.startsWith('edge pull: ')).map((line) => `${line.msg} ${String(line.origin)}`);
      expect(reasons).toEqual([
        `edge pull: connect to origin failed 127.0.0.1:${silent}`,
        `edge pull: connect to origin failed 127.0.0.1:${garbage}`,
        `edge pull: origin refused the play 127.0.0.1:${refusingOrigin.port}`,
      ]);
      expect(refusing.calls).toHaveLength(1);
    } finally {
      for (const socket of held) socket.destroy();
      await edge.stop();
    }
  }, 60_000);
});

describe('edge loop: two edges that name each other as origin', () => {
  const a = new TestResources();
  const b = new TestResources();
  afterEach(async () => {
    await a.release();
    await b.release();
  });

  const isLoopRefusal = (line: { msg: string; description?: unknown }): boolean => line.msg === 'refused' && String(line.description).startsWith('relay loop');

  it('refuses the pull that would come back to the edge it started from, and retries it with backoff, not a storm', async () => {
    const portOfB = await deadPort();
    const edgeA = await a.startServer(edgeConfig(`127.0.0.1:${portOfB}`), { edge: FAST_EDGE });
    const edgeB = await b.startServer(edgeConfig(`127.0.0.1:${edgeA.port}`).replace('listen 0;', `listen ${portOfB};`), { edge: FAST_EDGE });
    const viewer = await countingPlayer(edgeA.url('live/s'));
    a.clients.push(viewer.client);
    await waitFor('the loop to be refused at A', () => edgeA.logs.some(isLoopRefusal), 10_000);
    const refusal = await waitFor('B told why', () => edgeB.logs.find((line) => line.msg === 'edge pull: origin refused the play'), 5_000);
    expect(String(refusal.err)).toContain('relay loop');
    const loops = () => edgeA.logs.filter(isLoopRefusal).length;
    const before = loops();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // Backoff of 100..500 ms in this test (1 s..30 s by default): a few refusals, never hundreds.
    expect(loops() - before).toBeLessThan(12);
    expect(viewer.media()).toBe(0);
  }, 30_000);
});

describe('forward: every publish pushed to each destination, one down harming nothing', () => {
  const used = new TestResources();
  const destinationSide = new TestResources();
  afterEach(async () => {
    await used.release();
    await destinationSide.release();
  });

  it('reaches the live destination, retries the dead one with backoff, and stops with the publish', async () => {
    const destination = await destinationSide.startServer('listen 0; vhost __defaultVhost__ { }');
    const dead = await deadPort();
    const source = await used.startServer(`listen 0; vhost __defaultVhost__ { forward { enabled on; destination 127.0.0.1:${dead} 127.0.0.1:${destination.port}; } }`, {
      edge: { forwardLimits: { backoffBaseMs: 200, backoffMaxMs: 400 } },
    });
    const publisher = runFfmpeg(publishArgs(`${source.url('live/f')}?token=t`, 6));
    used.children.push(publisher);
    await waitFor('the forward at the destination', () => destination.app.hub.get('__defaultVhost__/live/f')?.isActive, 15_000);
    const viewer = await countingPlayer(destination.url('live/f'));
    destinationSide.clients.push(viewer.client);
    await waitFor('media at the destination', () => viewer.media() > 50, 10_000);
    expect(destination.app.registry.list().find((client) => client.type === 'fmle-publish')?.facts.param).toBe('?token=t');
    expect(source.app.registry.list().filter((client) => client.type === 'rtmp-forward')).toHaveLength(2);
    // The dead one is retried, with backoff: a handful of tries in a second, not a storm.
    const tries = () => source.logs.filter((line) => line.msg === 'forward: connect to upstream failed').length;
    const before = tries();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(tries() - before).toBeGreaterThan(0);
    expect(tries() - before).toBeLessThan(10);
    expect(await publisher.exited).toBe(0);
    await waitFor('the forwards to stop', () => source.app.registry.list().every((client) => client.type !== 'rtmp-forward'), 5_000);
    await waitFor('the destination stream to end', () => destination.app.hub.get('__defaultVhost__/live/f')?.isActive !== true, 5_000);
  }, 60_000);
});
