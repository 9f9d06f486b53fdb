import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHookHttpClient, type HttpPostOptions } from '../../../src/hooks/http-client.js';
import { answer, refusedPort, startHttpServer, type TestHttpServer } from './helpers.js';

const OPTIONS: HttpPostOptions = { timeoutMs: 300, maxResponseBytes: 64 * 1024, tlsVerify: true };

describe('hook http client (real server, real undici)', () => {
  let server: TestHttpServer;
  const client = createHookHttpClient();

  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      const path = req.path.split('?')[0];
      if (path === '/ok') return answer(res, 200, '{"code":0}');
      if (path === '/redirect') return answer(res, 302, '', { location: '/ok' });
      if (path === '/500') return answer(res, 500, 'boom');
      if (path === '/big') return answer(res, 200, Buffer.alloc(64 * 1024 + 1, 0x20));
      if (path === '/big-chunked') {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 20; i++) res.write(Buffer.alloc(4096, 0x20));
        return res.end('0');
      }
      if (path === '/exact') return answer(res, 200, Buffer.alloc(64 * 1024, 0x20));
      if (path === '/processing') {
        // A 102 head first: the client must wait for the real one.
        res.writeProcessing();
        return answer(res, 200, '0');
      }
      // '/hang': never answer.
    });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('POSTs compact JSON with the content type and returns status and body', async () => {
    const result = await client.post(server.url('/ok?x=1'), '{"a":1}', OPTIONS);
    expect(result).toEqual({ kind: 'response', status: 200, body: Buffer.from('{"code":0}') });
    const seen = server.requests.find((r) => r.path === '/ok?x=1')!;
    expect(seen.method).toBe('POST');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.body).toBe('{"a":1}');
  });

  it('does not follow redirects', async () => {
    const before = server.requests.filter((r) => r.path === '/ok').length;
    const result = await client.post(server.url('/redirect'), '{}', OPTIONS);
    expect(result).toMatchObject({ kind: 'response', status: 302 });
    expect(server.requests.filter((r) => r.path === '/ok').length).toBe(before);
  });

  it('returns a 500 as a response to judge', async () => {
    expect(await client.post(server.url('/500'), '{}', OPTIONS)).toMatchObject({ kind: 'response', status: 500 });
  });

  it('fails a body over the cap, declared or streamed, and accepts one at the cap', async () => {
    expect(await client.post(server.url('/big'), '{}', OPTIONS)).toMatchObject({ kind: 'failure', failure: 'too_large', status: 200 });
    expect(await client.post(server.url('/big-chunked'), '{}', OPTIONS)).toMatchObject({ kind: 'failure', failure: 'too_large' });
    const exact = await client.post(server.url('/exact'), '{}', OPTIONS);
    expect(exact.kind === 'response' && exact.body.length).toBe(64 * 1024);
  });

  it('times out a hung server', async () => {
    expect(await client.post(server.url('/hang'), '{}', OPTIONS)).toEqual({ kind: 'failure', failure: 'timeout', message: 'timeout after 300 ms' });
  });

  it('reports a refused connection', async () => {
    const port = await refusedPort();
    expect(await client.post(`http://127.0.0.1:${port}/x`, '{}', OPTIONS)).toMatchObject({ kind: 'failure', failure: 'refused' });
  });

  it('honours the caller abort signal while waiting', async () => {
    const controller = new AbortController();
    const pending = client.post(server.url('/hang'), '{}', { ...OPTIONS, timeoutMs: 10_000, signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect(await pending).toMatchObject({ kind: 'failure', failure: 'aborted' });
  });

  it('waits past a 1xx head for the final response', async () => {
    expect(await client.post(server.url('/processing'), '{}', OPTIONS)).toEqual({ kind: 'response', status: 200, body: Buffer.from('0') });
  });

  it('answers a request still queued for a pooled socket at its own deadline', async () => {
    const single = createHookHttpClient({ connectionsPerOrigin: 1, keepAliveTimeoutMs: 4_000, keepAliveMaxTimeoutMs: 60_000 });
    try {
      const busy = single.post(server.url('/hang'), '{}', { ...OPTIONS, timeoutMs: 2_000 });
      const startedMs = performance.now();
      expect(await single.post(server.url('/ok'), '{}', { ...OPTIONS, timeoutMs: 100 })).toMatchObject({ kind: 'failure', failure: 'timeout' });
      expect(performance.now() - startedMs).toBeLessThan(1_000);
      expect(await busy).toMatchObject({ kind: 'failure', failure: 'timeout' });
    } finally {
      await single.close();
    }
  });

  it('reuses kept-alive connections for the next burst of calls', async () => {
    const burst = async (): Promise<void> => {
      const results = await Promise.all(Array.from({ length: 5 }, () => client.post(server.url('/ok'), '{}', OPTIONS)));
      for (const result of results) expect(result).toMatchObject({ kind: 'response', status: 200 });
    };
    await burst();
    const before = server.connections;
    await burst();
    // undici marks the socket of the last answer free only after a tick, so one more may open.
    expect(server.connections - before).toBeLessThanOrEqual(1);
  });

  it('refuses non-http URLs without a request', async () => {
    expect(await client.post('ftp://127.0.0.1/x', '{}', OPTIONS)).toMatchObject({ kind: 'failure', failure: 'bad_url' });
  });
});

describe('hook http client over HTTPS (self-signed certificate)', () => {
  let dir: string;
  let server: Server;
  let port: number;
  const client = createHookHttpClient();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'srs-hooks-tls-'));
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    expect(made.status, made.stderr.toString()).toBe(0);
    server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"code":0}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies certificates by default', async () => {
    const result = await client.post(`https://127.0.0.1:${port}/`, '{}', OPTIONS);
    expect(result).toMatchObject({ kind: 'failure', failure: 'tls' });
  });

  it('accepts a self-signed certificate only when verification is turned off', async () => {
    expect(await client.post(`https://127.0.0.1:${port}/`, '{}', { ...OPTIONS, tlsVerify: false })).toMatchObject({ kind: 'response', status: 200 });
  });
});
