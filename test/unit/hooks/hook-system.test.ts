import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHookSystem } from '../../../src/hooks/hook-system.js';
import type { GateSink, NotifySink, SessionEvent } from '../../../src/hooks/events.js';
import { answer, captureLogger, makeConfig, makeEvent, makeHttpHooks, makeVhost, startHttpServer, type TestHttpServer } from './helpers.js';

describe('createHookSystem: dispatcher and in-process handlers', () => {
  let server: TestHttpServer;

  beforeAll(async () => {
    server = await startHttpServer((req, res) => answer(res, req.path.startsWith('/deny') ? 403 : 200, '0'));
  });
  afterAll(async () => {
    await server.close();
  });

  it('runs http_hooks first, then handler gates; the first denial wins and later gates are not asked', async () => {
    const { logger } = captureLogger();
    const asked: string[] = [];
    const handler: GateSink & NotifySink = {
      name: 'embedder',
      gate: async (event) => {
        asked.push(event.type);
        return event.stream === 'banned' ? { allow: false, hook: 'embedder', reason: 'embedder denied: banned stream' } : { allow: true };
      },
      notify: () => undefined,
    };
    const config = makeConfig({ vhosts: [makeVhost('__defaultVhost__', makeHttpHooks({ onPublish: [server.url('/deny')], onPlay: [server.url('/ok')] }))] });
    const hooks = createHookSystem({ getConfig: () => config, logger, serverId: 'v', serviceId: 's', handlers: [handler] });
    const signal = new AbortController().signal;
    expect(await hooks.gate(makeEvent({ type: 'publish' }), signal)).toEqual({ allow: false, hook: 'on_publish', reason: 'on_publish denied: http status 403' });
    expect(await hooks.gate(makeEvent({ type: 'play', stream: 'banned' }), signal)).toEqual({ allow: false, hook: 'embedder', reason: 'embedder denied: banned stream' });
    expect(await hooks.gate(makeEvent({ type: 'play' }), signal)).toEqual({ allow: true });
    expect(asked).toEqual(['play', 'play']);
    // Non-gated events always pass without asking anyone.
    expect(await hooks.gate(makeEvent({ type: 'close' }), signal)).toEqual({ allow: true });
    expect(asked).toHaveLength(2);
    await hooks.close();
  });

  it('wantsGate: only events some gate sink has work for (configured URLs, handlers without wantsGate)', async () => {
    const { logger } = captureLogger();
    const withPublishUrl = makeConfig({ vhosts: [makeVhost('__defaultVhost__', makeHttpHooks({ onPublish: [server.url('/ok')] }))] });
    let config = withPublishUrl;
    const hooks = createHookSystem({ getConfig: () => config, logger, serverId: 'v', serviceId: 's' });
    expect(hooks.wantsGate(makeEvent({ type: 'publish' }))).toBe(true);
    expect(hooks.wantsGate(makeEvent({ type: 'connect' }))).toBe(false);
    expect(hooks.wantsGate(makeEvent({ type: 'play' }))).toBe(false);
    expect(hooks.wantsGate(makeEvent({ type: 'unpublish' }))).toBe(false);
    // Read from the config in force, like the gate itself.
    config = makeConfig({ vhosts: [makeVhost('__defaultVhost__', makeHttpHooks({ enabled: false, onPublish: [server.url('/ok')] }))] });
    expect(hooks.wantsGate(makeEvent({ type: 'publish' }))).toBe(false);
    await hooks.close();

    const handler: GateSink = { name: 'embedder', gate: () => Promise.resolve({ allow: true }) };
    const withHandler = createHookSystem({ getConfig: () => config, logger, serverId: 'v', serviceId: 's', handlers: [handler] });
    expect(withHandler.wantsGate(makeEvent({ type: 'connect' }))).toBe(true);
    expect(withHandler.wantsGate(makeEvent({ type: 'close' }))).toBe(false);
    await withHandler.close();
  });

  it('a handler that throws denies its gate and is logged; notify never throws', async () => {
    const { logger, lines } = captureLogger();
    const seen: SessionEvent[] = [];
    const handlers: Array<GateSink | NotifySink> = [
      { name: 'broken-gate', gate: () => Promise.reject(new Error('kaboom')) },
      {
        name: 'broken-notify',
        notify: () => {
          throw new Error('bad notify');
        },
      },
      { name: 'good-notify', notify: (event) => void seen.push(event) },
    ];
    const config = makeConfig();
    const hooks = createHookSystem({ getConfig: () => config, logger, serverId: 'v', serviceId: 's', handlers });
    expect(await hooks.gate(makeEvent({ type: 'connect' }), new AbortController().signal)).toEqual({
      allow: false,
      hook: 'broken-gate',
      reason: 'broken-gate failed',
    });
    expect(() => hooks.notify(makeEvent({ type: 'accept' }))).not.toThrow();
    expect(seen.map((e) => e.type)).toEqual(['accept']);
    expect(lines.some((l) => l.msg === 'gate sink failed' && l['err'] === 'kaboom')).toBe(true);
    expect(lines.some((l) => l.msg === 'notify sink failed' && l['err'] === 'bad notify')).toBe(true);
    expect(hooks.stats()).toMatchObject({
      'handler:broken-notify': { delivered: 0, failed: 1 },
      'handler:good-notify': { delivered: 1, failed: 0 },
    });
    await hooks.close();
  });

  it('an aborted session is refused without calling anyone', async () => {
    const { logger } = captureLogger();
    const config = makeConfig({ vhosts: [makeVhost('__defaultVhost__', makeHttpHooks({ onConnect: [server.url('/ok')] }))] });
    const hooks = createHookSystem({ getConfig: () => config, logger, serverId: 'v', serviceId: 's' });
    const before = server.requests.length;
    const controller = new AbortController();
    controller.abort();
    expect(await hooks.gate(makeEvent(), controller.signal)).toMatchObject({ allow: false });
    expect(server.requests.length).toBe(before);
    await hooks.close();
  });

  it('drain waits for every queued notification, then stats show them delivered', async () => {
    const { logger } = captureLogger();
    const config = makeConfig({
      vhosts: [makeVhost('__defaultVhost__', makeHttpHooks({ onClose: [server.url('/ok?close')] }))],
      hooks: { webhooks: [{ event: 'connection_close', target: server.url('/ok?webhook') }] },
    });
    const hooks = createHookSystem({ getConfig: () => config, logger, serverId: 'v', serviceId: 's' });
    for (let i = 0; i < 30; i++) hooks.notify(makeEvent({ type: 'close', clientId: `drain${String(i).padStart(3, '0')}`, reason: 'server_shutdown' }));
    await hooks.drain(5_000);
    expect(hooks.stats()).toMatchObject({ http_hooks: { delivered: 30 }, webhook: { delivered: 30 } });
    await hooks.close();
  });
});
