import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { waitFor } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli.js');

function srs(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 20_000 });
}

function tempConf(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'srs-cli-')), 'test.conf');
  writeFileSync(file, text);
  return file;
}

describe('srs command line (real process)', () => {
  it('-t on a good file prints SRS\'s two lines and exits 0', () => {
    const result = srs(['-t', '-c', 'conf/srs.conf']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('the config file conf/srs.conf syntax is ok');
    expect(result.stdout).toContain('config file conf/srs.conf test is successful');
  });

  it('-t prints every warning with file and line, the value warnings of http_remux included, and still succeeds', () => {
    const file = tempConf('listen 1935;\nhttp_server { https { enabled on; } }\nvhost v {\n  tcp_nodelay on;\n  http_remux { enabled on; mount [vhost]/[app]/[stream].aac; fast_cache 30; }\n}\n');
    const result = srs(['-t', '-c', file]);
    expect(result.status).toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([
      `warn: ${file}:2: http_server.https: not supported, ignored`,
      `warn: ${file}:4: vhost.tcp_nodelay: has no effect: srs-ts always sets TCP_NODELAY`,
      `warn: ${file}:5: vhost.http_remux.mount: not supported yet, the mount is not served (.aac: HTTP-FLV and HTTP-TS are)`,
      `warn: ${file}:5: vhost.http_remux.fast_cache: not supported, ignored (it only affects .aac/.mp3 mounts)`,
    ]);
    expect(result.stdout).toContain(`config file ${file} test is successful`);
  });

  it('-t on a broken file names file and line, says test is failed, exits 1, no stack', () => {
    const file = tempConf('listen 1935;\nvhost x {\n  play { gop_cache maybe; }\n}\n');
    const result = srs(['-t', '-c', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${file}:3:`);
    expect(result.stderr).toContain(`config file ${file} test is failed`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a hook script that does not exist fails -t and the start alike: file and line, exit 1', () => {
    const script = join(mkdtempSync(join(tmpdir(), 'srs-cli-')), 'on-publish.sh');
    const file = tempConf(`listen 127.0.0.1:0;\nsrs_log_tank console;\nhooks {\n    script publish_start ${script};\n}\nvhost __defaultVhost__ {}\n`);
    const expected = `${file}:4: hook script for publish_start: script '${script}' does not exist`;
    const tested = srs(['-t', '-c', file]);
    expect(tested.status).toBe(1);
    expect(tested.stderr).toContain(expected);
    expect(tested.stderr).toContain(`config file ${file} test is failed`);
    const started = srs(['-c', file]);
    expect(started.status).toBe(1);
    expect(started.stderr.trim().split('\n')).toEqual([`srs: ${expected}`]);
    // A flag's bad script stays a command-line error (exit 2).
    const flagged = srs(['-t', '-c', 'conf/srs.conf', '--hook-script', `publish_start=${script}`]);
    expect(flagged.status).toBe(2);
    expect(flagged.stderr).toContain('--hook-script');
  });

  it('refuses a missing file and a port of 70000 with one clear line', () => {
    const missing = srs(['-c', '/nonexistent/srs.conf']);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('/nonexistent/srs.conf');
    const port = srs(['-t', '-c', tempConf('listen 70000;\nvhost __defaultVhost__ {}\n')]);
    expect(port.status).toBe(1);
    expect(port.stderr).toMatch(/:1: .*70000/);
  });

  it('a port in use and an unwritable srs_log_file are one line each, exit 3, no stack', async () => {
    const holder = createServer();
    await new Promise<void>((listening) => holder.listen(0, '127.0.0.1', listening));
    try {
      const port = (holder.address() as AddressInfo).port;
      const dir = mkdtempSync(join(tmpdir(), 'srs-cli-'));
      // The default tank is a file (as SRS): the async log stream must not crash the exit.
      const busy = srs(['-c', tempConf(`listen 127.0.0.1:${port};\nsrs_log_file ${dir}/srs.log;\nvhost __defaultVhost__ {}\n`)]);
      expect(busy.status).toBe(3);
      // The default tank is a file, so the one line naming it comes first (a silent terminal otherwise).
      expect(busy.stderr.trim().split('\n')).toEqual([
        `srs: logging to ${dir}/srs.log (srs_log_tank file; srs_log_tank console logs to the terminal)`,
        expect.stringContaining('EADDRINUSE'),
      ]);
      const badLog = srs(['-c', tempConf('listen 127.0.0.1:0;\nsrs_log_tank file;\nsrs_log_file /dev/null/srs.log;\nvhost __defaultVhost__ {}\n')]);
      expect(badLog.status).toBe(3);
      expect(badLog.stderr.trim().split('\n')).toEqual([expect.stringContaining('cannot open srs_log_file /dev/null/srs.log')]);
    } finally {
      holder.close();
    }
  });

  it('prints the version and the help, exit 0; a bad flag value exits 2', () => {
    expect(srs(['-v']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(srs(['-h']).stdout).toContain('--hook-script');
    const bad = srs(['--listen', 'nope', '-c', 'conf/srs.conf']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--listen nope');
    // commander's own errors carry our prefix too.
    const unknown = srs(['--bogus']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim()).toBe("srs: unknown option '--bogus'");
  });
});

describe('srs server process: signals', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  function start(file: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    const proc = spawn(process.execPath, [CLI, '-c', file], { cwd: mkdtempSync(join(tmpdir(), 'srs-run-')), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
    child = proc;
    return { child: proc, output: () => output, exited };
  }

  it('SIGHUP with a broken file keeps the old config; SIGTERM ends sessions and exits 0', async () => {
    const file = tempConf('listen 127.0.0.1:0;\ndaemon off;\nsrs_log_tank console;\npid ./srs.pid;\nvhost __defaultVhost__ {}\n');
    const run = start(file);
    const ready = await waitFor('server ready', () => /"rtmp":\["127\.0\.0\.1:(\d+)"\]/.exec(run.output()));
    const port = Number(ready[1]);
    const client = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/s`);
    await client.publish();

    writeFileSync(file, 'listen 127.0.0.1:0;\nvhost broken {\n');
    run.child.kill('SIGHUP');
    await waitFor('reload failure logged', () => run.output().includes('reload failed, keeping the old config'));
    expect(run.output()).toContain(`${file}:2`);
    // Still serving with the old config.
    const player = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/s`);
    await player.play();

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await client.closed;
    expect(run.output()).toContain('server_shutdown');
    expect(run.output()).toContain('server stopped');
    player.close();
  });

  it('SIGINT (Ctrl-C) stops gracefully and exits 0', async () => {
    const run = start(tempConf('listen 127.0.0.1:0;\nsrs_log_tank console;\nvhost __defaultVhost__ {}\n'));
    await waitFor('server ready', () => run.output().includes('server ready'));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('"signal":"SIGINT"');
  });
});
