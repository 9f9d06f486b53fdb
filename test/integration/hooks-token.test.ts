import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishArgs, runFfmpeg, stopProcess, waitFor, type FfmpegRun } from './harness.js';

/**
 * Issue 4, token auth end to end, the README walkthrough as processes: the
 * sample api-server (`dist/research/api-server/main.js --secret`), the real
 * CLI with the shipped conf/token.auth.conf (hook URLs pointed at the
 * api-server's ephemeral port by SRS_VHOST_HTTP_HOOKS_* overrides), tokens
 * minted by the api-server's `mint` subcommand, and ffmpeg publishing and
 * playing with valid, wrong, expired and missing tokens.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli.js');
const API_SERVER = join(ROOT, 'dist/research/api-server/main.js');
const SECRET = 'change-me';

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  output: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, args, {
    cwd: mkdtempSync(join(tmpdir(), 'srs-token-')),
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, output: () => output, exited };
}

/** JSON lines of a process's stdout (the api-server writes one per hook call). */
function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function mint(secret: string, url: string, extra: string[] = []): string {
  const result = spawnSync(process.execPath, [API_SERVER, 'mint', '--secret', secret, '--url', url, ...extra], { encoding: 'utf8', timeout: 20_000 });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
}

describe('token auth: api-server --secret + conf/token.auth.conf + ffmpeg', () => {
  let api: Proc;
  let srs: Proc;
  let rtmpBase: string;
  const runs: FfmpegRun[] = [];

  beforeAll(async () => {
    api = start([API_SERVER, '--port', '0', '--host', '127.0.0.1', '--secret', SECRET]);
    const listening = await waitFor('api server listening', () => jsonLines(api.stdout()).find((l) => l['msg'] === 'api server listening'));
    expect(listening['token_auth']).toBe(true);
    const hooks = `http://127.0.0.1:${String(listening['port'])}/api/v1`;
    srs = start([CLI, '-c', join(ROOT, 'conf/token.auth.conf'), '--listen', '127.0.0.1:0'], {
      SRS_VHOST_HTTP_HOOKS_ON_PUBLISH: `${hooks}/streams`,
      SRS_VHOST_HTTP_HOOKS_ON_PLAY: `${hooks}/sessions`,
    });
    const ready = await waitFor('srs ready', () => /"rtmp":\["127\.0\.0\.1:(\d+)"\]/.exec(srs.output()) ?? undefined);
    rtmpBase = `rtmp://127.0.0.1:${ready[1]}`;
  });

  afterAll(async () => {
    for (const run of runs) stopProcess(run.child);
    srs?.child.kill('SIGTERM');
    api?.child.kill('SIGTERM');
    expect(await srs.exited).toBe(0);
    await api.exited;
  });

  function ffmpeg(args: string[]): FfmpegRun {
    const run = runFfmpeg(args);
    runs.push(run);
    return run;
  }

  it('publishes and plays only with a valid token; wrong, expired and missing tokens are refused with the reason', async () => {
    const url = `${rtmpBase}/live/livestream`;
    const valid = mint(SECRET, url);
    expect(valid).toMatch(new RegExp(`^${url}\\?expire=\\d+&token=[0-9a-f]{64}$`));
    const wrong = mint('not-the-secret', url);
    const expired = mint(SECRET, url, ['--ttl=-60']);
    const bad = { wrong: { url: wrong, code: 4003 }, expired: { url: expired, code: 4004 }, missing: { url, code: 4001 } };

    // Refused publishers: ffmpeg exits non-zero and prints the hook's verdict.
    const refusedPublishers = Object.entries(bad).map(([name, b]) => ({ name, ...b, run: ffmpeg(publishArgs(b.url, 3)) }));
    for (const p of refusedPublishers) {
      expect(await p.run.exited, p.name).not.toBe(0);
      expect(p.run.stderr(), p.name).toContain(`Server error: on_publish denied: response code ${p.code}`);
    }

    // The valid publisher goes live; it is stopped once the players are done.
    const publisher = ffmpeg(publishArgs(valid, 30));
    await waitFor('valid publish allowed', () =>
      jsonLines(api.stdout()).find((l) => l['event'] === 'on_publish' && l['verdict'] === 'allow'),
    );
    // One token works for publishing and for playing the same app/stream.
    const player = ffmpeg(['-i', valid, '-t', '1', '-f', 'null', '-']);
    const refusedPlayers = Object.entries(bad).map(([name, b]) => ({ name, ...b, run: ffmpeg(['-i', b.url, '-t', '1', '-f', 'null', '-']) }));
    for (const p of refusedPlayers) {
      expect(await p.run.exited, p.name).not.toBe(0);
      expect(p.run.stderr(), p.name).toContain(`Server error: on_play denied: response code ${p.code}`);
    }
    expect(await player.exited, player.stderr()).toBe(0);
    expect(player.stderr()).toMatch(/Stream #0:\d+: Video: h264/);
    expect(player.stderr()).toMatch(/Stream #0:\d+: Audio: aac/);
    expect(publisher.child.exitCode).toBeNull();
    stopProcess(publisher.child);

    // The api-server logged one line per decision, with the reason.
    const decisions = jsonLines(api.stdout())
      .filter((l) => l['verdict'] !== undefined)
      .map((l) => `${String(l['event'])} ${String(l['verdict'])} ${String(l['reason'])}`)
      .sort();
    expect(decisions).toEqual(
      [
        'on_publish deny token wrong',
        'on_publish deny token expired',
        'on_publish deny token missing',
        'on_publish allow token valid',
        'on_play allow token valid',
        'on_play deny token wrong',
        'on_play deny token expired',
        'on_play deny token missing',
      ].sort(),
    );
    // The secret never shows in the server's output.
    expect(srs.output()).not.toContain(SECRET);
  }, 60_000);
});
