import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { httpViewer, publishArgs, rawExchange, runFfmpeg, statusLine, TestResources, waitFor, type HttpViewer, type TestServer } from './harness.js';

const SECRET = 'the-secret-beside-dir';

/** http_server serving `<root>/html`, with `<root>/secret.txt` beside it, and an HTTP-FLV mount. */
function siteConfig(extra = ''): { config: string; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'srs-http-bad-'));
  mkdirSync(join(root, 'html'));
  writeFileSync(join(root, 'html', 'index.html'), 'hello\n');
  writeFileSync(join(root, 'secret.txt'), SECRET);
  const config = `listen 0; http_server { enabled on; listen 0; dir ${join(root, 'html')}; }
    vhost __defaultVhost__ { play { mw_latency 100; ${extra} } http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } }`;
  return { config, root };
}

/** Resolves once the viewer got `bytes` more body bytes than it has now. */
async function keepsReceiving(viewer: HttpViewer, what: string, bytes = 20_000): Promise<void> {
  const before = viewer.body().length;
  await waitFor(`${what} keeps receiving`, () => viewer.body().length > before + bytes, 10_000);
}

function openRaw(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    // Flowing, so the server's FIN is read and the socket closes.
    socket.resume();
    socket.once('connect', () => resolve(socket));
    socket.once('close', () => resolve(socket));
  });
}

function warnings(server: TestServer, msg: string): Record<string, unknown>[] {
  return server.logs.filter((line) => line.msg === msg && line.level === 40);
}

