import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createApiServer, TOKEN_ERROR_CODE } from '../../../research/api-server/server.js';
import { signToken } from '../../../research/api-server/token.js';
import { runApiServerCli } from '../../../research/api-server/cli.js';
import { signatureHeaders } from '../../../src/hooks/signature.js';

const NOW = 1_700_000_000;
const SECRET = 'k3y';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function call(port: number, path: string, method: 'GET' | 'POST', body?: unknown): Promise<{ status: number; text: string; type: string }> {
  const response = await request(`http://127.0.0.1:${port}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.statusCode, text: await response.body.text(), type: String(response.headers['content-type']) };
}

const hook = (action: string, extra: Record<string, unknown> = {}) => ({
  server_id: 'vid-1',
  service_id: 's1',
  action,
  client_id: '3y1tcaw2',
  ip: '127.0.0.1',
  vhost: '__defaultVhost__',
  app: 'live',
  stream: 'livestream',
  param: '',
  ...extra,
});

describe('research/api-server without a secret', () => {
  let server: Server;
  let port: number;
  const logs: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    server = createApiServer({ log: (line) => logs.push(line) });
    port = await listen(server);
  });
  afterAll(() => close(server));

  it('serves the /api/v1 index', async () => {
    const index = await call(port, '/api/v1', 'GET');
    expect(index.status).toBe(200);
    expect(Object.keys((JSON.parse(index.text) as { urls: object }).urls)).toEqual(['clients', 'streams', 'sessions', 'dvrs', 'hls']);
  });

  it.each([
    ['/api/v1/clients', 'on_connect'],
    ['/api/v1/clients', 'on_close'],
    ['/api/v1/streams', 'on_publish'],
    ['/api/v1/streams', 'on_unpublish'],
    ['/api/v1/sessions', 'on_play'],
    ['/api/v1/sessions', 'on_stop'],
    ['/api/v1/dvrs', 'on_dvr'],
    ['/api/v1/hls', 'on_hls'],
  ])('%s answers %s with {"code":0,"data":null} and logs one line', async (path, action) => {
    const before = logs.length;
    const answer = await call(port, path, 'POST', hook(action));
    expect(answer).toEqual({ status: 200, text: '{"code":0,"data":null}', type: 'application/json' });
    expect(logs.length - before).toBe(1);
    expect(logs.at(-1)).toMatchObject({ endpoint: path, event: action, client_id: '3y1tcaw2', verdict: 'allow' });
  });

  it('answers HTTP 500 text for a wrong action or bad JSON (as server.go)', async () => {
    expect(await call(port, '/api/v1/streams', 'POST', hook('on_play'))).toMatchObject({ status: 500, text: 'invalid action on_play for /api/v1/streams' });
    const bad = await call(port, '/api/v1/clients', 'POST', '{not json');
    expect(bad.status).toBe(500);
    expect(bad.type).toMatch(/^text\/plain/);
  });

  it('answers {} to other methods and 404 elsewhere; echoes on_hls_notify GETs', async () => {
    expect(await call(port, '/api/v1/streams', 'GET')).toMatchObject({ status: 200, text: '{}' });
    expect((await call(port, '/nope', 'GET')).status).toBe(404);
    expect(JSON.parse((await call(port, '/api/v1/hls/live/s/1.ts?x=1', 'GET')).text)).toEqual({ args: ['live', 's', '1.ts'], kwargs: { x: '1' } });
  });

  it('publishes without a token when no secret is set', async () => {
    expect((await call(port, '/api/v1/streams', 'POST', hook('on_publish'))).text).toBe('{"code":0,"data":null}');
  });
});

describe('research/api-server with --secret (token auth)', () => {
  let server: Server;
  let port: number;
  const logs: Array<Record<string, unknown>> = [];
  const param = (expire: number, token = signToken(SECRET, 'live', 'livestream', expire)): string => `?expire=${expire}&token=${token}`;

  beforeAll(async () => {
    server = createApiServer({ secret: SECRET, log: (line) => logs.push(line), nowSec: () => NOW });
    port = await listen(server);
  });
  afterAll(() => close(server));

  it.each(['on_publish', 'on_play'])('%s with a valid token passes', async (action) => {
    const path = action === 'on_publish' ? '/api/v1/streams' : '/api/v1/sessions';
    expect((await call(port, path, 'POST', hook(action, { param: param(NOW + 60) }))).text).toBe('{"code":0,"data":null}');
    expect(logs.at(-1)).toMatchObject({ event: action, verdict: 'allow', reason: 'token valid' });
  });

  it.each([
    ['missing', ''],
    ['wrong', param(NOW + 60, signToken('not-the-secret', 'live', 'livestream', NOW + 60))],
    ['expired', param(NOW - 1)],
    ['malformed', '?expire=tomorrow&token=zz'],
  ] as const)('on_publish with a %s token is refused with a non-zero code and a log line saying why', async (reason, value) => {
    const answer = await call(port, '/api/v1/streams', 'POST', hook('on_publish', { param: value }));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ code: TOKEN_ERROR_CODE[reason], data: null, msg: `token ${reason}` });
    expect(logs.at(-1)).toMatchObject({ event: 'on_publish', verdict: 'deny', reason: `token ${reason}` });
  });

  it('does not gate the other actions', async () => {
    expect((await call(port, '/api/v1/clients', 'POST', hook('on_connect'))).text).toBe('{"code":0,"data":null}');
    expect((await call(port, '/api/v1/streams', 'POST', hook('on_unpublish'))).text).toBe('{"code":0,"data":null}');
  });
});

describe('api-server command line', () => {
  const io = (out: string[], err: string[]) => ({ stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l), env: {}, nowSec: () => NOW });

  it('mint prints the URL with expire and token', async () => {
    const out: string[] = [];
    const result = await runApiServerCli(['mint', '--secret', SECRET, '--url', 'rtmp://127.0.0.1/live/livestream', '--ttl', '600'], io(out, []));
    expect(result).toEqual({ exitCode: 0 });
    expect(out).toEqual([`rtmp://127.0.0.1/live/livestream?expire=${NOW + 600}&token=${signToken(SECRET, 'live', 'livestream', NOW + 600)}`]);
  });

  it('mint refuses a missing secret or a bad URL with exit code 2', async () => {
    const err: string[] = [];
    expect(await runApiServerCli(['mint', '--url', 'rtmp://h/live/s'], io([], err))).toEqual({ exitCode: 2 });
    expect(await runApiServerCli(['mint', '--secret', 'x', '--url', 'rtmp://h/'], io([], err))).toEqual({ exitCode: 2 });
    expect(await runApiServerCli(['--port', 'x'], io([], err))).toEqual({ exitCode: 2 });
    expect(err).toHaveLength(3);
  });

  it('--port 0 listens on an ephemeral port and prints it in the first log line; tokens minted by the CLI pass', async () => {
    const out: string[] = [];
    const result = await runApiServerCli(['--port', '0', '--host', '127.0.0.1', '--secret', SECRET], io(out, []));
    if (!('server' in result)) throw new Error('expected a server');
    try {
      const first = JSON.parse(out[0]!) as { port: number; token_auth: boolean };
      expect(first).toMatchObject({ msg: 'api server listening', port: result.port, token_auth: true });
      expect(first.port).toBeGreaterThan(0);
      const minted: string[] = [];
      await runApiServerCli(['mint', '--secret', SECRET, '--url', 'rtmp://127.0.0.1/live/livestream'], io(minted, []));
      const query = minted[0]!.slice(minted[0]!.indexOf('?'));
      expect((await call(first.port, '/api/v1/sessions', 'POST', hook('on_play', { param: query }))).text).toBe('{"code":0,"data":null}');
      expect((await call(first.port, '/api/v1/sessions', 'POST', hook('on_play', { param: '' }))).text).toContain('"code":4001');
      const events = out.slice(1).map((line) => JSON.parse(line) as { event: string; verdict: string });
      expect(events.map((e) => [e.event, e.verdict])).toEqual([
        ['on_play', 'allow'],
        ['on_play', 'deny'],
      ]);
    } finally {
      await close(result.server);
    }
  });
});

