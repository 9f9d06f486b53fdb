import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RtmpClient } from '../../src/index.js';
import { waitFor } from './harness.js';
import { FlakyReceiver } from './hook-receiver.js';

/**
 * The spool and the hooks CLI as a user runs them: `node dist/src/cli.js`
 * child processes, killed with SIGKILL by the pid this test holds.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli.js');

function srs(args: string[], cwd: string) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 30_000 });
}

/** Async: the receiver lives in this process, so a spawnSync would block it from answering. */
function srsAsync(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('hooks spool across kill -9, and the hooks CLI (processes)', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  let receiver: FlakyReceiver | undefined;
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await receiver?.down();
    receiver = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function start(conf: string, cwd: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, [CLI, '-c', conf], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-2_000_000)));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return { child, output: () => output, exited };
  }

  function pendingCount(conf: string, cwd: string): number {
    const out = srs(['hooks', 'spool', '-c', conf], cwd).stdout;
    return Number(/(\d+) pending/.exec(out)?.[1] ?? -1);
  }

  it('kill -9 while 500 notifications are pending: after a restart every one is delivered', { timeout: 90_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'srs-kill9-'));
    dirs.push(cwd);
    receiver = await FlakyReceiver.reserve();
    const conf = join(cwd, 'srs.conf');
    writeFileSync(
      conf,
      `listen 127.0.0.1:0;\ndaemon off;\nsrs_log_tank console;\npid ./srs.pid;\n` +
        `hooks { spool ./spool; spool_retry_min 200ms; spool_retry_max 1s; webhook connection_close ${receiver.url('/events')}; }\n` +
        `vhost __defaultVhost__ { http_hooks { enabled on; on_close ${receiver.url('/api/v1/clients')}; } }\n`,
    );
    const first = start(conf, cwd);
    const port = await waitFor('server ready', () => {
      const found = /"rtmp":\["127\.0\.0\.1:(\d+)"\]/.exec(first.output());
      return found === null ? undefined : Number(found[1]);
    }, 20_000);
    // 250 RTMP clients connect and leave: 250 on_close + 250 connection_close webhooks, the receiver down.
    for (let i = 0; i < 250; i++) {
      const client = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/k${i}`);
      client.close();
      await client.closed.catch(() => undefined);
    }
    await waitFor('500 pending in the spool', () => pendingCount(conf, cwd) === 500 || undefined, 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    await receiver.up();
    const second = start(conf, cwd);
    await waitFor('all 500 delivered', () => receiver!.ids().size === 500 || undefined, 40_000);
    const paths = [...new Map(receiver.calls.map((c) => [String(c.headers['x-srs-event-id']), c.path])).values()];
    expect(paths.filter((p) => p === '/events')).toHaveLength(250);
    expect(paths.filter((p) => p === '/api/v1/clients')).toHaveLength(250);
    await waitFor('spool empty', () => pendingCount(conf, cwd) === 0 || undefined, 10_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('srs hooks test / spool / replay run without a server, with --help and exit codes', { timeout: 60_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'srs-hookscli-'));
    dirs.push(cwd);
    receiver = await FlakyReceiver.reserve();
    const conf = join(cwd, 'srs.conf');
    writeFileSync(
      conf,
      `listen 127.0.0.1:0;\ndaemon off;\nsrs_log_tank console;\npid ./srs.pid;\nhooks { spool ./spool; }\n` +
        `vhost __defaultVhost__ { http_hooks { enabled on; secret s3; on_connect ${receiver.url('/api/v1/clients')}; on_close ${receiver.url('/api/v1/clients')}; } }\n`,
    );
    for (const args of [['hooks', '--help'], ['hooks', 'test', '--help'], ['hooks', 'spool', '--help'], ['hooks', 'replay', '--help']]) {
      const run = srs(args, cwd);
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('Usage: srs hooks');
    }
    expect(srs(['hooks', 'test'], cwd).status).toBe(2);
    expect(srs(['hooks', 'bogus'], cwd).status).toBe(2);

    // Receiver down: the gate would refuse a client, the notification would be retried; exit 4.
    const down = srs(['hooks', 'test', '-c', conf, '--timeout', '2s'], cwd);
    expect(down.status).toBe(4);
    expect(down.stdout).toMatch(/on_connect\t\S+\tdeny\tstatus -\t\d+ ms\ta client would be refused/);
    expect(down.stdout).toMatch(/on_close\t\S+\tfailed\tstatus -\t\d+ ms\tnot delivered \(connection refused\); it would be retried/);
    await receiver.up();
    const up = await srsAsync(['hooks', 'test', '-c', conf, '--vhost', '__defaultVhost__'], cwd);
    expect(up.status).toBe(0);
    expect(up.stdout).toContain('a client would be admitted');
    expect(up.stdout).toContain('2 hook(s) tested, 0 denied or failed');
    expect(receiver.calls.every((c) => c.headers['x-srs-hooks-test'] === '1' && typeof c.headers['x-srs-signature'] === 'string')).toBe(true);

    // A server leaves two on_close pending while the receiver is down, then stops.
    await receiver.down();
    const server = start(conf, cwd);
    const port = await waitFor('server ready', () => {
      const found = /"rtmp":\["127\.0\.0\.1:(\d+)"\]/.exec(server.output());
      return found === null ? undefined : Number(found[1]);
    });
    await receiver.up();
    // on_connect must pass: the receiver is up for the connects, then down for the closes.
    const clients = [await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/a`), await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/b`)];
    await receiver.down();
    for (const client of clients) client.close();
    await waitFor('2 pending', () => pendingCount(conf, cwd) === 2 || undefined);
    server.child.kill('SIGKILL');
    await server.exited;

    const listed = srs(['hooks', 'spool', '-c', conf], cwd);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/\thttp_hooks\ton_close\tPOST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/clients\t/);
    expect(listed.stdout).toContain('2 pending');
    const json = srs(['hooks', 'spool', '-c', conf, '--json'], cwd).stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; event: string });
    expect(json.map((e) => e.event)).toEqual(['on_close', 'on_close']);

    expect(srs(['hooks', 'replay', '-c', conf, '--since', 'yesterday'], cwd).status).toBe(2);
    expect(srs(['hooks', 'replay', '-c', conf], cwd).status).toBe(4);
    await receiver.up();
    const before = receiver.calls.length;
    const replay = await srsAsync(['hooks', 'replay', '-c', conf, '--since', '1h'], cwd);
    expect(replay.status).toBe(0);
    expect(replay.stdout).toContain('2 replayed, 2 delivered, 0 failed');
    expect(receiver.calls.slice(before).map((c) => c.headers['x-srs-event-id']).sort()).toEqual(json.map((e) => e.id).sort());
    expect(srs(['hooks', 'spool', '-c', conf], cwd).stdout).toContain('0 pending');
    const noSpool = join(cwd, 'nospool.conf');
    writeFileSync(noSpool, 'listen 1935;\nvhost __defaultVhost__ {}\n');
    expect(srs(['hooks', 'spool', '-c', noSpool], cwd).status).toBe(2);
  });

  it('an empty secret is a config error naming the file and line', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'srs-secret-'));
    dirs.push(cwd);
    for (const [text, line, key] of [
      ['listen 1935;\nhooks {\n  secret "";\n}\nvhost __defaultVhost__ {}\n', 3, 'hooks.secret'],
      ['listen 1935;\nvhost __defaultVhost__ {\n  http_hooks {\n    secret "";\n  }\n}\n', 4, 'vhost.http_hooks.secret'],
      ['listen 1935;\nhttp_notify {\n  secret;\n}\nvhost __defaultVhost__ {}\n', 3, 'http_notify.secret'],
    ] as const) {
      const conf = join(cwd, `s${line}${key}.conf`);
      writeFileSync(conf, text);
      const run = srs(['-t', '-c', conf], cwd);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${conf}:${line}: ${key} is empty`);
    }
  });
});
