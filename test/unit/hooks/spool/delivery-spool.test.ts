import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HookTarget, SpoolConfig } from '../../../../src/config/schema.js';
import { createHookSystem, type HookSystem } from '../../../../src/hooks/hook-system.js';
import { pendingOf, readSpoolDir } from '../../../../src/hooks/spool/spool-files.js';
import { answer, captureLogger, makeConfig, makeEvent, refusedPort, startHttpServer, waitFor, type TestHttpServer } from '../helpers.js';

/** The retry policy with a spool, against a real HTTP receiver: what is retried, what ends, what expires. */
describe('notifications through the spool', () => {
  let server: TestHttpServer;
  let dir: string;
  let hooks: HookSystem | undefined;
  let hangs = 0;

  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      if (req.path === '/404') return answer(res, 404, 'no');
      // The first two calls hang past the timeout, then it answers.
      if (req.path === '/slow' && hangs++ < 2) return;
      return answer(res, 200, '{}');
    });
  });
  afterAll(() => server.close());
  afterEach(async () => {
    await hooks?.close();
    hooks = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function system(webhooks: HookTarget[], spool: Partial<SpoolConfig> = {}) {
    dir = mkdtempSync(join(tmpdir(), 'srs-delivery-'));
    const { logger, lines } = captureLogger();
    const config = makeConfig({ hooks: { webhooks, timeoutMs: 200, spool: { dir, maxSizeBytes: 1 << 20, maxAgeMs: 60_000, retryMinMs: 20, retryMaxMs: 100, ...spool } } });
    hooks = createHookSystem({ getConfig: () => config, logger, serverId: 'vid-1', serviceId: 's1' });
    return { hooks, lines };
  }

  it('retries a timeout (the receiver dedupes), ends a 4xx at once, and leaves nothing pending', async () => {
    const { hooks, lines } = system([
      { event: 'connection_close', target: server.url('/slow') },
      { event: 'connection_close', target: server.url('/404') },
    ]);
    hooks.notify(makeEvent({ type: 'close', reason: 'client_close' }));
    await waitFor('both ended', () => hooks.spoolStats()?.pending === 0 && server.requests.length >= 4);
    const slow = server.requests.filter((r) => r.path === '/slow');
    expect(slow).toHaveLength(3);
    expect(new Set(slow.map((r) => r.headers['x-srs-event-id'])).size).toBe(1);
    expect(server.requests.filter((r) => r.path === '/404')).toHaveLength(1);
    expect(hooks.stats()['webhook']).toMatchObject({ delivered: 1, failed: 1, retried: 2 });
    expect(lines.some((l) => l.msg === 'webhook notification failed' && l['reason'] === 'status 404')).toBe(true);
    await hooks.close();
    expect(pendingOf(readSpoolDir(dir))).toEqual([]);
  });

  it('gives up after spool_max_age, counted and logged', async () => {
    const { hooks, lines } = system([{ event: 'connection_close', target: `http://127.0.0.1:${await refusedPort()}/refused` }], { maxAgeMs: 150 });
    hooks.notify(makeEvent({ type: 'close', reason: 'client_close' }));
    await waitFor('expired', () => hooks.spoolStats()?.expired === 1);
    expect(hooks.spoolStats()?.pending).toBe(0);
    expect(lines.some((l) => l.msg === 'spooled notification expired')).toBe(true);
  });
});
