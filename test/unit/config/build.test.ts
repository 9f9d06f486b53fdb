import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/build.js';
import { ConfigErrorCode } from '../../../src/config/codes.js';
import { parseConfigText } from '../../../src/config/parse.js';
import type { Config, VhostConfig } from '../../../src/config/schema.js';
import { buildText, configErrorOf, vhostOf } from './helpers.js';

const MINIMAL = 'listen 1935;\nvhost __defaultVhost__ {}\n';

/** SRS v7.0.18 getter defaults (srs-spec §3.2), spelled out so a changed default fails here. */
const DEFAULT_VHOST: VhostConfig = {
  name: '__defaultVhost__',
  enabled: true,
  chunkSize: 60000,
  minLatency: false,
  inAckSize: 0,
  outAckSize: 2500000,
  play: { gopCache: true, gopCacheMaxFrames: 2500, queueLengthSec: 30, mwLatencyMs: 350 },
  publish: { firstPacketTimeoutMs: 20000, normalTimeoutMs: 5000 },
  httpHooks: {
    enabled: false, onConnect: [], onClose: [], onPublish: [], onUnpublish: [], onPlay: [], onStop: [], onHls: [], onHlsNotify: [],
    timeoutMs: undefined, tlsVerify: true,
  },
  security: { enabled: false, rules: [] },
  refer: { enabled: false, all: [], publish: [], play: [] },
  httpRemux: { enabled: false, mount: '[vhost]/[app]/[stream].flv', fastCacheSec: 0, dropIfNotMatch: true, hasAudio: true, hasVideo: true, guessHasAv: true },
  hls: {
    enabled: false, fragmentSec: 10, tdRatio: 1, aofRatio: 2.1, windowSec: 60, onError: 'continue', path: './objs/nginx/html',
    m3u8File: '[app]/[stream].m3u8', tsFile: '[app]/[stream]-[seq].ts', tsFloor: false, entryPrefix: '', acodec: 'aac', vcodec: 'h264',
    cleanup: true, disposeSec: 120, waitKeyframe: true, nbNotify: 64, ctx: true, tsCtx: true,
  },
  cluster: { mode: 'local', origins: [], vhost: '[vhost]', tokenTraverse: false },
  forward: { enabled: false, destinations: [] },
  position: { file: 'test.conf', line: 2 },
};

function errorOf(text: string): [number | undefined, string, string] {
  const error = configErrorOf(() => buildText(text));
  return [error.line, error.message.replace(`test.conf:${error.line}: `, ''), error.code];
}

describe('buildConfig: defaults', () => {
  it('gives SRS defaults for a minimal config', () => {
    const { config, warnings } = buildText(MINIMAL);
    expect(warnings).toEqual([]);
    const expected: Config = {
      file: 'test.conf',
      listen: [{ host: undefined, port: 1935 }],
      maxConnections: 1000,
      daemon: true,
      pid: './objs/srs.pid',
      logTank: 'file',
      logLevel: 'trace',
      logFile: './objs/srs.log',
      chunkSize: 60000,
      serverId: undefined,
      httpApi: { enabled: false, listen: { host: undefined, port: 1985 }, crossdomain: true, auth: { enabled: false, username: '', password: '' }, rawApi: { enabled: false, allowReload: false } },
      httpServer: { enabled: false, listen: [{ host: undefined, port: 8080 }], dir: './objs/nginx/html', crossdomain: true, trustedProxies: [] },
      exporter: { enabled: false, listen: { host: undefined, port: 9972 }, label: '', tag: '' },
      hooks: { scripts: [], webhooks: [], stdioFormat: undefined, timeoutMs: 30000, concurrency: 10, queueSize: 1000 },
      httpNotify: { enabled: false, updateIntervalSec: 5, timeoutMs: 3000, urls: {} },
      staticRelayPull: { enabled: false, addr: undefined },
      vhosts: new Map([['__defaultVhost__', DEFAULT_VHOST]]),
    };
    expect(config).toEqual(expected);
  });

  it('returns a frozen config', () => {
    const { config } = buildText(MINIMAL);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.listen)).toBe(true);
    expect(Object.isFrozen(config.vhosts.get('__defaultVhost__')?.play)).toBe(true);
  });

  it('keeps vhosts in config order; the first of a name wins, with a warning', () => {
    const { config, warnings } = buildText('listen 1935;\nvhost b {}\nvhost a { enabled off; }\nvhost a { enabled on; }\n');
    expect([...config.vhosts.keys()]).toEqual(['b', 'a']);
    expect(config.vhosts.get('a')?.enabled).toBe(false);
    expect(warnings).toEqual([{ file: 'test.conf', line: 4, directive: 'vhost', message: 'duplicate vhost a, the first (line 3) wins' }]);
  });

  it('reads the first of a duplicated single-valued directive, with a warning (SRS get)', () => {
    const { config, warnings } = buildText('listen 1935;\nmax_connections 5;\nmax_connections 6;\n');
    expect(config.maxConnections).toBe(5);
    expect(warnings).toEqual([{ file: 'test.conf', line: 3, directive: 'max_connections', message: 'duplicate, the first (line 2) wins' }]);
  });

  it('lets a vhost inherit the global chunk_size', () => {
    expect(vhostOf('listen 1935;\nchunk_size 4096;\nvhost __defaultVhost__ {}').chunkSize).toBe(4096);
    expect(vhostOf('listen 1935;\nchunk_size 4096;\nvhost __defaultVhost__ { chunk_size 128; }').chunkSize).toBe(128);
  });
});

