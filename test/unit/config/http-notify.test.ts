import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadLalConfig } from '../../../src/config/load.js';
import { parseLalConfig } from '../../../src/config/lal-json.js';
import { REPO_ROOT, buildText, configErrorOf } from './helpers.js';

const BASE = 'listen 1935; vhost __defaultVhost__ { }';

describe('http_notify block', () => {
  it('reads lal event keys as directives, update_interval as seconds or a duration, timeout 3 s by default, no warning', () => {
    const { config, warnings } = buildText(`${BASE} server_id lal-1; http_notify { enabled on; update_interval 7; on_pub_start http://127.0.0.1:10101/on_pub_start; on_hls_make_ts http://h/ts; }`);
    expect(config.serverId).toBe('lal-1');
    expect(config.httpNotify).toEqual({ enabled: true, updateIntervalSec: 7, timeoutMs: 3000, urls: { on_pub_start: 'http://127.0.0.1:10101/on_pub_start', on_hls_make_ts: 'http://h/ts' } });
    expect(warnings).toEqual([]);
    expect(buildText(`${BASE} http_notify { update_interval 5s; timeout 500ms; }`).config.httpNotify).toMatchObject({ enabled: false, updateIntervalSec: 5, timeoutMs: 500 });
    expect(buildText(`${BASE} http_notify { update_interval 0; }`).config.httpNotify.updateIntervalSec).toBe(0);
  });

  it.each([
    ['update_interval 1500ms;', 'http_notify.update_interval=1500ms is invalid'],
    ['update_interval -1;', 'http_notify.update_interval=-1 is invalid'],
    ['on_update ftp://x;', 'http_notify.on_update=ftp://x is invalid'],
    ['on_pub_strat http://x;', 'illegal'],
  ])('refuses %s', (directive, message) => {
    expect(configErrorOf(() => buildText(`${BASE} http_notify { ${directive} }`)).message).toContain(message);
  });

  it('SRS_HTTP_NOTIFY_* override the file', () => {
    const { config } = buildText(`${BASE} http_notify { enabled off; }`, { SRS_HTTP_NOTIFY_ENABLED: 'on', SRS_HTTP_NOTIFY_UPDATE_INTERVAL: '2', SRS_HTTP_NOTIFY_ON_SUB_STOP: 'http://e/stop' });
    expect(config.httpNotify).toMatchObject({ enabled: true, updateIntervalSec: 2, urls: { on_sub_stop: 'http://e/stop' } });
  });
});

describe('lalserver JSON config (--lal-config)', () => {
  it('reads server_id and http_notify of a lalserver.conf.json; "" turns an event off', () => {
    const part = loadLalConfig(path.join(REPO_ROOT, 'test/fixtures/lal/lalserver.conf.json'));
    expect(part.serverId).toBe('lal-node-7');
    expect(part.httpNotify).toMatchObject({ enabled: true, updateIntervalSec: 7, timeoutMs: 3000 });
    expect(Object.keys(part.httpNotify!.urls)).toEqual(['on_server_start', 'on_update', 'on_pub_start', 'on_pub_stop', 'on_sub_start', 'on_sub_stop', 'on_rtmp_connect', 'on_hls_make_ts']);
  });

  it.each([
    ['{', 'not JSON'],
    ['[]', 'not an object'],
    ['{"server_id":1}', 'server_id must be a string'],
    ['{"http_notify":{"enable":"yes"}}', 'http_notify.enable'],
    ['{"http_notify":{"update_interval_sec":1.5}}', 'update_interval_sec'],
    ['{"http_notify":{"on_update":"nope"}}', 'http_notify.on_update=nope is invalid'],
  ])('refuses %s naming the file', (text, message) => {
    const error = configErrorOf(() => parseLalConfig(text, 'lal.json'));
    expect(error.message).toContain('lal.json');
    expect(error.message).toContain(message);
  });

  it('a missing file is a config error naming it', () => {
    expect(configErrorOf(() => loadLalConfig('/nonexistent/lal.json')).message).toContain('/nonexistent/lal.json');
  });
});