describe('HTTP bad input: each connection answered or closed alone, the publisher and other viewers untouched', () => {
  const used = new TestResources();
  afterEach(() => used.release());

  it('garbage, a 1 MB URL and header, a slow head, traversal and NUL, POST/PUT on a stream: exact statuses and a log line each', async () => {
    const site = siteConfig();
    const server = await used.startServer(site.config, { http: { limits: { headersTimeoutMs: 1_000 } } });
    const publisher = runFfmpeg(publishArgs(server.url('live/livestream'), 60));
    used.children.push(publisher);
    await waitFor('the stream to be live', () => server.app.hub.get('__defaultVhost__/live/livestream')?.isActive);
    const viewer = httpViewer(server.httpUrl('live/livestream.flv'));
    used.viewers.push(viewer);
    expect((await viewer.head).status).toBe(200);
    const player = await RtmpClient.connect(server.url('live/livestream'));
    used.clients.push(player);
    let frames = 0;
    player.onMessage = () => frames++;
    await player.play();
    const port = server.httpPort;

    const badRequest = async (bytes: string, ms?: number): Promise<string> => statusLine(await rawExchange(port, bytes, ms));
    expect(await badRequest('GARBAGE\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect(await badRequest(`\x16\x03\x01${randomBytes(64).toString('latin1')}`)).toBe('HTTP/1.1 400 Bad Request');
    expect(await badRequest(`GET /${'a'.repeat(1 << 20)} HTTP/1.1\r\nHost: x\r\n\r\n`)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(await badRequest(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(1 << 20)}\r\n\r\n`)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    // Slowloris: a head that never ends is cut at headersTimeoutMs.
    const slowStarted = Date.now();
    expect(await badRequest('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n', 10_000)).toBe('HTTP/1.1 408 Request Timeout');
    expect(Date.now() - slowStarted).toBeLessThan(9_000);
    const badHeads = warnings(server, 'http: bad request, connection closed').map((line) => line['status']);
    expect(badHeads).toEqual([400, 400, 431, 431, 408]);
    expect(warnings(server, 'http: bad request, connection closed').every((line) => typeof line['code'] === 'string' && typeof line['ip'] === 'string')).toBe(true);

    // Paths that try to leave dir: none serves the file beside it; each is a plain 4xx.
    for (const target of ['/../secret.txt', '/../../etc/passwd', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/%2e%2e%2fsecret.txt', '/index.html%00.flv', '/a%00b', '/..\\secret.txt']) {
      const reply = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(statusLine(reply), target).toMatch(/^HTTP\/1\.1 40[04] /);
      expect(reply).not.toContain(SECRET);
      expect(reply).not.toContain('root:');
    }
    const refusedFiles = server.logs.filter((line) => line.msg === 'http file' && (line['status'] === 400 || line['status'] === 404));
    expect(refusedFiles.length).toBeGreaterThanOrEqual(8);
    // A raw NUL byte in the request line is not HTTP at all.
    expect(await badRequest('GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect(statusLine(await rawExchange(port, 'GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))).toBe('HTTP/1.1 200 OK');

    // Methods a live stream does not take.
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const reply = await rawExchange(port, `${method} /live/livestream.flv HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`);
      expect(statusLine(reply), method).toBe('HTTP/1.1 405 Method Not Allowed');
      expect(reply).toMatch(/\r\nallow: GET, HEAD\r\n/i);
    }

    // Everyone else went on: the publisher was never cut, both viewers still receive.
    await keepsReceiving(viewer, 'the HTTP-FLV viewer');
    const framesBefore = frames;
    await waitFor('the RTMP player keeps receiving', () => frames > framesBefore + 25, 10_000);
    expect(publisher.child.exitCode).toBeNull();
    expect(server.logs.filter((line) => line.msg === 'viewer end' || line.msg === 'session end')).toEqual([]);
  }, 60_000);

  it('2000 idle connections: past maxSockets dropped at accept, the rest cut by the head timeout; viewers go on, a new one joins after', async () => {
    const site = siteConfig();
    const server = await used.startServer(site.config, { http: { limits: { maxSockets: 200, headersTimeoutMs: 1_500 } } });
    const publisher = runFfmpeg(publishArgs(server.url('live/livestream'), 60));
    used.children.push(publisher);
    await waitFor('the stream to be live', () => server.app.hub.get('__defaultVhost__/live/livestream')?.isActive);
    const viewer = httpViewer(server.httpUrl('live/livestream.flv'));
    used.viewers.push(viewer);
    expect((await viewer.head).status).toBe(200);

    const idle: Socket[] = [];
    try {
      for (let batch = 0; batch < 20; batch++) idle.push(...(await Promise.all(Array.from({ length: 100 }, () => openRaw(server.httpPort)))));
      await keepsReceiving(viewer, 'the viewer while 2000 sockets idle');
      // Each idle socket is either dropped at accept (counted on one warn line per second) or kept
      // and closed with 408 once the head timeout passes; the client sees every one close.
      const dropped = (): number => warnings(server, 'http: drop connection, too many sockets').reduce((sum, line) => sum + Number(line['dropped']), 0);
      const headTimeouts = (): number => warnings(server, 'http: bad request, connection closed').filter((line) => line['code'] === 'ERR_HTTP_HEAD_TIMEOUT').length;
      await waitFor('every idle socket accounted for', () => dropped() + headTimeouts() === 2_000, 15_000);
      expect(dropped()).toBeGreaterThan(0);
      expect(headTimeouts()).toBeGreaterThan(0);
      expect(warnings(server, 'http: drop connection, too many sockets').length).toBeLessThan(30);
      expect(warnings(server, 'http: drop connection, too many sockets')[0]).toMatchObject({ max: 200 });
      await waitFor('every idle socket closed', () => idle.every((socket) => socket.destroyed), 15_000);
    } finally {
      for (const socket of idle) socket.destroy();
    }
    await keepsReceiving(viewer, 'the viewer after the idle sockets');
    const late = httpViewer(server.httpUrl('live/livestream.flv'));
    used.viewers.push(late);
    expect((await late.head).status).toBe(200);
    await keepsReceiving(late, 'the new viewer');
    expect(publisher.child.exitCode).toBeNull();
  }, 60_000);

  it('a viewer that never reads is dropped by the stall bound with its on_stop; the other viewer and the publisher go on', async () => {
    const hooks = await used.startHooks();
    const site = siteConfig('queue_length 2;');
    const config = site.config.replace('http_remux', `http_hooks { enabled on; on_play ${hooks.url('/play')}; on_stop ${hooks.url('/stop')}; } http_remux`);
    const server = await used.startServer(config, { http: { playerLimits: { maxWritableBytes: 256 * 1024 } } });
    // A fat synthetic stream (about 6 MB/s) fills the stalled viewer's socket buffers within seconds.
    const publisher = await RtmpClient.connect(server.url('live/fat'));
    used.clients.push(publisher);
    await publisher.publish();
    let ts = 0;
    const send = (): void => {
      for (let i = 0; i < 4; i++) {
        const payload = randomBytes(60_000);
        payload[0] = ts % 1000 === 0 ? 0x17 : 0x27;
        payload[1] = 1;
        publisher.sendMedia('video', ts, payload);
        ts += 40;
      }
    };
    send();
    const timer = setInterval(send, 40);
    try {
      const healthy = httpViewer(server.httpUrl('live/fat.flv'));
      used.viewers.push(healthy);
      expect((await healthy.head).status).toBe(200);
      // The stalled one reads its head, then nothing more.
      const stalled = await openRaw(server.httpPort);
      stalled.write('GET /live/fat.flv HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise<void>((resolve) => stalled.once('data', () => resolve()));
      stalled.pause();
      used.clients.push({ close: () => stalled.destroy() });

      const ended = await waitFor('the stalled viewer ended', () => server.logs.find((line) => line.msg === 'viewer end' && String(line['detail']).startsWith('player stalled')), 25_000);
      expect(ended['reason']).toBe('timeout');
      const stops = await waitFor('on_stop of the stalled viewer', () => {
        const found = hooks.calls.filter((call) => call.path === '/stop');
        return found.length === 1 ? found : undefined;
      });
      expect(stops[0]!.json).toMatchObject({ action: 'on_stop', stream: 'fat', client_id: ended['cid'] });
      await keepsReceiving(healthy, 'the healthy viewer', 500_000);
      expect(hooks.calls.filter((call) => call.path === '/stop')).toHaveLength(1);
    } finally {
      clearInterval(timer);
    }
  }, 60_000);
});
