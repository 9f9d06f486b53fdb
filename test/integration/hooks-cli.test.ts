import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { parseEnvRecords } from '../../src/hooks/env-format.js';
import { publishArgs, runFfmpeg, startCallbackServer, stopProcess, waitFor, type CallbackServer, type FfmpegRun } from './harness.js';

/**
 * Issue 5 through the real CLI (`node dist/src/cli.js`, built by `pretest`):
 * the hooks guide's examples run as written with `srs` for `./rtmp-server`
 * (scripts from test/fixtures/guide with their /var paths moved to a temp
 * dir), stdio json and env read by jq and bash, SIGTERM closing every open
 * connection with `server_shutdown` before exit, shell metacharacters in
 * stream keys staying data, and malformed --hook-* flags refused at start.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli.js');
const GUIDE = join(ROOT, 'test/fixtures/guide');
const SCRIPTS = join(ROOT, 'test/integration/scripts');
const HAS_JQ = spawnSync('jq', ['--version']).status === 0;
/** The guide's Example 2 receiver is a Flask app: run it too where Flask is installed. */
const HAS_FLASK = spawnSync('python3', ['-c', 'import flask']).status === 0;

interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

interface SpawnOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  stdoutFile?: string;
  stderrFile?: string;
  command?: string;
}

/** Spawns `node args...` (or `command`); stdout/stderr go to files when given (as `> f 2> g` would), else are collected. */
function spawnNode(args: string[], options: SpawnOptions): Proc {
  const fds = [options.stdoutFile, options.stderrFile].map((file) => (file === undefined ? 'pipe' : openSync(file, 'w')));
  const child = spawn(options.command ?? process.execPath, args, { cwd: options.cwd, env: { PATH: process.env.PATH, ...options.env }, stdio: ['ignore', fds[0]!, fds[1]!] });
  for (const fd of fds) if (typeof fd === 'number') closeSync(fd);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const read = (file: string | undefined, collected: string): string => (file === undefined ? collected : readFileSync(file, 'utf8'));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out: () => read(options.stdoutFile, out), err: () => read(options.stderrFile, err), exited };
}

/** The RTMP port from the `server ready` log line. */
async function readyPort(log: () => string): Promise<number> {
  const match = await waitFor('server ready', () => /"rtmp":\["127\.0\.0\.1:(\d+)"\]/.exec(log()) ?? undefined, 20_000);
  return Number(match[1]);
}

