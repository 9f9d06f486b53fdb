import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config, HookTarget } from '../../../src/config/schema.js';
import { createHookSystem, type HookSystem } from '../../../src/hooks/hook-system.js';
import { captureLogger, makeConfig, makeEvent, waitFor } from './helpers.js';

let dir: string;

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/bash\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Dead, or a zombie waiting for its reaper (it no longer runs). */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function system(scripts: HookTarget[], hooks: Partial<Config['hooks']> = {}) {
  const { logger, lines } = captureLogger();
  const config = makeConfig({ hooks: { scripts, timeoutMs: 5_000, ...hooks } });
  const hookSystem: HookSystem = createHookSystem({ getConfig: () => config, logger, serverId: 'vid-1', serviceId: 's1', scriptPipeGraceMs: 200 });
  return { hooks: hookSystem, lines };
}

describe('script hooks (real scripts, real processes)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'srs-hooks-script-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes $1 type, $2 stream key, $3 event JSON and the RTMP_* environment', async () => {
    const out = join(dir, 'args.out');
    const path = script(
      'args.sh',
      `printf '%s\\0' "$#" "$1" "$2" "$3" "$RTMP_EVENT_TYPE" "$RTMP_STREAM_KEY" "$RTMP_CONN_ID" "$RTMP_CLIENT_ID" "$RTMP_APP" "$RTMP_PUBLISHING_NAME" "$RTMP_PUBLISHING_TYPE" "$RTMP_TIMESTAMP" "$RTMP_EVENT_JSON" > ${out}`,
    );
    const { hooks, lines } = system([{ event: 'publish_start', target: path }]);
    hooks.notify(makeEvent({ type: 'publish', stream: 'stream1' }));
    await hooks.drain(5_000);
    const json = '{"type":"publish_start","timestamp":1700000000,"conn_id":"c000001","stream_key":"live/stream1","data":{"app":"live","publishing_name":"stream1","publishing_type":"live"},"client_id":"3y1tcaw2"}';
    expect(readFileSync(out, 'utf8').split('\0').slice(0, -1)).toEqual([
      '3',
      'publish_start',
      'live/stream1',
      json,
      'publish_start',
      'live/stream1',
      'c000001',
      '3y1tcaw2',
      'live',
      'stream1',
      'live',
      '1700000000',
      json,
    ]);
    const line = lines.find((l) => l.msg === 'Hook execution');
    expect(line).toMatchObject({ event: 'publish_start', sink: 'script', target: path, outcome: 'ok', exit_code: 0 });
    expect(typeof line?.['duration_ms']).toBe('number');
    await hooks.close();
  });

  it('never goes through a shell: metacharacters in the stream key are data', async () => {
    const sandbox = mkdtempSync(join(dir, 'meta-'));
    const seen = join(sandbox, 'seen');
    const path = script('meta.sh', `printf '%s\\n' "$2" >> ${seen}`);
    const keys = [`a;touch ${sandbox}/x`, `$(touch ${sandbox}/y)`, `\`touch ${sandbox}/z\``, `a' && touch ${sandbox}/w '`];
    const { hooks } = system([{ event: 'publish_start', target: path }]);
    for (const stream of keys) hooks.notify(makeEvent({ type: 'publish', stream, clientId: 'samesess' }));
    await hooks.drain(5_000);
    expect(readFileSync(seen, 'utf8')).toBe(keys.map((k) => `live/${k}\n`).join(''));
    expect(readdirSync(sandbox).sort()).toEqual(['seen']);
    await hooks.close();
  });

  it('kills the whole process group past the timeout (the child too) and logs it', async () => {
    const pidFile = join(dir, 'child.pid');
    const path = script('slow.sh', `sleep 60 &\necho $! > ${pidFile}\nsleep 60`);
    const { hooks, lines } = system([{ event: 'connection_accept', target: path }], { timeoutMs: 300 });
    hooks.notify(makeEvent({ type: 'accept' }));
    const line = await waitFor('timeout log', () => lines.find((l) => l.msg === 'Hook execution'));
    expect(line).toMatchObject({ sink: 'script', outcome: 'timeout', killed: 'process group', timeout_ms: 300, exit_signal: 'SIGKILL' });
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    await waitFor('child killed', () => isGone(childPid), 5_000);
    expect(hooks.stats()['script']).toMatchObject({ failed: 1, delivered: 0 });
    await hooks.close();
  });

  it('concurrency 2 with 20 slow events: never more than 2 at once, nothing lost', async () => {
    const runDir = mkdtempSync(join(dir, 'conc-'));
    const path = script(
      'conc.sh',
      `touch ${runDir}/running.$$\nls ${runDir} | grep -c '^running' >> ${runDir}/counts.log\nsleep 0.1\nrm ${runDir}/running.$$\necho "$RTMP_CLIENT_ID" >> ${runDir}/done.log`,
    );
    const { hooks } = system([{ event: 'publish_start', target: path }], { concurrency: 2, queueSize: 50 });
    for (let i = 0; i < 20; i++) hooks.notify(makeEvent({ type: 'publish', clientId: `sess${String(i).padStart(4, '0')}` }));
    await hooks.drain(15_000);
    const counts = readFileSync(join(runDir, 'counts.log'), 'utf8').trim().split('\n').map(Number);
    expect(counts).toHaveLength(20);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    expect(new Set(readFileSync(join(runDir, 'done.log'), 'utf8').trim().split('\n')).size).toBe(20);
    expect(hooks.stats()['script']).toEqual({ delivered: 20, failed: 0, dropped: 0, retried: 0 });
    await hooks.close();
  });

  it('counts and logs what overflows the queue', async () => {
    const path = script('block.sh', 'sleep 60');
    const { hooks, lines } = system([{ event: 'publish_start', target: path }], { concurrency: 1, queueSize: 3 });
    for (let i = 0; i < 10; i++) hooks.notify(makeEvent({ type: 'publish', clientId: `over${String(i).padStart(4, '0')}` }));
    expect(hooks.stats()['script']).toMatchObject({ dropped: 6 });
    expect(lines.filter((l) => l.msg === 'hook dropped' && l['reason'] === 'queue_full')).toHaveLength(6);
    await hooks.close();
  });

  it('runs one session\'s events in order: accept, publish_start, publish_stop, close', async () => {
    const order = join(dir, 'order.log');
    const path = script('order.sh', `sleep 0.0$((RANDOM % 5))\necho "$RTMP_CLIENT_ID $1" >> ${order}`);
    const names = ['connection_accept', 'publish_start', 'publish_stop', 'connection_close'] as const;
    const { hooks } = system(names.map((event) => ({ event, target: path })), { concurrency: 4 });
    const sessions = ['ordr0001', 'ordr0002', 'ordr0003'];
    for (const type of ['accept', 'connect', 'publish', 'unpublish', 'close'] as const) {
      for (const clientId of sessions) hooks.notify(makeEvent({ type, clientId, reason: 'client_close' }));
    }
    await hooks.drain(10_000);
    const lines = readFileSync(order, 'utf8').trim().split('\n');
    for (const clientId of sessions) {
      expect(lines.filter((l) => l.startsWith(clientId)).map((l) => l.split(' ')[1])).toEqual([...names]);
    }
    await hooks.close();
  });

  it('logs a script that fails, with its exit code and stderr (bounded)', async () => {
    const path = script('fail.sh', 'echo "no good" >&2\nhead -c 100000 /dev/zero | tr "\\0" x >&2\nexit 3');
    const { hooks, lines } = system([{ event: 'play_start', target: path }]);
    hooks.notify(makeEvent({ type: 'play' }));
    await hooks.drain(5_000);
    const line = lines.find((l) => l.msg === 'Hook execution');
    expect(line).toMatchObject({ outcome: 'failed', exit_code: 3 });
    expect(String(line?.['stderr'])).toMatch(/^no good\nx+…\[truncated\]$/);
    expect(String(line?.['stderr']).length).toBeLessThan(5_000);
    await hooks.close();
  });

  it('logs what a script that exits 0 wrote: stdout at info, anything on stderr makes the line a warning', async () => {
    const quiet = script('quiet.sh', 'echo "stored $1"');
    const noisy = script('noisy.sh', 'echo "stored"\necho "line 2: [[: not found" >&2\nexit 0');
    const { hooks, lines } = system([
      { event: 'play_start', target: quiet },
      { event: 'play_stop', target: noisy },
    ]);
    hooks.notify(makeEvent({ type: 'play' }));
    hooks.notify(makeEvent({ type: 'stop' }));
    await hooks.drain(5_000);
    const runs = lines.filter((l) => l.msg === 'Hook execution');
    expect(runs.find((l) => l['target'] === quiet)).toMatchObject({ outcome: 'ok', level: 30, stdout: 'stored play_start\n' });
    expect(runs.find((l) => l['target'] === quiet)).not.toHaveProperty('stderr');
    expect(runs.find((l) => l['target'] === noisy)).toMatchObject({ outcome: 'ok', level: 40, stdout: 'stored\n', stderr: 'line 2: [[: not found\n' });
    await hooks.close();
  });

  it('does not fire for other events, nor for connect', async () => {
    const marker = join(dir, 'never');
    const path = script('never.sh', `touch ${marker}`);
    const { hooks } = system([{ event: 'play_stop', target: path }]);
    for (const type of ['accept', 'connect', 'publish', 'unpublish', 'play', 'close'] as const) hooks.notify(makeEvent({ type }));
    await hooks.drain(2_000);
    expect(existsSync(marker)).toBe(false);
    await hooks.close();
  });
});