describe('buildConfig: listen', () => {
  it.each([
    ['1935', [{ host: undefined, port: 1935 }]],
    [':1935', [{ host: undefined, port: 1935 }]],
    ['127.0.0.1:1935', [{ host: '127.0.0.1', port: 1935 }]],
    ['[::1]:1935', [{ host: '::1', port: 1935 }]],
    ['[2001:db8::1]:19350', [{ host: '2001:db8::1', port: 19350 }]],
    ['[::ffff:127.0.0.1]:1', [{ host: '::ffff:127.0.0.1', port: 1 }]],
    ['0', [{ host: undefined, port: 0 }]],
    ['1935 127.0.0.1:1936', [{ host: undefined, port: 1935 }, { host: '127.0.0.1', port: 1936 }]],
  ])('listen %s', (text, expected) => {
    expect(buildText(`listen ${text};`).config.listen).toEqual(expected);
  });

  it('reads every listen directive', () => {
    expect(buildText('listen 1935;\nlisten [::1]:1935;').config.listen).toEqual([{ host: undefined, port: 1935 }, { host: '::1', port: 1935 }]);
  });

  it.each([
    ['70000', 'listen.port=70000 is invalid, expecting a port in 0..65535'],
    ['-1', 'listen.port=-1 is invalid, expecting a port in 0..65535'],
    ['abc', 'listen.port=abc is invalid, expecting a port in 0..65535'],
    ['127.0.0.1:', 'listen.port="" is invalid, expecting a port in 0..65535'],
    ['1.2.3.256:1935', 'listen.ip=1.2.3.256 is invalid, expecting an IPv4 address or [IPv6]'],
    ['[zz::1]:1935', 'listen.ip=zz::1 is invalid, expecting an IPv6 address in [ ]'],
    ['[1::2::3]:1935', 'listen.ip=1::2::3 is invalid, expecting an IPv6 address in [ ]'],
    ['::1:1935', 'listen.ip=::1 is invalid, expecting an IPv4 address or [IPv6]'],
  ])('refuses listen %s', (text, message) => {
    expect(errorOf(`vhost x {}\nlisten ${text};`)).toEqual([2, message, ConfigErrorCode.Invalid]);
  });
});

