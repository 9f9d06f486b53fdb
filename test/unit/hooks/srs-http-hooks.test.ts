import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.js';
import { createHookSystem, type HookSystem } from '../../../src/hooks/hook-system.js';
import type { SessionEvent } from '../../../src/hooks/events.js';
import { answer, captureLogger, makeConfig, makeEvent, makeHttpHooks, makeVhost, refusedPort, startHttpServer, waitFor, type TestHttpServer } from './helpers.js';

const IDS = { serverId: 'vid-0xk9a1b', serviceId: 'p4s8m2q7' };

/** Routes by path: `/ok`, `/ok201`, `/deny403`, `/redirect`, `/500`, `/empty`, `/garbage`, `/code1`, `/big`, `/hang`, `/slow/<ms>`. */
function route(path: string, res: Parameters<Parameters<typeof startHttpServer>[0]>[1]): void {
  const p = path.split('?')[0]!;
  if (p === '/ok') return answer(res, 200, '0');
  if (p === '/ok-json') return answer(res, 200, '{"code":0,"data":null}');
  if (p === '/ok201') return answer(res, 201, '{"code":0}');
  if (p === '/deny403') return answer(res, 403, '{"code":0}');
  if (p === '/redirect') return answer(res, 302, '', { location: '/ok' });
  if (p === '/500') return answer(res, 500, 'internal');
  if (p === '/empty') return answer(res, 200, '');
  if (p === '/garbage') return answer(res, 200, '<html>nope</html>');
  if (p === '/code1') return answer(res, 200, '{"code":1}');
  if (p === '/big') return answer(res, 200, Buffer.alloc(64 * 1024 + 10, 0x20));
  const slow = /^\/slow\/(\d+)$/.exec(p);
  if (slow !== null) {
    setTimeout(() => answer(res, 200, '0'), Number(slow[1]));
    return;
  }
  // '/hang' and anything else: never answer.
}

