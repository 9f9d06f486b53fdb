import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../../src/errors.js';
import { parseHookFlag, validateHookTargets } from '../../../src/hooks/hook-system.js';
import { makeConfig } from './helpers.js';

let dir: string;
let executable: string;
let plain: string;

function usageLine(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('hook targets', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'srs-hook-targets-'));
    executable = join(dir, 'on-connect.sh');
    writeFileSync(executable, '#!/bin/sh\n');
    chmodSync(executable, 0o755);
    plain = join(dir, 'plain.sh');
    writeFileSync(plain, '#!/bin/sh\n');
    chmodSync(plain, 0o644);
    mkdirSync(join(dir, 'adir'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses the guide forms', () => {
    expect(parseHookFlag('script', `connection_accept=${executable}`)).toEqual({ event: 'connection_accept', target: executable });
    expect(parseHookFlag('webhook', 'publish_start=http://localhost:8080/hooks/publish')).toEqual({
      event: 'publish_start',
      target: 'http://localhost:8080/hooks/publish',
    });
    expect(parseHookFlag('webhook', 'play_stop=https://api.example.com/rtmp?a=b=c').target).toBe('https://api.example.com/rtmp?a=b=c');
  });

  it.each([
    ['script', `${'connection_accept'}`, /missing '='/],
    ['script', `on_publish=/bin/true`, /unknown event 'on_publish'/],
    ['script', 'publish_start=scripts/x.sh', /is not absolute/],
    ['script', 'publish_start=/nonexistent/x.sh', /does not exist/],
    ['script', 'publish_start=', /empty target/],
    ['webhook', 'publish_start=localhost:8080/x', /not an http\(s\) URL|not a valid URL/],
    ['webhook', 'publish_start=ftp://example.com/x', /not an http\(s\) URL/],
    ['webhook', 'publish_start=http://', /not a valid URL|has no host/],
  ] as const)('%s %s → one clear line', (kind, spec, pattern) => {
    const message = usageLine(() => parseHookFlag(kind, spec));
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
    expect(message).toContain(`--hook-${kind}`);
  });

  it('refuses a script that is not executable, or not a file', () => {
    expect(usageLine(() => parseHookFlag('script', `publish_start=${plain}`))).toMatch(/not executable/);
    expect(usageLine(() => parseHookFlag('script', `publish_start=${join(dir, 'adir')}`))).toMatch(/not a regular file/);
  });

  it('validates the config block at start', () => {
    expect(() => validateHookTargets(makeConfig({ hooks: { scripts: [{ event: 'publish_start', target: executable }] } }).hooks)).not.toThrow();
    expect(usageLine(() => validateHookTargets(makeConfig({ hooks: { scripts: [{ event: 'publish_start', target: plain }] } }).hooks))).toMatch(
      /hook script for publish_start: .* is not executable/,
    );
    expect(usageLine(() => validateHookTargets(makeConfig({ hooks: { webhooks: [{ event: 'play_start', target: 'mailto:x@y' }] } }).hooks))).toMatch(
      /hook webhook for play_start/,
    );
  });

  it('names the file and line of a target a config file gave (a config error, not a usage error)', () => {
    const missing = join(dir, 'missing.sh');
    const hooks = makeConfig({ hooks: { scripts: [{ event: 'publish_start', target: missing, origin: { file: 'conf/x.conf', line: 14 } }] } }).hooks;
    let thrown: unknown;
    try {
      validateHookTargets(hooks);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe(`conf/x.conf:14: hook script for publish_start: script '${missing}' does not exist`);
  });
});