describe('buildConfig: values are validated with file and line', () => {
  it.each([
    ['daemon yes;', 'daemon=yes is invalid, expecting on or off'],
    ['daemon ON;', 'daemon=ON is invalid, expecting on or off'],
    ['daemon on off;', 'daemon takes exactly one value, got 2 (on off)'],
    ['srs_log_tank syslog;', 'srs_log_tank=syslog is invalid, expecting one of console|file'],
    ['srs_log_level_v2 verbose;', 'srs_log_level_v2=verbose is invalid, expecting one of trace|debug|info|warn|error'],
    ['chunk_size 65537;', 'chunk_size=65537 is invalid, expecting an integer in 128..65536'],
    ['max_connections 0;', 'max_connections=0 is invalid, expecting an integer in 1..1000000'],
    ['http_api { listen 99999; }', 'http_api.listen.port=99999 is invalid, expecting a port in 0..65535'],
    ['http_server { enabled 1; }', 'http_server.enabled=1 is invalid, expecting on or off'],
    ['http_server { crossdomain yes; }', 'http_server.crossdomain=yes is invalid, expecting on or off'],
    ['http_server { listen 8080 [::1]:x; }', 'http_server.listen.port=x is invalid, expecting a port in 0..65535'],
    ['http_server { listen 8080 :8080; }', 'http_server.listen :8080 is given twice'],
    ['http_server { dir ""; }', 'http_server.dir takes exactly one value, got none'],
    ['http_server { trusted_proxies 10.0.0.0/8 all; }', 'http_server.trusted_proxies=all is invalid, expecting an IP address or a CIDR'],
    ['http_server { trusted_proxies 10.0.0.0/33; }', 'http_server.trusted_proxies=10.0.0.0/33 is invalid, expecting an IP address or a CIDR'],
    ['vhost v { http_remux { mount [vhost]/[app]/[stream].mp4; } }', 'vhost.http_remux.mount=[vhost]/[app]/[stream].mp4 is invalid, expecting a path ending in .flv, .ts, .aac, .mp3'],
    ['vhost v { http_remux { mount [vhost]/[app]/[stream]; } }', 'vhost.http_remux.mount=[vhost]/[app]/[stream] is invalid, expecting a path ending in .flv, .ts, .aac, .mp3'],
    ['vhost v { http_remux { fast_cache -1; } }', 'vhost.http_remux.fast_cache=-1 is invalid, expecting a number in 0..3600'],
    ['vhost v { http_remux { has_audio 1; } }', 'vhost.http_remux.has_audio=1 is invalid, expecting on or off'],
    ['vhost v { play { queue_length 1.2.3; } }', 'vhost.play.queue_length=1.2.3 is invalid, expecting a number in 0..3600'],
    ['vhost v { publish { normal_timeout 5s; } }', 'vhost.publish.normal_timeout=5s is invalid, expecting an integer in 0..3600000'],
    ['vhost v { out_ack_size -5; }', 'vhost.out_ack_size=-5 is invalid, expecting an integer in 0..2147483647'],
    ['vhost v { security { allow read all; } }', 'vhost.security.allow.method=read is invalid, expecting one of publish|play'],
    ['vhost v { security { deny play; } }', 'vhost.security.deny takes a method (publish|play) and a target (all, IP or CIDR), got 1 value(s)'],
    ['vhost v { http_hooks { tls_verify maybe; } }', 'vhost.http_hooks.tls_verify=maybe is invalid, expecting on or off'],
    ['vhost v { http_hooks { on_play file:///tmp/x; } }', 'vhost.http_hooks.on_play=file:///tmp/x is invalid, expecting an http:// or https:// URL'],
    ['vhost a b {}', 'vhost takes exactly one name, got a b'],
    ['hooks { script publish_start; }', 'hooks.script takes an event and a target, got 1 value(s)'],
    ['hooks { stdio_format xml; }', 'hooks.stdio_format=xml is invalid, expecting one of json|env'],
    ['hooks { concurrency 0; }', 'hooks.concurrency=0 is invalid, expecting an integer in 1..1000'],
    ['hooks { queue 2000000; }', 'hooks.queue=2000000 is invalid, expecting an integer in 1..1000000'],
    ['hooks { timeout 11m; }', 'hooks.timeout=11m is invalid, expecting a duration such as 30s or 500ms, at most 600000 ms'],
    ['hooks { webhook publish_start http://; }', 'hooks.webhook=http:// is invalid, expecting an http:// or https:// URL'],
  ])('%s', (text, message) => {
    expect(errorOf(`listen 1935;\n${text}`)).toEqual([2, message, ConfigErrorCode.Invalid]);
  });

  it('maps srs_log_level_v2 onto SRS level names, overriding srs_log_level', () => {
    const level = (text: string): string => buildText(`listen 1935;\n${text}`).config.logLevel;
    expect(level('srs_log_level warn;')).toBe('warn');
    expect(level('srs_log_level error;\nsrs_log_level_v2 trace;')).toBe('verbose');
    expect(level('srs_log_level_v2 debug;')).toBe('info');
    expect(level('srs_log_level_v2 info;')).toBe('trace');
  });
});

