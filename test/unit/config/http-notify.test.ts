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

describe('static_relay_pull block', () => {
  it('is off by default, reads enabled and addr without a warning', () => {
    expect(buildText(BASE).config.staticRelayPull).toEqual({ enabled: false, addr: undefined });
    const { config, warnings } = buildText(`${BASE} static_relay_pull { enabled on; addr 10.0.0.1:19350; }`);
    expect(config.staticRelayPull).toEqual({ enabled: true, addr: { host: '10.0.0.1', port: 19350 } });
    expect(warnings).toEqual([]);
  });

  it('refuses enabled without addr and a bad addr, naming the line', () => {
    expect(configErrorOf(() => buildText(`${BASE}\nstatic_relay_pull { enabled on; }`)).message).toMatch(/:2: static_relay_pull is enabled without an addr/);
    expect(configErrorOf(() => buildText(`${BASE}\nstatic_relay_pull {\n addr :1; }`)).message).toMatch(/:3: static_relay_pull.addr=:1 is invalid/);
  });
});

describe('lalserver JSON config (--lal-config)', () => {
  it('reads server_id and http_notify of a lalserver.conf.json; "" turns an event off', () => {
    const part = loadLalConfig(path.join(REPO_ROOT, 'test/fixtures/lal/lalserver.conf.json'));
    expect(part.serverId).toBe('lal-node-7');
    expect(part.httpNotify).toMatchObject({ enabled: true, updateIntervalSec: 7, timeoutMs: 3000 });
    expect(Object.keys(part.httpNotify!.urls)).toEqual(['on_server_start', 'on_update', 'on_pub_start', 'on_pub_stop', 'on_sub_start', 'on_sub_stop', 'on_rtmp_connect', 'on_hls_make_ts']);
    expect(part.staticRelayPull).toEqual({ enabled: true, addr: { host: '127.0.0.1', port: 19350 } });
  });

  it('reads static_relay_pull: absent, disabled with an empty addr, an addr without port', () => {
    expect(parseLalConfig('{}', 'lal.json').staticRelayPull).toBeUndefined();
    expect(parseLalConfig('{"static_relay_pull":{"enable":false,"addr":""}}', 'lal.json').staticRelayPull).toEqual({ enabled: false, addr: undefined });
    expect(parseLalConfig('{"static_relay_pull":{"enable":true,"addr":"origin.example"}}', 'lal.json').staticRelayPull).toEqual({ enabled: true, addr: { host: 'origin.example', port: 1935 } });
  });

  it.each([
    ['{', 'not JSON'],
    ['[]', 'not an object'],
    ['{"server_id":1}', 'server_id must be a string'],
    ['{"http_notify":{"enable":"yes"}}', 'http_notify.enable'],
    ['{"http_notify":{"update_interval_sec":1.5}}', 'update_interval_sec'],
    ['{"http_notify":{"on_update":"nope"}}', 'http_notify.on_update=nope is invalid'],
    ['{"static_relay_pull":{"enable":true,"addr":""}}', 'enabled without an addr'],
    ['{"static_relay_pull":{"enable":true,"addr":"h:99999"}}', 'static_relay_pull.addr=h:99999 is invalid'],
    ['{"static_relay_pull":[]}', 'static_relay_pull must be an object'],
  ])('refuses %s naming the file', (text, message) => {
    const error = configErrorOf(() => parseLalConfig(text, 'lal.json'));
    expect(error.message).toContain('lal.json');
    expect(error.message).toContain(message);
  });

  it('a missing file is a config error naming it', () => {
    expect(configErrorOf(() => loadLalConfig('/nonexistent/lal.json')).message).toContain('/nonexistent/lal.json');
  });
});