describe('SRS http_hooks sink (through createHookSystem, real HTTP)', () => {
  let server: TestHttpServer;
  let config: Config;
  let system: HookSystem;
  const { logger, lines } = captureLogger();

  function useHooks(hooks: Parameters<typeof makeHttpHooks>[0], more: { vhosts?: ReturnType<typeof makeVhost>[]; queueSize?: number; concurrency?: number } = {}): void {
    config = makeConfig({
      vhosts: [makeVhost('__defaultVhost__', makeHttpHooks({ timeoutMs: 400, ...hooks })), ...(more.vhosts ?? [])],
      hooks: { queueSize: more.queueSize ?? 1000, concurrency: more.concurrency ?? 10 },
    });
  }
  const url = (path: string): string => server.url(path);
  const bodies = (action: string): Array<Record<string, unknown>> =>
    server.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>).filter((b) => b['action'] === action);

  beforeAll(async () => {
    server = await startHttpServer((req, res) => route(req.path, res));
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(async () => {
    await system.close();
    server.requests.length = 0;
  });

  function build(retryDelaysMs: number[] = [10, 20]): HookSystem {
    system = createHookSystem({ getConfig: () => config, logger, ...IDS, retryDelaysMs });
    return system;
  }

  it('allows on 200 + 0 and POSTs the exact SRS body', async () => {
    useHooks({ onConnect: [url('/ok')] });
    const verdict = await build().gate(makeEvent({ type: 'connect' }), new AbortController().signal);
    expect(verdict).toEqual({ allow: true });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
    expect(server.requests[0]!.body).toBe(
      '{"server_id":"vid-0xk9a1b","service_id":"p4s8m2q7","action":"on_connect","client_id":"3y1tcaw2","ip":"127.0.0.1","vhost":"__defaultVhost__","app":"live","stream":"livestream","param":"?token=abc","tcUrl":"rtmp://127.0.0.1:1935/live","pageUrl":""}',
    );
  });

  it.each([
    ['/ok-json', true],
    ['/ok201', true],
  ])('allows %s', async (path, allow) => {
    useHooks({ onPublish: [url(path)] });
    expect((await build().gate(makeEvent({ type: 'publish' }), new AbortController().signal)).allow).toBe(allow);
  });

  it.each([
    ['/deny403', 'on_publish denied: http status 403'],
    ['/redirect', 'on_publish denied: http status 302'],
    ['/500', 'on_publish denied: http status 500'],
    ['/empty', 'on_publish denied: empty response'],
    ['/garbage', 'on_publish denied: not json'],
    ['/code1', 'on_publish denied: response code 1'],
    ['/big', 'on_publish denied: response body over 65536 bytes'],
    ['/hang', 'on_publish denied: timeout after 400 ms'],
  ])('denies %s with a reason naming the hook, not the URL', async (path, reason) => {
    useHooks({ onPublish: [url(path)] });
    const verdict = await build().gate(makeEvent({ type: 'publish' }), new AbortController().signal);
    expect(verdict).toEqual({ allow: false, hook: 'on_publish', reason });
    expect(reason).not.toContain('127.0.0.1');
    // The URL is logged server-side, with the duration.
    const line = lines.findLast((l) => l.msg === 'Hook execution' && l['target'] === url(path));
    expect(line).toMatchObject({ event: 'on_publish', sink: 'http_hooks', outcome: path === '/hang' ? 'timeout' : 'failed' });
    expect(typeof line?.['duration_ms']).toBe('number');
  });

  it('denies on a refused connection', async () => {
    const port = await refusedPort();
    useHooks({ onPlay: [`http://127.0.0.1:${port}/api/v1/sessions`] });
    expect(await build().gate(makeEvent({ type: 'play' }), new AbortController().signal)).toEqual({
      allow: false,
      hook: 'on_play',
      reason: 'on_play denied: connection refused',
    });
  });

  it('calls every URL in order; the second denies', async () => {
    useHooks({ onConnect: [url('/ok?n=1'), url('/deny403?n=2')] });
    const verdict = await build().gate(makeEvent(), new AbortController().signal);
    expect(verdict.allow).toBe(false);
    expect(server.requests.map((r) => r.path)).toEqual(['/ok?n=1', '/deny403?n=2']);
  });

  it('stops at the first denial: the second URL is never called', async () => {
    useHooks({ onConnect: [url('/500?n=1'), url('/ok?n=2')] });
    const verdict = await build().gate(makeEvent(), new AbortController().signal);
    expect(verdict).toMatchObject({ allow: false, hook: 'on_connect' });
    expect(server.requests.map((r) => r.path)).toEqual(['/500?n=1']);
  });

  it('allows without any call when http_hooks is disabled or the directive is empty', async () => {
    useHooks({ enabled: false, onConnect: [url('/deny403')] });
    expect(await build().gate(makeEvent(), new AbortController().signal)).toEqual({ allow: true });
    await system.close();
    useHooks({ onConnect: [] });
    expect(await build().gate(makeEvent(), new AbortController().signal)).toEqual({ allow: true });
    expect(server.requests).toHaveLength(0);
  });

  it('reads the live config at each event (reload applies to the next event)', async () => {
    useHooks({ onConnect: [url('/deny403')] });
    const hooks = build();
    expect((await hooks.gate(makeEvent(), new AbortController().signal)).allow).toBe(false);
    useHooks({ onConnect: [url('/ok')] });
    expect((await hooks.gate(makeEvent(), new AbortController().signal)).allow).toBe(true);
  });

  it('honours the session abort signal while a callback hangs', async () => {
    useHooks({ onPlay: [url('/hang')], timeoutMs: 10_000 });
    const controller = new AbortController();
    const pending = build().gate(makeEvent({ type: 'play' }), controller.signal);
    await waitFor('request arrived', () => server.requests.length === 1);
    controller.abort();
    expect(await pending).toMatchObject({ allow: false, hook: 'on_play' });
  });

  it('a hung callback on one vhost does not delay another vhost', async () => {
    const other = makeVhost('other.vhost', makeHttpHooks({ onPublish: [url('/ok?v=other')] }));
    useHooks({ onPublish: [url('/hang')], timeoutMs: 10_000 }, { vhosts: [other] });
    const hooks = build();
    const controller = new AbortController();
    const hung = hooks.gate(makeEvent({ type: 'publish', clientId: 'hung0001' }), controller.signal);
    await waitFor('hung request arrived', () => server.requests.length === 1);
    const verdict = await hooks.gate(makeEvent({ type: 'publish', vhost: 'other.vhost', clientId: 'fast0001' }), new AbortController().signal);
    expect(verdict).toEqual({ allow: true });
    controller.abort();
    expect((await hung).allow).toBe(false);
  });

  it('uses the vhost timeout, else the global hooks timeout', async () => {
    useHooks({ onPublish: [url('/hang')], timeoutMs: undefined });
    config = { ...config, hooks: { ...config.hooks, timeoutMs: 250 } };
    expect(await build().gate(makeEvent({ type: 'publish' }), new AbortController().signal)).toMatchObject({ reason: 'on_publish denied: timeout after 250 ms' });
  });

  it('notifies on_unpublish/on_stop/on_close to every URL; on_close needs a parsed connect', async () => {
    useHooks({ onUnpublish: [url('/ok?a'), url('/code1?b')], onStop: [url('/ok?s')], onClose: [url('/ok?c')] });
    const hooks = build();
    hooks.notify(makeEvent({ type: 'unpublish' }));
    hooks.notify(makeEvent({ type: 'stop' }));
    hooks.notify(makeEvent({ type: 'close', tcUrl: '', clientId: 'noconnct' }));
    hooks.notify(makeEvent({ type: 'close', sendBytes: 10, recvBytes: 20 }));
    hooks.notify(makeEvent({ type: 'accept' }));
    hooks.notify(makeEvent({ type: 'connect' }));
    await hooks.drain(2_000);
    expect(server.requests.map((r) => r.path).sort()).toEqual(['/code1?b', '/ok?a', '/ok?c', '/ok?s']);
    expect(bodies('on_close')).toEqual([
      { server_id: 'vid-0xk9a1b', service_id: 'p4s8m2q7', action: 'on_close', client_id: '3y1tcaw2', ip: '127.0.0.1', vhost: '__defaultVhost__', app: 'live', send_bytes: 10, recv_bytes: 20 },
    ]);
  });

  it('retries a failing notification with backoff, then counts it failed', async () => {
    useHooks({ onClose: [url('/500')] });
    const hooks = build([10, 20]);
    hooks.notify(makeEvent({ type: 'close' }));
    await hooks.drain(2_000);
    expect(server.requests).toHaveLength(3);
    expect(hooks.stats()['http_hooks']).toEqual({ delivered: 0, failed: 1, dropped: 0, retried: 2 });
    expect(lines.some((l) => l.msg === 'http hook notification failed' && l['attempts'] === 3)).toBe(true);
  });

  it('does not retry a 4xx or an SRS code: the same request gets the same answer', async () => {
    useHooks({ onClose: [url('/deny403'), url('/code1')] });
    const hooks = build([10, 20]);
    hooks.notify(makeEvent({ type: 'close' }));
    await hooks.drain(2_000);
    expect(server.requests).toHaveLength(2);
    expect(hooks.stats()['http_hooks']).toMatchObject({ failed: 2, retried: 0 });
  });

  it('drops notifications beyond the queue bound, logs and counts them', async () => {
    useHooks({ onClose: [url('/hang')], timeoutMs: 10_000 }, { queueSize: 2, concurrency: 1 });
    const hooks = build();
    for (let i = 0; i < 5; i++) hooks.notify(makeEvent({ type: 'close', clientId: `c${i}` }));
    // one running, two queued, two dropped
    expect(hooks.stats()['http_hooks']).toMatchObject({ dropped: 2 });
    expect(lines.filter((l) => l.msg === 'http hook notification dropped' && l['reason'] === 'queue_full')).toHaveLength(2);
    await hooks.close();
    expect(hooks.stats()['http_hooks']).toMatchObject({ dropped: 4 });
  });

  it('keeps per-session order (connect, publish, unpublish, close) under concurrency', async () => {
    useHooks(
      {
        onConnect: [url('/slow/5')],
        onPublish: [url('/slow/15')],
        onUnpublish: [url('/slow/30')],
        onClose: [url('/slow/1')],
      },
      { concurrency: 3 },
    );
    const hooks = build();
    const sessions = Array.from({ length: 12 }, (_, i) => `s${String(i).padStart(7, '0')}`);
    await Promise.all(
      sessions.map(async (clientId) => {
        const event = (type: SessionEvent['type']): SessionEvent => makeEvent({ type, clientId });
        expect((await hooks.gate(event('connect'), new AbortController().signal)).allow).toBe(true);
        expect((await hooks.gate(event('publish'), new AbortController().signal)).allow).toBe(true);
        hooks.notify(event('unpublish'));
        hooks.notify(event('close'));
      }),
    );
    await hooks.drain(5_000);
    const all = server.requests.map((r) => JSON.parse(r.body) as { client_id: string; action: string });
    for (const clientId of sessions) {
      expect(all.filter((b) => b.client_id === clientId).map((b) => b.action)).toEqual(['on_connect', 'on_publish', 'on_unpublish', 'on_close']);
    }
    expect(hooks.stats()['http_hooks']).toEqual({ delivered: 24, failed: 0, dropped: 0, retried: 0 });
  });
});
