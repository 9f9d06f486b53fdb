import { spawnSync } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createHookSystem } from '../../../src/hooks/hook-system.js';
import { captureLogger, makeConfig, makeEvent } from './helpers.js';

function collect(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { out, text: () => Buffer.concat(chunks).toString('utf8') };
}

const LIFECYCLE = ['accept', 'connect', 'publish', 'unpublish', 'play', 'stop', 'close'] as const;

describe('stdio hooks', () => {
  it('json: exactly one JSON object per line, every guide event, jq-ready', async () => {
    const { logger } = captureLogger();
    const { out, text } = collect();
    const config = makeConfig({ hooks: { stdioFormat: 'json' } });
    const hooks = createHookSystem({ getConfig: () => config, logger, serverId: 'v', serviceId: 's', stdout: out });
    for (const type of LIFECYCLE) hooks.notify(makeEvent({ type, stream: 'we\nird "key"', reason: 'server_shutdown' }));
    await hooks.drain(1_000);
    const lines = text().split('\n');
    expect(lines.at(-1)).toBe('');
    const events = lines.slice(0, -1).map((line) => JSON.parse(line) as { type: string; stream_key: string });
    expect(events.map((e) => e.type)).toEqual(['connection_accept', 'publish_start', 'publish_stop', 'play_start', 'play_stop', 'connection_close']);
    expect(events[1]!.stream_key).toBe('live/we\nird "key"');
    // The guide's jq line runs against our output.
    const jq = spawnSync('jq', ['-r', 'select(.type == "publish_start") | "Stream started: \\(.stream_key) from connection \\(.conn_id)"'], { input: text(), encoding: 'utf8' });
    expect(jq.status, jq.stderr).toBe(0);
    expect(jq.stdout).toBe('Stream started: live/we\nird "key" from connection c000001\n');
    expect(hooks.stats()['stdio']).toEqual({ delivered: 6, failed: 0, dropped: 0, retried: 0 });
    await hooks.close();
  });

  it('env: records round-trip through bash (eval of each line, empty line ends an event)', async () => {
    const { logger } = captureLogger();
    const { out, text } = collect();
    const config = makeConfig({ hooks: { stdioFormat: 'env' } });
    const hooks = createHookSystem({ getConfig: () => config, logger, serverId: 'v', serviceId: 's', stdout: out });
    const streams = ["it's a $(touch /nonexistent/x) `id`", 'two\nlines', 'back\\slash'];
    for (const stream of streams) hooks.notify(makeEvent({ type: 'publish', stream }));
    await hooks.drain(1_000);
    const reader = `while IFS= read -r line; do if [ -z "$line" ]; then printf '%s|%s\\0' "$RTMP_EVENT_TYPE" "$RTMP_PUBLISHING_NAME"; else eval "$line"; fi; done`;
    const bash = spawnSync('bash', ['-c', reader], { input: text(), encoding: 'utf8' });
    expect(bash.status, bash.stderr).toBe(0);
    expect(bash.stdout.split('\0').slice(0, -1)).toEqual(streams.map((s) => `publish_start|${s}`));
    await hooks.close();
  });

  it('a slow reader never blocks: beyond the buffer bound events are dropped and counted', async () => {
    const { logger, lines } = captureLogger();
    // A writable that never finishes a write: everything stays buffered.
    const stuck = new Writable({ highWaterMark: 16, write: () => undefined });
    const config = makeConfig({ hooks: { stdioFormat: 'json' } });
    const hooks = createHookSystem({ getConfig: () => config, logger, serverId: 'v', serviceId: 's', stdout: stuck, stdioMaxBufferedBytes: 1_000 });
    for (let i = 0; i < 50; i++) hooks.notify(makeEvent({ type: 'accept', clientId: `c${i}` }));
    const stats = hooks.stats()['stdio']!;
    expect(stats.delivered).toBeGreaterThan(0);
    expect(stats.delivered).toBeLessThan(10);
    expect(stats.delivered + stats.dropped).toBe(50);
    expect(lines.filter((l) => l.msg === 'stdio hook output full, event dropped')).toHaveLength(1);
    await hooks.drain(20);
    await hooks.close();
  });

  it('an output error (EPIPE) is logged once and later events are dropped, never thrown', async () => {
    const { logger, lines } = captureLogger();
    const broken = new Writable({ write: (_chunk, _encoding, callback) => callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })) });
    const config = makeConfig({ hooks: { stdioFormat: 'json' } });
    const hooks = createHookSystem({ getConfig: () => config, logger, serverId: 'v', serviceId: 's', stdout: broken });
    hooks.notify(makeEvent({ type: 'accept' }));
    await new Promise((resolve) => setImmediate(resolve));
    hooks.notify(makeEvent({ type: 'close' }));
    expect(lines.filter((l) => l.msg === 'stdio hook output failed, events dropped from now on')).toHaveLength(1);
    expect(hooks.stats()['stdio']).toMatchObject({ delivered: 1, dropped: 1 });
    await hooks.close();
  });

  it('writes nothing when no stdio format is configured', async () => {
    const { logger } = captureLogger();
    const { out, text } = collect();
    const config = makeConfig();
    const hooks = createHookSystem({ getConfig: () => config, logger, serverId: 'v', serviceId: 's', stdout: out });
    hooks.notify(makeEvent({ type: 'accept' }));
    await hooks.drain(100);
    expect(text()).toBe('');
    await hooks.close();
  });
});
