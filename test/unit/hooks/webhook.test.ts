import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HookTarget } from '../../../src/config/schema.js';
import { createHookSystem } from '../../../src/hooks/hook-system.js';
import { answer, captureLogger, makeConfig, makeEvent, refusedPort, startHttpServer, type TestHttpServer } from './helpers.js';

function system(webhooks: HookTarget[]) {
  const { logger, lines } = captureLogger();
  const config = makeConfig({ hooks: { webhooks, timeoutMs: 1_000 } });
  const hooks = createHookSystem({ getConfig: () => config, logger, serverId: 'vid-1', serviceId: 's1', retryDelaysMs: [10, 20] });
  return { hooks, lines };
}

describe('webhook hooks (real HTTP)', () => {
  let server: TestHttpServer;

  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      if (req.path === '/rtmp-events') return answer(res, 200, '{"status":"received"}');
      if (req.path === '/500') return answer(res, 500, 'down for maintenance');
      return answer(res, 404, '');
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('POSTs the guide event JSON for each registered event, in per-session order', async () => {
    server.requests.length = 0;
    const url = server.url('/rtmp-events');
    const { hooks, lines } = system([
      { event: 'connection_accept', target: url },
      { event: 'publish_start', target: url },
      { event: 'connection_close', target: url },
    ]);
    for (const type of ['accept', 'connect', 'publish', 'unpublish', 'close'] as const) hooks.notify(makeEvent({ type, reason: 'client_close' }));
    await hooks.drain(5_000);
    expect(server.requests.map((r) => r.headers['content-type'])).toEqual(['application/json', 'application/json', 'application/json']);
    const events = server.requests.map((r) => JSON.parse(r.body) as { type: string; stream_key: string; data: unknown });
    expect(events.map((e) => e.type)).toEqual(['connection_accept', 'publish_start', 'connection_close']);
    expect(events[1]).toMatchObject({ stream_key: 'live/livestream', data: { app: 'live', publishing_name: 'livestream', publishing_type: 'live' } });
    expect(lines.filter((l) => l.msg === 'Hook execution').map((l) => [l['sink'], l['outcome'], l['status']])).toEqual([
      ['webhook', 'ok', 200],
      ['webhook', 'ok', 200],
      ['webhook', 'ok', 200],
    ]);
    expect(hooks.stats()['webhook']).toEqual({ delivered: 3, failed: 0, dropped: 0, retried: 0 });
    await hooks.close();
  });

  it('logs a receiver answering 500 with its status, retries, and goes on', async () => {
    server.requests.length = 0;
    const { hooks, lines } = system([{ event: 'play_start', target: server.url('/500') }]);
    hooks.notify(makeEvent({ type: 'play' }));
    await hooks.drain(5_000);
    expect(server.requests).toHaveLength(3);
    expect(lines.filter((l) => l.msg === 'Hook execution').map((l) => [l['outcome'], l['status'], l['attempt']])).toEqual([
      ['failed', 500, 1],
      ['failed', 500, 2],
      ['failed', 500, 3],
    ]);
    expect(hooks.stats()['webhook']).toEqual({ delivered: 0, failed: 1, dropped: 0, retried: 2 });
    await hooks.close();
  });

  it('logs a receiver that is down', async () => {
    const port = await refusedPort();
    const { hooks, lines } = system([{ event: 'connection_close', target: `http://127.0.0.1:${port}/hook` }]);
    hooks.notify(makeEvent({ type: 'close', reason: 'kicked' }));
    await hooks.drain(5_000);
    const logged = lines.filter((l) => l.msg === 'Hook execution');
    expect(logged.at(-1)).toMatchObject({ sink: 'webhook', outcome: 'failed', error: 'connection refused' });
    expect(hooks.stats()['webhook']).toMatchObject({ failed: 1, retried: 2 });
    await hooks.close();
  });
});