function bash(script: string, cwd: string): string {
  const result = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8', timeout: 20_000 });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** A guide script with its hard-coded /var paths moved under `dir`. */
function installGuideScript(name: string, dir: string): string {
  const text = readFileSync(join(GUIDE, name), 'utf8').replaceAll('/var/', `${dir}/var/`);
  const path = join(dir, 'opt/scripts', name);
  mkdirSync(join(dir, 'opt/scripts'), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

type GuideJson = { type: string; timestamp: number; conn_id: string; stream_key: string; data: Record<string, unknown> };

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

describe('srs CLI hooks: the guide as written, stdio, signals, bad flags', () => {
  const procs: ChildProcess[] = [];
  const runs: FfmpegRun[] = [];
  const clients: RtmpClient[] = [];
  const callbacks: CallbackServer[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const run of runs.splice(0)) stopProcess(run.child);
    for (const child of procs.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const callback of callbacks.splice(0)) await callback.close();
  });

  function track(proc: Proc): Proc {
    procs.push(proc.child);
    return proc;
  }

  it('runs the guide examples 1-4 as written; SIGTERM closes every open connection (server_shutdown) before exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srs-guide-cli-'));
    // Example 1 and 3, Step 2: the scripts, executable, and the registry directory.
    const logConnections = installGuideScript('log-connections.sh', dir);
    const streamManager = installGuideScript('stream-manager.sh', dir);
    mkdirSync(join(dir, 'var/log'), { recursive: true });
    mkdirSync(join(dir, 'var/lib/rtmp'), { recursive: true });
    const slack = await startCallbackServer((_call, res) => {
      res.end('ok');
    });
    callbacks.push(slack);
    // Example 2: the webhook receiver (node port of the guide's Flask app, same output lines).
    const receiver = track(spawnNode([join(SCRIPTS, 'webhook-receiver.mjs'), '0'], { cwd: dir }));
    const hookUrl = (await waitFor('receiver', () => /listening on (\S+)/.exec(receiver.out()) ?? undefined))[1]!;
    const receivers = [{ proc: receiver, url: hookUrl }];
    if (HAS_FLASK) {
      // The guide's file, bound to loopback and a free port instead of 0.0.0.0:8080.
      const py = join(dir, 'webhook-receiver.py');
      writeFileSync(py, readFileSync(join(GUIDE, 'webhook-receiver.py'), 'utf8').replace("host='0.0.0.0', port=8080", "host='127.0.0.1', port=0"));
      const flask = track(spawnNode([py], { cwd: dir, command: 'python3', env: { ...process.env, PYTHONUNBUFFERED: '1' } }));
      const base = (await waitFor('flask receiver', () => /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(flask.err()) ?? undefined, 20_000))[1]!;
      receivers.push({ proc: flask, url: `${base}/rtmp-events` });
    }

    // Example 4, Step 1: `srs --hook-stdio-format json > rtmp-events.log`, logs kept apart in server.log.
    const srs = track(
      spawnNode(
        [
          CLI,
          '--listen', '127.0.0.1:0',
          '--log-level', 'info',
          '--hook-script', `connection_accept=${logConnections}`,
          '--hook-script', `connection_close=${logConnections}`,
          '--hook-script', `publish_start=${streamManager}`,
          '--hook-script', `connection_accept=${streamManager}`,
          '--hook-script', `connection_close=${streamManager}`,
          ...receivers.flatMap(({ url }) => ['connection_accept', 'publish_start', 'connection_close'].flatMap((event) => ['--hook-webhook', `${event}=${url}`])),
          '--hook-stdio-format', 'json',
        ],
        { cwd: dir, env: { SLACK_WEBHOOK_URL: slack.url('/services/YOUR/SLACK/WEBHOOK') }, stdoutFile: join(dir, 'rtmp-events.log'), stderrFile: join(dir, 'server.log') },
      ),
    );
    const port = await readyPort(srs.err);
    const events = (): GuideJson[] => lines(srs.out()).map((line) => JSON.parse(line) as GuideJson);

    // Step 4 of Example 1 (publisher), and Example 2's viewer.
    const publisher = runFfmpeg(publishArgs(`rtmp://127.0.0.1:${port}/live/test`, 2));
    runs.push(publisher);
    await waitFor('publish_start', () => events().some((e) => e.type === 'publish_start'));
    const viewer = runFfmpeg(['-i', `rtmp://127.0.0.1:${port}/live/test`, '-t', '0.5', '-f', 'null', '-']);
    runs.push(viewer);
    expect(await viewer.exited, viewer.stderr()).toBe(0);
    expect(await publisher.exited, publisher.stderr()).toBe(0);

    // Connections still open at SIGTERM: a publisher, a player, and one that only connected.
    const openPublisher = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/open`);
    await openPublisher.publish();
    const openPlayer = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/open`);
    await openPlayer.play();
    const idle = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/idle`);
    clients.push(openPublisher, openPlayer, idle);
    await waitFor('5 accepts', () => events().filter((e) => e.type === 'connection_accept').length === 5);
    srs.child.kill('SIGTERM');
    expect(await srs.exited).toBe(0);
    await Promise.all([openPublisher.closed, openPlayer.closed, idle.closed]);

    // stdout carries only events, one JSON object per line, every line parses.
    const all = events();
    expect(srs.out().endsWith('\n')).toBe(true);
    const accepts = all.filter((e) => e.type === 'connection_accept');
    const closes = all.filter((e) => e.type === 'connection_close');
    expect(accepts).toHaveLength(5);
    expect(closes.map((e) => e.conn_id).sort()).toEqual(accepts.map((e) => e.conn_id).sort());
    // The three connections open at SIGTERM (c000003..c000005) end with server_shutdown; the two
    // ffmpeg ones ended before (client_close, or `error` when ffmpeg reset the socket: see the
    // reset test in hooks-guide.test.ts).
    const reasonOf = (connId: string): unknown => closes.find((e) => e.conn_id === connId)?.data['reason'];
    expect(['c000003', 'c000004', 'c000005'].map(reasonOf)).toEqual(['server_shutdown', 'server_shutdown', 'server_shutdown']);
    for (const connId of ['c000001', 'c000002']) expect(reasonOf(connId), connId).not.toBe('server_shutdown');
    // Each connection's close is its last event.
    for (const accept of accepts) expect(all.filter((e) => e.conn_id === accept.conn_id).at(-1)?.type).toBe('connection_close');

    // Example 1: the documented log lines, for every connection including those closed by SIGTERM.
    const connectionLog = lines(readFileSync(join(dir, 'var/log/rtmp-connections.log'), 'utf8'));
    for (const accept of accepts) {
      const at = connectionLog.findIndex((l) => l.endsWith(`: connection_accept - Connection ID: ${accept.conn_id}`));
      expect(at, accept.conn_id).toBeGreaterThanOrEqual(0);
      expect(connectionLog.slice(at + 1)).toContain('  Client connected from: 127.0.0.1');
      expect(connectionLog.some((l) => l.endsWith(`: connection_close - Connection ID: ${accept.conn_id}`))).toBe(true);
    }
    expect(connectionLog).toHaveLength(15);

    // Example 3: the registry lines and the Slack notification.
    const registry = lines(readFileSync(join(dir, 'var/lib/rtmp/streams.txt'), 'utf8')).map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, '<time> '));
    expect(registry.filter((l) => l === '<time> CONNECTION 127.0.0.1')).toHaveLength(5);
    expect(registry.filter((l) => l === '<time> DISCONNECT')).toHaveLength(5);
    expect(registry.filter((l) => l.includes('PUBLISH_START')).sort()).toEqual(['<time> PUBLISH_START live/open', '<time> PUBLISH_START live/test']);
    expect(registry).toHaveLength(12);
    expect(slack.calls.map((c) => c.body).sort()).toEqual([
      '{"text":"🔴 Stream live/open started publishing"}',
      '{"text":"🔴 Stream live/test started publishing"}',
    ]);

    // Example 2: the receivers printed the guide's lines. Flask's dev server answers on threads, so
    // two prints may share a line: count occurrences, not lines.
    const count = (text: string, what: string): number => text.split(what).length - 1;
    for (const { proc } of receivers) {
      // Delivered before srs exited; the receiver's output may still be on its way to us.
      await waitFor('receiver output', () => count(proc.out(), 'Received event: connection_close for stream: ') >= 5);
      const printed = proc.out();
      expect(count(printed, 'Received event: connection_accept for stream: ')).toBe(5);
      expect(count(printed, '📡 New connection from 127.0.0.1')).toBe(5);
      expect(count(printed, 'Received event: publish_start for stream: live/test')).toBe(1);
      expect(count(printed, '🔴 LIVE: Stream live/test started publishing')).toBe(1);
      expect(count(printed, 'Received event: connection_close for stream: ')).toBe(5);
    }

    // "Monitor hook execution times": one line per run in the logs, each with a duration. SRS's
    // `info` level is its debug level, so the stdio sink's per-event lines are there too.
    const webhooks = receivers.length;
    const hooksPerEvent: Record<string, number> = { connection_accept: 2 + webhooks, connection_close: 2 + webhooks, publish_start: 1 + webhooks };
    const expectedRuns = all.reduce((sum, e) => sum + (hooksPerEvent[e.type] ?? 0), 0) + all.length;
    const executions = lines(readFileSync(join(dir, 'server.log'), 'utf8'))
      .filter((l) => l.includes('Hook execution'))
      .map((l) => JSON.parse(l) as { duration_ms: unknown; sink: string; outcome: string });
    expect(executions).toHaveLength(expectedRuns);
    expect(executions.filter((e) => e.sink === 'stdio')).toHaveLength(all.length);
    for (const run of executions) {
      expect(Number.isInteger(run.duration_ms)).toBe(true);
      expect(run.outcome).toBe('ok');
    }

    // Example 4, Step 2 and 3: the same selections in JS, and the guide's jq lines when jq exists.
    const hhmmss = (sec: number): string => new Date(sec * 1000).toISOString().slice(11, 19);
    const expected = {
      connections: accepts.map((e) => `New connection: ${String(e.data['client_ip'])}:${String(e.data['client_port'])}`),
      publications: all.filter((e) => e.type === 'publish_start').map((e) => `Stream started: ${e.stream_key} from connection ${e.conn_id}`),
      counts: [...new Set(all.map((e) => e.type))].map((type) => `${all.filter((e) => e.type === type).length} ${type}`).sort(),
      ips: ['127.0.0.1'],
      recent: accepts.map((e) => `${hhmmss(e.timestamp)} ${String(e.data['client_ip'])}`),
      streams: ['live/open', 'live/test'],
    };
    expect(expected.connections).toHaveLength(5);
    expect(expected.publications).toHaveLength(2);
    if (HAS_JQ) {
      // `tail -f rtmp-events.log` follows a live file; on the finished file `cat` reads the same lines.
      const jq = (pipeline: string): string[] => lines(bash(`cat rtmp-events.log | ${pipeline}`, dir));
      expect(jq(`jq -r 'select(.type == "connection_accept") | "New connection: \\(.data.client_ip):\\(.data.client_port)"'`)).toEqual(expected.connections);
      expect(jq(`jq -r 'select(.type == "publish_start") | "Stream started: \\(.stream_key) from connection \\(.conn_id)"'`)).toEqual(expected.publications);
      expect(jq(`jq -r '.type' | sort | uniq -c`).map((l) => l.trim()).sort()).toEqual(expected.counts);
      expect(jq(`jq -r 'select(.type == "connection_accept") | .data.client_ip' | sort | uniq`)).toEqual(expected.ips);
      expect(lines(bash(`grep "Hook execution" server.log | jq '.duration_ms'`, dir))).toHaveLength(expectedRuns);
      const dashboard = join(dir, 'rtmp-dashboard.sh');
      copyFileSync(join(GUIDE, 'rtmp-dashboard.sh'), dashboard);
      chmodSync(dashboard, 0o755);
      const board = bash(dashboard, dir);
      expect(board).toContain(['Recent Connections (last 10):', ...expected.recent, ''].join('\n'));
      expect(board).toContain(['Active Streams:', ...expected.streams, ''].join('\n'));
      const summary = lines(board.slice(board.indexOf('Event Summary (last hour):'))).slice(1);
      expect(summary.map((l) => l.trim()).sort()).toEqual(expected.counts);
    }
  }, 60_000);

  it('env lines round-trip any stream key, and shell metacharacters in a key reach a script only as data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srs-env-cli-'));
    const script = join(dir, 'record-event.sh');
    copyFileSync(join(SCRIPTS, 'record-event.sh'), script);
    chmodSync(script, 0o755);
    const srs = track(
      spawnNode([CLI, '--listen', '127.0.0.1:0', '--hook-stdio-format', 'env', '--hook-script', `publish_start=${script}`], {
        cwd: dir,
        stdoutFile: join(dir, 'events.env'),
      }),
    );
    const port = await readyPort(srs.err);
    const names = [
      'a;touch${IFS}PWNED1',
      '$(touch${IFS}PWNED2)',
      '`touch${IFS}PWNED3`',
      'x|touch${IFS}PWNED4>PWNED5',
      'q\'uo"te\\back$HOME&&touch${IFS}PWNED6',
      'caf\u00e9-\u65e5\u672c-\u{1f3a5}',
    ];
    for (const name of names) {
      const client = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/${name}`);
      clients.push(client);
      await client.publish();
    }
    const recorded = (): string[][] => {
      try {
        return lines(readFileSync(join(dir, 'events.tsv'), 'utf8')).map((l) => l.split('\t'));
      } catch {
        return [];
      }
    };
    await waitFor('every publish_start script run', () => recorded().length === names.length);
    srs.child.kill('SIGTERM');
    expect(await srs.exited).toBe(0);

    const keys = names.map((name) => `live/${name}`);
    // The script got each key as $2 and as RTMP_STREAM_KEY, unchanged, and nothing ran.
    expect(recorded().map((l) => l[1]).sort()).toEqual([...keys].sort());
    expect(recorded().map((l) => l[3]).sort()).toEqual([...keys].sort());
    const text = srs.out();
    const records = parseEnvRecords(text);
    const published = records.filter((r) => r.get('RTMP_EVENT_TYPE') === 'publish_start');
    expect(published.map((r) => r.get('RTMP_STREAM_KEY')).sort()).toEqual([...keys].sort());
    expect([...published[0]!.keys()]).toEqual([
      'RTMP_EVENT_TYPE',
      'RTMP_TIMESTAMP',
      'RTMP_CONN_ID',
      'RTMP_CLIENT_ID',
      'RTMP_STREAM_KEY',
      'RTMP_APP',
      'RTMP_PUBLISHING_NAME',
      'RTMP_PUBLISHING_TYPE',
    ]);
    expect(records.filter((r) => r.get('RTMP_EVENT_TYPE') === 'connection_close').map((r) => r.get('RTMP_REASON'))).toEqual(names.map(() => 'server_shutdown'));
    // Each line is one variable: no value spans lines.
    for (const line of text.split('\n')) expect(line === '' || /^RTMP_[A-Z_]+=(\$'.*'|[A-Za-z0-9_.\/:@%+,=-]*)$/.test(line)).toBe(true);
    // Safe values are bare, so a plain grep finds an event type.
    expect(text.split('\n').filter((line) => line === 'RTMP_EVENT_TYPE=publish_start')).toHaveLength(published.length);
    // The README's bash reader yields the same values.
    const reader = `while IFS= read -r line; do
      if [ -z "$line" ]; then printf '%s\\t%s\\n' "$RTMP_EVENT_TYPE" "$RTMP_STREAM_KEY"; else eval "$line"; fi
    done < events.env`;
    const fromBash = lines(bash(reader, dir)).map((l) => l.split('\t'));
    expect(fromBash).toEqual(records.map((r) => [r.get('RTMP_EVENT_TYPE'), r.get('RTMP_STREAM_KEY')]));
    expect(readdirSync(dir).filter((f) => f.startsWith('PWNED'))).toEqual([]);
  }, 40_000);

  it('refuses malformed hook flags at start with one clear line and a non-zero exit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'srs-flags-'));
    const notExecutable = join(dir, 'hook.sh');
    writeFileSync(notExecutable, '#!/bin/sh\n');
    chmodSync(notExecutable, 0o644);
    const badBlock = join(dir, 'hooks.conf');
    writeFileSync(badBlock, 'listen 127.0.0.1:0;\nhooks {\n    script connection_accept on-connect.sh;\n}\nvhost __defaultVhost__ {}\n');
    const cases: Array<{ args: string[]; says: string; exit: number }> = [
      { args: ['--hook-script', 'connection_open=/bin/true'], says: "unknown event 'connection_open'", exit: 2 },
      { args: ['--hook-script', '/bin/true'], says: "missing '='", exit: 2 },
      { args: ['--hook-script', 'publish_start=scripts/on-publish.sh'], says: 'is not absolute', exit: 2 },
      { args: ['--hook-script', `publish_start=${notExecutable}`], says: 'is not executable', exit: 2 },
      { args: ['--hook-script', `publish_start=${join(dir, 'missing.sh')}`], says: 'does not exist', exit: 2 },
      { args: ['--hook-webhook', 'publish_start=localhost:8080/hooks'], says: 'is not an http(s) URL', exit: 2 },
      { args: ['--hook-webhook', 'publish_start=http://'], says: 'is not a valid URL', exit: 2 },
      { args: ['--hook-timeout', '45 seconds'], says: '--hook-timeout 45 seconds', exit: 2 },
      { args: ['--hook-concurrency', '0'], says: '--hook-concurrency 0', exit: 2 },
      { args: ['--hook-stdio-format', 'xml'], says: 'xml', exit: 2 },
      { args: ['-c', badBlock], says: `${badBlock}:3`, exit: 1 },
    ];
    for (const c of cases) {
      const result = spawnSync(process.execPath, [CLI, '--listen', '127.0.0.1:0', ...c.args], { cwd: dir, encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH } });
      const what = c.args.join(' ');
      expect(result.status, `${what}: ${result.stderr}`).toBe(c.exit);
      expect(lines(result.stderr), what).toHaveLength(1);
      expect(result.stderr, what).toContain(c.says);
      expect(result.stdout + result.stderr, what).not.toContain('server ready');
    }
  }, 60_000);
});
