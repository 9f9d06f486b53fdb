import { afterEach, describe, expect, it } from 'vitest';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { DEFAULT_HTTP_LIMITS } from '../../src/server/http/http-server.js';
import { deadPort, httpViewer, publishArgs, runFfmpeg, startCallbackServer, TestResources, waitFor, type HttpViewer } from './harness.js';

/**
 * lal http_notify against bad receivers (issue 14 "Bad input"): down, slow
 * (10 s), 500, garbage, accepting and never answering, and 1,000 sessions
 * in one second. Nothing may block a client or the media path; the queue
 * stays bounded; every failure and drop is counted and logged.
 */

/** A TCP server that answers any request with bytes that are not HTTP. */
async function garbageServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: TcpServer = createTcpServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end('GARBAGE \x00\x01 not http\r\n\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/garbage`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}


describe('lal http_notify: bad receivers never hold a client or the media', () => {
  const used = new TestResources();
  const extra: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await used.release();
    for (const server of extra.splice(0)) await server.close();
  });

  it('down, slow 10 s, 500, garbage, never answering: the publish and its viewer run on; failures retried, counted, logged', async () => {
    const slow = await startCallbackServer((_call, res) => void setTimeout(() => res.end('late'), 10_000).unref());
    const failing = await startCallbackServer((_call, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const silent = await startCallbackServer(() => undefined);
    const okGarbage = await startCallbackServer((_call, res) => res.end('\x00{not json'));
    const garbage = await garbageServer();
    extra.push(slow, failing, silent, okGarbage, garbage);
    const dead = `http://127.0.0.1:${await deadPort()}/down`;
    const server = await used.startServer(
      `listen 0; http_server { enabled on; listen 0; }
       http_notify { enabled on; update_interval 1; timeout 1s;
         on_pub_start ${dead}; on_sub_start ${slow.url('/sub')}; on_sub_stop ${failing.url('/stop')}; on_pub_stop ${garbage.url};
         on_update ${silent.url('/update')}; on_rtmp_connect ${okGarbage.url('/connect')}; }
       vhost __defaultVhost__ { play { mw_latency 100; } http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } }`,
    );
    const startedMs = Date.now();
    const publisher = runFfmpeg(publishArgs(server.url('live/s'), 5));
    used.children.push(publisher);
    await waitFor('the publish', () => server.logs.some((line) => line.msg === 'publish start'));
    const viewer = httpViewer(server.httpUrl('live/s.flv'));
    used.viewers.push(viewer);
    // The viewer streams while every receiver misbehaves; the publisher sends its 5 s in real time and exits cleanly.
    await waitFor('the viewer receiving media', () => viewer.body().length > 100_000, 15_000);
    expect(await publisher.exited).toBe(0);
    expect(Date.now() - startedMs).toBeLessThan(12_000);
    await viewer.done;

    const failedOf = (event: string) => server.logs.find((line) => line.msg === 'lal notify failed' && line.event === event);
    // Down, 500 and garbage are retried (1 s, 3 s) then given up; slow and silent time out, not retried (the receiver may have acted).
    const down = await waitFor('on_pub_start given up', () => failedOf('on_pub_start'), 15_000);
    expect(down).toMatchObject({ attempts: 3, reason: 'connection refused' });
    expect(await waitFor('on_sub_stop given up', () => failedOf('on_sub_stop'), 15_000)).toMatchObject({ attempts: 3, reason: 'status 500' });
    expect(await waitFor('on_pub_stop given up', () => failedOf('on_pub_stop'), 15_000)).toMatchObject({ attempts: 3 });
    expect(await waitFor('on_sub_start timed out', () => failedOf('on_sub_start'), 15_000)).toMatchObject({ attempts: 1, reason: 'timeout after 1000 ms' });
    expect(await waitFor('on_update timed out', () => failedOf('on_update'), 15_000)).toMatchObject({ attempts: 1 });
    expect(failing.calls).toHaveLength(3);
    expect(silent.calls.length).toBeGreaterThan(0);
    // A 200 with a garbage body is delivered: lal never reads the answer.
    expect(okGarbage.calls).toHaveLength(1);
    const stats = server.app.hooks.stats().http_notify!;
    expect(stats.delivered).toBe(1);
    expect(stats.retried).toBeGreaterThanOrEqual(6);
    expect(stats.failed).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('1,000 sessions in one second with a receiver that never answers: every client admitted at once, media flows, queue bounded, drops counted and logged, no stop without its start', async () => {
    const silent = await startCallbackServer(() => undefined);
    extra.push(silent);
    const queue = 200;
    const server = await used.startServer(
      `listen 0; max_connections 3000; http_server { enabled on; listen 0; } hooks { queue ${queue}; concurrency 8; }
       http_notify { enabled on; timeout 1s; on_sub_start ${silent.url('/on_sub_start')}; on_sub_stop ${silent.url('/on_sub_stop')}; }
       vhost __defaultVhost__ { play { mw_latency 100; } http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } }`,
      // The listener's own socket bound (1,000) would refuse the watcher's neighbour: room for 1,000 plus the watcher.
      { http: { limits: { ...DEFAULT_HTTP_LIMITS, maxSockets: 1100 } } },
    );
    const publisher = runFfmpeg(publishArgs(server.url('live/s'), 30, ['-s', '160x120']));
    used.children.push(publisher);
    await waitFor('the publish', () => server.logs.some((line) => line.msg === 'publish start'));
    const watcher = httpViewer(server.httpUrl('live/s.flv'));
    used.viewers.push(watcher);
    await waitFor('media to the watcher', () => watcher.body().length > 10_000, 15_000);

    const heapBefore = process.memoryUsage().heapUsed;
    const storm: HttpViewer[] = [];
    for (let i = 0; i < 1000; i++) storm.push(httpViewer(server.httpUrl(`live/w.flv?n=${i}`)));
    used.viewers.push(...storm);
    const bytesAtStorm = watcher.body().length;
    const heads = await Promise.all(storm.map((viewer) => viewer.head));
    expect(heads.every((head) => head.status === 200)).toBe(true);
    // The media path went on during the storm.
    await waitFor('more media to the watcher', () => watcher.body().length > bytesAtStorm + 10_000, 10_000);

    const stats = server.app.hooks.stats().http_notify!;
    // Each admitted start holds room for its stop: at most queue/2 of them waited, the rest were dropped.
    expect(stats.dropped).toBeGreaterThanOrEqual(1000 - queue);
    const dropLines = (): number => server.logs.filter((line) => line.msg === 'lal notify dropped').length;
    expect(dropLines()).toBe(server.app.hooks.stats().http_notify!.dropped);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);

    for (const viewer of storm) viewer.close();
    await waitFor('every storm viewer gone', () => server.app.registry.size <= 2, 15_000);
    await server.stop();
    used.server = undefined;
    // Shutdown dropped what was still queued: counted and logged too.
    expect(dropLines()).toBe(server.app.hooks.stats().http_notify!.dropped);
    const started = new Set(silent.calls.filter((call) => call.path === '/on_sub_start').map((call) => call.json.session_id));
    const stopped = silent.calls.filter((call) => call.path === '/on_sub_stop').map((call) => call.json.session_id);
    expect(started.size).toBeLessThanOrEqual(queue);
    for (const id of stopped) expect(started.has(id)).toBe(true);
  }, 60_000);
});