describe('buildConfig: vhost blocks', () => {
  it('reads http_hooks URL lists in order, splitting args that hold spaces', () => {
    const hooks = vhostOf(`listen 1935;
vhost __defaultVhost__ {
    http_hooks {
        enabled on;
        on_connect http://a/1 https://b/2;
        on_publish "http://a/3 http://a/4";
        on_stop http://127.0.0.1:8085/api/v1/sessions?x=[app];
        timeout 1500ms;
        tls_verify off;
    }
}`).httpHooks;
    expect(hooks.enabled).toBe(true);
    expect(hooks.onConnect).toEqual(['http://a/1', 'https://b/2']);
    expect(hooks.onPublish).toEqual(['http://a/3', 'http://a/4']);
    expect(hooks.onStop).toEqual(['http://127.0.0.1:8085/api/v1/sessions?x=[app]']);
    expect(hooks.timeoutMs).toBe(1500);
    expect(hooks.tlsVerify).toBe(false);
  });

  it('reads security rules in order and refer lists', () => {
    const vhost = vhostOf(`listen 1935;
vhost __defaultVhost__ {
    security { enabled on; deny publish 10.0.0.0/8; allow publish all; allow play ::1; allow play 2001:db8::/32; }
    refer { enabled on; all a.com b.com; play p.com; }
}`);
    expect(vhost.security).toEqual({
      enabled: true,
      rules: [
        { action: 'deny', method: 'publish', target: '10.0.0.0/8' },
        { action: 'allow', method: 'publish', target: 'all' },
        { action: 'allow', method: 'play', target: '::1' },
        { action: 'allow', method: 'play', target: '2001:db8::/32' },
      ],
    });
    expect(vhost.refer).toEqual({ enabled: true, all: ['a.com', 'b.com'], publish: [], play: ['p.com'] });
  });

  it('reads http_server: several listen addresses, crossdomain, our trusted_proxies', () => {
    const { config, warnings } = buildText(`listen 1935;
http_server {
    enabled on;
    listen 8080 127.0.0.1:8081;
    listen [::1]:8082;
    dir /srv/html;
    crossdomain off;
    trusted_proxies 10.0.0.1 192.168.0.0/16;
    trusted_proxies ::1;
}`);
    expect(warnings).toEqual([]);
    expect(config.httpServer).toEqual({
      enabled: true,
      listen: [{ host: undefined, port: 8080 }, { host: '127.0.0.1', port: 8081 }, { host: '::1', port: 8082 }],
      dir: '/srv/html',
      crossdomain: false,
      trustedProxies: ['10.0.0.1', '192.168.0.0/16', '::1'],
    });
  });

  it('reads http_remux; a mount without [stream] is accepted, as SRS does', () => {
    const vhost = vhostOf(`listen 1935;
vhost __defaultVhost__ {
    http_remux {
        enabled on;
        mount /live/one.ts;
        drop_if_not_match off;
        has_audio off;
        has_video off;
        guess_has_av off;
    }
}`);
    expect(vhost.httpRemux).toEqual({ enabled: true, mount: '/live/one.ts', fastCacheSec: 0, dropIfNotMatch: false, hasAudio: false, hasVideo: false, guessHasAv: false });
  });

  it('refuses a second http_remux in a vhost (SRS check_normal_config)', () => {
    expect(errorOf('listen 1935;\nvhost v {\n  http_remux { enabled on; }\n  http_remux { enabled off; }\n  http_remux {}\n}'))
      .toEqual([4, 'vhost.http_remux only one but count=3 of v', ConfigErrorCode.Invalid]);
  });

  it.each([['.aac'], ['.mp3']])('warns that an enabled %s mount is not served', (ext) => {
    const { config, warnings } = buildText(`listen 1935;\nvhost v {\n  http_remux {\n    enabled on;\n    mount [vhost]/[app]/[stream]${ext};\n  }\n}`);
    expect(config.vhosts.get('v')?.httpRemux.mount).toBe(`[vhost]/[app]/[stream]${ext}`);
    expect(warnings).toEqual([{ file: 'test.conf', line: 5, directive: 'vhost.http_remux.mount', message: `not supported yet, the mount is not served (${ext}: HTTP-FLV and HTTP-TS are)` }]);
  });

  it('warns about fast_cache above 0 (it only affects .aac/.mp3), not about 0 or a disabled block', () => {
    const warningsOf = (text: string) => buildText(`listen 1935;\nvhost v {\n  http_remux {\n    ${text}\n  }\n}`).warnings;
    expect(warningsOf('enabled on; fast_cache 1.5;')).toEqual([{ file: 'test.conf', line: 4, directive: 'vhost.http_remux.fast_cache', message: 'not supported, ignored (it only affects .aac/.mp3 mounts)' }]);
    expect(warningsOf('enabled on; fast_cache 0;')).toEqual([]);
    expect(warningsOf('enabled off; fast_cache 30; mount [vhost]/[app]/[stream].aac;')).toEqual([]);
    expect(buildText('listen 1935;\nvhost v { http_remux { enabled on; fast_cache 2; } }').config.vhosts.get('v')?.httpRemux.fastCacheSec).toBe(2);
  });

  it('reads our hooks block', () => {
    const { config } = buildText(`listen 1935;
hooks {
    script connection_accept /opt/a.sh;
    script publish_start /opt/b.sh;
    webhook play_stop https://example.com/x?y=1;
    stdio_format env;
    timeout 45s;
    concurrency 20;
    queue 5;
}`);
    expect(config.hooks).toEqual({
      // Each target knows its line, so a script that does not exist is an error there.
      scripts: [
        { event: 'connection_accept', target: '/opt/a.sh', origin: { file: 'test.conf', line: 3 } },
        { event: 'publish_start', target: '/opt/b.sh', origin: { file: 'test.conf', line: 4 } },
      ],
      webhooks: [{ event: 'play_stop', target: 'https://example.com/x?y=1', origin: { file: 'test.conf', line: 5 } }],
      stdioFormat: 'env',
      timeoutMs: 45000,
      concurrency: 20,
      queueSize: 5,
    });
  });
});

