import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { CONF_FIXTURES, REPO_ROOT, configErrorOf } from './helpers.js';

/**
 * Golden config files: each file in test/fixtures/conf/broken starts with
 * `# expect: <line>: <message>`, the exact error loadConfig must give
 * (prefixed with the file as shown, relative to the cwd).
 */
const BROKEN_DIR = `${CONF_FIXTURES}/broken`;
const broken = readdirSync(path.join(REPO_ROOT, BROKEN_DIR)).filter((name) => name.endsWith('.conf')).sort();

function expectationOf(file: string): { line: number; message: string } {
  const first = readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n')[0] ?? '';
  const match = /^# expect: (\d+): (.*)$/.exec(first);
  if (match === null) throw new Error(`${file} has no "# expect: <line>: <message>" first line`);
  return { line: Number(match[1]), message: match[2] as string };
}

describe('golden broken configs', () => {
  it('has the cases the issue asks for', () => {
    expect(broken.length).toBeGreaterThanOrEqual(30);
    expect(broken).toEqual(expect.arrayContaining(['unknown-directive.conf', 'port-70000.conf', 'unclosed-block.conf']));
  });

  it.each(broken)('%s', (name) => {
    const file = `${BROKEN_DIR}/${name}`;
    const { line, message } = expectationOf(file);
    const error = configErrorOf(() => loadConfig({ file, env: {}, cwd: REPO_ROOT }));
    expect(error.message).toBe(`${file}:${line}: ${message}`);
    expect(error.file).toBe(file);
    expect(error.line).toBe(line);
  });
});

describe('golden valid configs', () => {
  it('reads SRS1/2 legacy forms the way SRS3+ rewrites them, with one warning each', () => {
    const file = `${CONF_FIXTURES}/valid/legacy-srs2.conf`;
    const { config, warnings } = loadConfig({ file, env: {}, cwd: REPO_ROOT });
    expect(config.httpServer).toEqual({ enabled: true, listen: [{ host: undefined, port: 8081 }], dir: './objs/nginx/html', crossdomain: true, trustedProxies: [] });
    const vhost = config.vhosts.get('legacy.srs.com');
    // SRS get_or_create: the vhost-level gop_cache goes into the existing play{} and replaces its gop_cache.
    expect(vhost?.play).toEqual({ gopCache: false, gopCacheMaxFrames: 2500, queueLengthSec: 12, mwLatencyMs: 100 });
    expect(vhost?.publish).toEqual({ firstPacketTimeoutMs: 15000, normalTimeoutMs: 7000 });
    expect(vhost?.refer).toEqual({ enabled: true, all: ['a.com', 'b.com'], publish: [], play: ['play.com'] });
    expect(warnings.map((w) => [w.line, w.directive, w.message])).toEqual([
      [3, 'http_stream', 'legacy SRS form, read as http_server'],
      [9, 'vhost.gop_cache', 'legacy SRS form, read as vhost.play.gop_cache'],
      [10, 'vhost.queue_length', 'legacy SRS form, read as vhost.play.queue_length'],
      [11, 'vhost.mw_latency', 'legacy SRS form, read as vhost.play.mw_latency'],
      [12, 'vhost.time_jitter', 'not supported, ignored (legacy SRS form of vhost.play.time_jitter)'],
      [13, 'vhost.publish_1stpkt_timeout', 'legacy SRS form, read as vhost.publish.firstpkt_timeout'],
      [14, 'vhost.publish_normal_timeout', 'legacy SRS form, read as vhost.publish.normal_timeout'],
      [15, 'vhost.refer', 'legacy SRS form, read as vhost.refer.all'],
      [16, 'vhost.refer_play', 'legacy SRS form, read as vhost.refer.play'],
      // mr {} becomes publish.mr/mr_latency, which we do not implement: one warning says both.
      [17, 'vhost.mr', 'not supported, ignored (legacy SRS form of vhost.publish.mr)'],
      [23, 'vhost.play.mw_msgs', 'not supported, ignored'],
    ]);
    expect(warnings.every((w) => w.file === file)).toBe(true);
  });

  it('reads CRLF files, quotes, glued comments, empty quotes and space-separated URL lists', () => {
    const file = `${CONF_FIXTURES}/valid/quirks-crlf.conf`;
    const { config, warnings } = loadConfig({ file, env: {}, cwd: REPO_ROOT });
    expect(warnings).toEqual([]);
    expect(config.listen).toEqual([{ host: undefined, port: 1935 }, { host: '127.0.0.1', port: 1936 }]);
    expect(config.logTank).toBe('console');
    const vhost = config.vhosts.get('q.com');
    expect(vhost?.position).toEqual({ file, line: 4 });
    expect(vhost?.httpHooks.onPublish).toEqual(['http://127.0.0.1:8085/a#frag', 'http://127.0.0.1:8085/b', 'http://127.0.0.1:8085/c']);
    expect(vhost?.refer).toEqual({ enabled: true, all: ['a.com'], publish: [], play: [] });
  });
});