describe('research/api-server with --signing-secret (signed callbacks)', () => {
  let server: Server;
  let port: number;
  const logs: Array<Record<string, unknown>> = [];
  const SIGNING = 'whsec_sample';

  beforeAll(async () => {
    server = createApiServer({ signingSecret: SIGNING, log: (line) => logs.push(line), nowSec: () => NOW });
    port = await listen(server);
  });
  afterAll(() => close(server));

  const signed = async (body: string, headers: Record<string, string>) => {
    const response = await request(`http://127.0.0.1:${port}/api/v1/clients`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    return { status: response.statusCode, text: await response.body.text() };
  };

  it('accepts a request signed with the secret and a fresh timestamp', async () => {
    const body = JSON.stringify(hook('on_close'));
    expect(await signed(body, signatureHeaders(SIGNING, NOW - 30, body))).toEqual({ status: 200, text: '{"code":0,"data":null}' });
  });

  it.each([
    ['wrong', (body: string) => signatureHeaders('not-the-secret', NOW, body)],
    ['stale', (body: string) => signatureHeaders(SIGNING, NOW - 301, body)],
    ['missing', () => ({})],
    ['wrong', (body: string) => signatureHeaders(SIGNING, NOW, body.replace('on_close', 'on_connect'))],
  ] as const)('refuses a %s signature with HTTP 401 (SRS denies) and logs why', async (reason, headersOf) => {
    const body = JSON.stringify(hook('on_close'));
    expect((await signed(body, headersOf(body))).status).toBe(401);
    expect(logs.at(-1)).toMatchObject({ verdict: 'deny', reason: `signature ${reason}` });
  });
});
