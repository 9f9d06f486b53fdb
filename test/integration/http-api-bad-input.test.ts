import { afterEach, describe, expect, it } from 'vitest';
import { type Socket } from 'node:net';
import { Agent, request } from 'undici';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { publishArgs, rawExchange as raw, runFfmpeg, startTestServer, statusLine, stopProcess, waitFor, type FfmpegRun, type TestServer } from './harness.js';

describe('HTTP API bad input: each request answered or closed, streaming untouched', () => {
  let server: TestServer | undefined;
  const children: FfmpegRun[] = [];
  const clients: RtmpClient[] = [];
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const child of children.splice(0)) stopProcess(child.child);
    for (const client of clients.splice(0)) client.close();
    await server?.stop();
    server = undefined;
  });

  it('unknown ids, path tricks, a 1 MB body, a script as JSONP callback, 10,000 requests, a request never finished', async () => {
    server = await startTestServer('listen 0; http_api { enabled on; listen 0; } vhost __defaultVhost__ { play { mw_latency 100; } }', {
      http: { limits: { headersTimeoutMs: 1_000 } },
    });
    const apiPort = server.app.apiAddresses[0]!.port;
    const publisher = runFfmpeg(publishArgs(server.url('live/livestream'), 30));
    children.push(publisher);
    await waitFor('the stream to be live', () => server?.app.hub.get('__defaultVhost__/live/livestream')?.isActive);
    const player = await RtmpClient.connect(server.url('live/livestream'));
    clients.push(player);
    let frames = 0;
    player.onMessage = () => frames++;
    await player.play();

    // Unknown ids: SRS's codes, HTTP 200.
    expect(statusLine(await raw(apiPort, 'GET /api/v1/clients/zzzzzzzz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))).toBe('HTTP/1.1 200 OK');
    const unknown = await request(server.apiUrl('api/v1/clients/nobody00'), { method: 'DELETE' });
    expect(await unknown.body.text()).toBe('{"code":2049}');
    // Path tricks: dots are refused, encoded slashes are just an unknown id, extra segments are not found.
    expect(statusLine(await raw(apiPort, 'GET /api/v1/clients/../streams/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))).toBe('HTTP/1.1 400 Bad Request');
    expect((await request(server.apiUrl('api/v1/clients/a%2F..%2Fb'))).statusCode).toBe(400);
    expect(await (await request(server.apiUrl('api/v1/clients/a%2Fb%2Fc'))).body.text()).toBe('{"code":2049}');
    expect((await request(server.apiUrl('api/v1/clients/a/b'))).statusCode).toBe(404);
    // A 1 MB body is refused before it is read.
    const big = await raw(apiPort, `DELETE /api/v1/clients/x HTTP/1.1\r\nHost: x\r\nContent-Length: ${1024 * 1024}\r\n\r\n${'a'.repeat(64 * 1024)}`);
    expect(statusLine(big)).toBe('HTTP/1.1 413 Payload Too Large');
    // A JSONP callback carrying script.
    const script = await request(server.apiUrl('api/v1/versions?callback=%3Cscript%3Ealert(1)%3C%2Fscript%3E'));
    expect(script.statusCode).toBe(400);
    expect(await script.body.text()).not.toContain('<script>');
    // A request head that never ends: closed after the headers timeout (1 s here), with 408.
    const slow = await raw(apiPort, 'GET /api/v1/versions HTTP/1.1\r\nHost: x\r\nX-Slow: ', 5_000);
    expect(statusLine(slow)).toBe('HTTP/1.1 408 Request Timeout');
    expect(server.logs.some((l) => l.msg === 'http: bad request, connection closed' && l['status'] === 408)).toBe(true);

    // 10,000 requests in a burst over 16 keep-alive connections: every one answered.
    const agent = new Agent({ connections: 16, pipelining: 1 });
    try {
      const before = frames;
      const codes = await Promise.all(
        Array.from({ length: 10_000 }, async (_, i) => {
          const res = await request(server!.apiUrl(i % 2 === 0 ? 'api/v1/versions' : 'api/v1/clients/'), { dispatcher: agent });
          await res.body.text();
          return res.statusCode;
        }),
      );
      expect(codes.filter((status) => status === 200)).toHaveLength(10_000);
      await waitFor('the player to keep receiving', () => frames > before + 25);
    } finally {
      await agent.close();
    }
    expect(server.app.hub.get('__defaultVhost__/live/livestream')?.isActive).toBe(true);
  });
});