describe('buildConfig: SRS compatibility of names', () => {
  it.each([
    ['foo 1;', 2, 'illegal directive foo'],
    ['http_api { bar on; }', 2, 'illegal http_api.bar'],
    ['http_api { raw_api { allow_all on; } }', 2, 'illegal http_api.raw_api.allow_all'],
    ['vhost v {\n  gop_cach on;\n}', 3, 'illegal vhost.gop_cach'],
    ['vhost v {\n  http_hooks { on_connekt http://a/b; }\n}', 3, 'illegal vhost.http_hooks.on_connekt of v'],
    ['vhost v {\n  transcode { engine e { vcodek copy; } }\n}', 3, 'illegal vhost.transcode.engine.vcodek of v'],
    ['hooks { scripts publish_start /a; }', 2, 'illegal hooks.scripts'],
    ['stream_caster { sip { foo 1; } }', 2, 'illegal stream_caster.sip.foo'],
  ])('%s is an error', (text, line, message) => {
    expect(errorOf(`listen 1935;\n${text}`)).toEqual([line, message, ConfigErrorCode.Invalid]);
  });

  it('warns once per directive SRS knows and we do not implement, naming file, line and path', () => {
    const { warnings } = buildText(`listen 1935;
rtc_server {
    enabled on;
    tcp { enabled on; }
}
vhost v {
    hls { enabled on; hls_fragment 10; hls_keys on; hls_key_url http://k/; }
    play { atc on; gop_cache on; }
}`);
    expect(warnings).toEqual([
      { file: 'test.conf', line: 2, directive: 'rtc_server', message: 'not supported, ignored' },
      { file: 'test.conf', line: 7, directive: 'vhost.hls.hls_key_url', message: 'not supported, ignored' },
      { file: 'test.conf', line: 8, directive: 'vhost.play.atc', message: 'not supported, ignored' },
      { file: 'test.conf', line: 7, directive: 'vhost.hls.hls_keys', message: 'not supported, ignored (segments are written unencrypted)' },
    ]);
  });

  it('warns about what is parsed by SRS and has no consumer here: play, publish, http_hooks, https, tcp_nodelay', () => {
    const { warnings } = buildText(`listen 1935;
http_server {
    https { enabled on; }
}
vhost v {
    tcp_nodelay on;
    play { mw_msgs 8; time_jitter full; }
    publish { kickoff_for_idle 10; }
    http_hooks { on_dvr http://a/1; on_hls http://a/2; on_hls_notify http://a/3; }
    hls { enabled on; hls_storage disk; }
}`);
    const at = (line: number, directive: string, message = 'not supported, ignored') => ({ file: 'test.conf', line, directive, message });
    expect(warnings).toEqual([
      at(3, 'http_server.https'),
      at(6, 'vhost.tcp_nodelay', 'has no effect: srs-ts always sets TCP_NODELAY'),
      at(7, 'vhost.play.mw_msgs'),
      at(7, 'vhost.play.time_jitter'),
      at(8, 'vhost.publish.kickoff_for_idle'),
      at(9, 'vhost.http_hooks.on_dvr'),
      at(10, 'vhost.hls.hls_storage', 'not supported, ignored (SRS removed HLS in RAM; segments go to hls_path)'),
    ]);
  });

  it('accepts full.conf`s is_full with a warning (SRS refuses to run it)', () => {
    const { warnings } = buildText('listen 1935;\nis_full on;');
    expect(warnings).toEqual([{ file: 'test.conf', line: 2, directive: 'is_full', message: 'not supported, ignored (SRS refuses a config with is_full on: it marks the full.conf reference)' }]);
  });

  it('refuses an include that load.ts did not expand', () => {
    const error = configErrorOf(() => buildConfig(parseConfigText('listen 1935;\ninclude x.conf;', 't.conf'), { file: 't.conf', env: {} }));
    expect([error.message, error.code]).toEqual(['t.conf:2: include must be expanded by loadConfig before building', ConfigErrorCode.Include]);
  });

  it('names a BOM in the first directive', () => {
    expect(errorOf('\ufefflisten 1935;')).toEqual([1, 'illegal directive "\\ufefflisten" (the file starts with a UTF-8 byte order mark; save it without BOM)', ConfigErrorCode.Invalid]);
  });
});

