/**
 * srs_log_file holds lines in memory for up to 100 ms (src/log-file.ts):
 * none may be lost when the server ends. The real server (dist/src/cli.js)
 * with `srs_log_tank file`, one RTMP player attached, then ended by SIGTERM,
 * by SIGINT and by an uncaught error; the log file must end with the line
 * written last.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { waitFor } from './harness.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

/**
 * The uncaught error: nothing in the server throws on purpose, so a preload
 * module throws from a macrotask on SIGUSR2, inside the real process, as a
 * bug in any handler would. The server's own code is unchanged.
 */
const CRASH_PRELOAD = "process.on('SIGUSR2', () => setImmediate(() => { throw new Error('test: crash on SIGUSR2'); }));\n";

interface LogEntry {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

interface Run {
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly exited: Promise<number | null>;
  entries(): LogEntry[];
}

function startServer(preload: boolean): Run {
  const dir = mkdtempSync(join(tmpdir(), 'srs-log-flush-'));
  const logFile = join(dir, 'srs.log');
  const conf = join(dir, 'srs.conf');
  writeFileSync(conf, `listen 127.0.0.1:0;\ndaemon off;\npid ./srs.pid;\nsrs_log_tank file;\nsrs_log_file ${logFile};\nvhost __defaultVhost__ {}\n`);
  const args = [CLI, '-c', conf];
  if (preload) {
    writeFileSync(join(dir, 'crash.mjs'), CRASH_PRELOAD);
    args.unshift('--import', join(dir, 'crash.mjs'));
  }
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const entries = (): LogEntry[] =>
    existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as LogEntry) : [];
  return { child, logFile, exited, entries };
}

/** Waits for `server ready` in the file, then attaches one RTMP player, so session lines are in flight at the end. */
async function withPlayer(run: Run): Promise<RtmpClient> {
  const ready = await waitFor('server ready in the log file', () => run.entries().find((entry) => entry.msg === 'server ready'));
  const port = Number(/:(\d+)$/.exec(String((ready['rtmp'] as string[])[0]))?.[1]);
  const client = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/flush`);
  await client.play();
  return client;
}

describe('srs_log_file loses no line when the server ends (real process)', () => {
  const started: ChildProcess[] = [];
  afterEach(() => {
    for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: the session's end and "server stopped" are the file's last lines`, async () => {
      const run = startServer(false);
      started.push(run.child);
      const client = await withPlayer(run);
      run.child.kill(signal);
      expect(await run.exited).toBe(0);
      client.close();
      const entries = run.entries();
      const messages = entries.map((entry) => entry.msg);
      expect(messages.at(-1)).toBe('server stopped');
      expect(entries.find((entry) => entry.msg === 'shutting down')?.['signal']).toBe(signal);
      // Logged while stopping, a few ms before exit: only the flush on the way out can have written them.
      const end = entries.find((entry) => entry.msg === 'session end');
      expect(end?.['stream']).toBe('flush');
      expect(messages.indexOf('play start')).toBeLessThan(messages.indexOf('play stop'));
      expect(messages.indexOf('play stop')).toBeLessThan(messages.indexOf('server stopped'));
    });
  }

  it('an uncaught error: the fatal line naming it is the last line, exit code 1', async () => {
    const run = startServer(true);
    started.push(run.child);
    let stderr = '';
    run.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = await withPlayer(run);
    run.child.kill('SIGUSR2');
    expect(await run.exited).toBe(1);
    client.close();
    const entries = run.entries();
    const last = entries.at(-1);
    expect(last).toMatchObject({ level: 60, msg: 'uncaught error', err: 'test: crash on SIGUSR2', origin: 'uncaughtException' });
    expect(entries.map((entry) => entry.msg)).toContain('play start');
    // Node's own handling is unchanged: the stack still goes to stderr.
    expect(stderr).toContain('Error: test: crash on SIGUSR2');
  });
});