describe('buildConfig: cluster and forward', () => {
  it('reads an edge: origins in order with their ports, the upstream vhost; warns what an edge does not do yet', () => {
    const { config, warnings } = buildText(`listen 1935;
vhost v {
    cluster { mode remote; origin 10.0.0.1 10.0.0.2:19350 [::1]:1936; vhost up.example; token_traverse on; debug_srs_upnode off; protocol flv; }
    forward { enabled on; destination 127.0.0.1:19350 backup.example; backend http://127.0.0.1:8085/api/v1/forward; }
}`);
    const vhost = config.vhosts.get('v');
    expect(vhost?.cluster).toEqual({
      mode: 'remote',
      origins: [{ host: '10.0.0.1', port: 1935 }, { host: '10.0.0.2', port: 19350 }, { host: '::1', port: 1936 }],
      vhost: 'up.example',
      tokenTraverse: true,
    });
    expect(vhost?.forward).toEqual({ enabled: true, destinations: [{ host: '127.0.0.1', port: 19350 }, { host: 'backup.example', port: 1935 }] });
    expect(warnings.map((w) => `${w.line} ${w.directive}: ${w.message}`)).toEqual([
      '3 vhost.cluster.debug_srs_upnode: not supported, ignored',
      '3 vhost.cluster.protocol: not supported, ignored (the edge pulls over RTMP)',
      '4 vhost.forward.backend: not supported, ignored (destination is used)',
    ]);
  });

  it('refuses an edge without origins and a malformed origin, naming the line', () => {
    expect(errorOf('listen 1935;\nvhost v {\n  cluster { mode remote; }\n}')).toEqual([3, 'vhost.cluster.origin is required for mode remote of v', 'ERR_CONFIG_INVALID']);
    expect(errorOf('listen 1935;\nvhost v {\n  cluster { mode remote;\n origin 1.2.3.4:99999; }\n}')[0]).toBe(4);
    expect(errorOf('listen 1935;\nvhost v {\n  cluster { mode edge; origin a; }\n}')[0]).toBe(3);
  });
});
