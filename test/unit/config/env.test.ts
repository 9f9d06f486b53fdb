import { describe, expect, it } from 'vitest';
import { ConfigErrorCode } from '../../../src/config/codes.js';
import { EMBEDDED_DEFAULT_CONFIG, loadConfig } from '../../../src/config/load.js';
import { CONF_FIXTURES, REPO_ROOT, buildText, configErrorOf } from './helpers.js';

/** Two vhosts, so "applies to every vhost" is observable. */
const TWO_VHOSTS = `listen 1935;
chunk_size 4096;
vhost a.com { play { gop_cache on; } http_hooks { on_publish http://file/a; } }
vhost b.com { }
`;

describe('SRS_* environment overrides (srs-spec §3.1)', () => {
  it('override root settings', () => {
    const { config } = buildText(TWO_VHOSTS, {
      SRS_LISTEN: '1936  127.0.0.1:1937',
      SRS_MAX_CONNECTIONS: '7',
      SRS_DAEMON: 'off',
      SRS_PID: '/tmp/x.pid',
      SRS_SRS_LOG_TANK: 'console',
      SRS_SRS_LOG_LEVEL: 'warn',
      SRS_SRS_LOG_FILE: '/tmp/x.log',
      SRS_SERVER_ID: 'vid-test',
      SRS_HTTP_API_ENABLED: 'on',
      SRS_HTTP_API_LISTEN: '127.0.0.1:1986',
      SRS_HTTP_API_CROSSDOMAIN: 'off',
      SRS_HTTP_API_AUTH_ENABLED: 'on',
      SRS_HTTP_API_AUTH_USERNAME: 'ops',
      SRS_HTTP_API_AUTH_PASSWORD: 'p:w',
      SRS_HTTP_API_RAW_API_ENABLED: 'on',
      SRS_HTTP_API_RAW_API_ALLOW_RELOAD: 'on',
      SRS_HTTP_SERVER_ENABLED: 'on',
      SRS_HTTP_SERVER_LISTEN: '8081  127.0.0.1:8082',
      SRS_HTTP_SERVER_DIR: '/srv/html',
      SRS_HTTP_SERVER_CROSSDOMAIN: 'off',
    });
    expect(config.listen).toEqual([{ host: undefined, port: 1936 }, { host: '127.0.0.1', port: 1937 }]);
    expect([config.maxConnections, config.daemon, config.pid, config.logTank, config.logLevel, config.logFile, config.serverId])
      .toEqual([7, false, '/tmp/x.pid', 'console', 'warn', '/tmp/x.log', 'vid-test']);
    expect(config.httpApi).toEqual({ enabled: true, listen: { host: '127.0.0.1', port: 1986 }, crossdomain: false, auth: { enabled: true, username: 'ops', password: 'p:w' }, rawApi: { enabled: true, allowReload: true } });
    expect(config.httpServer).toEqual({
      enabled: true, listen: [{ host: undefined, port: 8081 }, { host: '127.0.0.1', port: 8082 }], dir: '/srv/html', crossdomain: false, trustedProxies: [],
    });
  });

  it('read SRS`s second names (SRS_LOG_TANK, SRS_LOG_LEVEL) and let the v2 level win', () => {
    expect(buildText(TWO_VHOSTS, { SRS_LOG_TANK: 'console', SRS_LOG_LEVEL: 'error' }).config).toMatchObject({ logTank: 'console', logLevel: 'error' });
    expect(buildText(TWO_VHOSTS, { SRS_SRS_LOG_LEVEL: 'error', SRS_SRS_LOG_LEVEL_V2: 'debug' }).config.logLevel).toBe('info');
  });

  it('apply vhost variables to every vhost', () => {
    const { config } = buildText(TWO_VHOSTS, {
      SRS_VHOST_MIN_LATENCY: 'on',
      SRS_VHOST_IN_ACK_SIZE: '1000',
      SRS_VHOST_OUT_ACK_SIZE: '0',
      SRS_VHOST_PLAY_GOP_CACHE: 'off',
      SRS_VHOST_PLAY_GOP_CACHE_MAX_FRAMES: '10',
      SRS_VHOST_PLAY_QUEUE_LENGTH: '5',
      SRS_VHOST_PLAY_MW_LATENCY: '0',
      SRS_VHOST_PUBLISH_FIRSTPKT_TIMEOUT: '1000',
      SRS_VHOST_PUBLISH_NORMAL_TIMEOUT: '2000',
      SRS_VHOST_HTTP_HOOKS_ENABLED: 'on',
      SRS_VHOST_HTTP_HOOKS_ON_CONNECT: 'http://e/connect',
      SRS_VHOST_HTTP_HOOKS_ON_CLOSE: 'http://e/close',
      SRS_VHOST_HTTP_HOOKS_ON_PUBLISH: 'http://e/1 http://e/2',
      SRS_VHOST_HTTP_HOOKS_ON_UNPUBLISH: 'http://e/unpublish',
      SRS_VHOST_HTTP_HOOKS_ON_PLAY: 'http://e/play',
      SRS_VHOST_HTTP_HOOKS_ON_STOP: 'http://e/stop',
      SRS_VHOST_HTTP_REMUX_ENABLED: 'on',
      SRS_VHOST_HTTP_REMUX_MOUNT: '[vhost]/[app]/[stream].ts',
      SRS_VHOST_HTTP_REMUX_FAST_CACHE: '0',
      SRS_VHOST_HTTP_REMUX_DROP_IF_NOT_MATCH: 'off',
      SRS_VHOST_HTTP_REMUX_HAS_AUDIO: 'off',
      SRS_VHOST_HTTP_REMUX_HAS_VIDEO: 'off',
      SRS_VHOST_HTTP_REMUX_GUESS_HAS_AV: 'off',
    });
    for (const name of ['a.com', 'b.com']) {
      const vhost = config.vhosts.get(name);
      expect(vhost).toMatchObject({
        minLatency: true, inAckSize: 1000, outAckSize: 0,
        play: { gopCache: false, gopCacheMaxFrames: 10, queueLengthSec: 5, mwLatencyMs: 0 },
        publish: { firstPacketTimeoutMs: 1000, normalTimeoutMs: 2000 },
        httpHooks: {
          enabled: true, onConnect: ['http://e/connect'], onClose: ['http://e/close'], onPublish: ['http://e/1', 'http://e/2'],
          onUnpublish: ['http://e/unpublish'], onPlay: ['http://e/play'], onStop: ['http://e/stop'],
        },
        httpRemux: { enabled: true, mount: '[vhost]/[app]/[stream].ts', fastCacheSec: 0, dropIfNotMatch: false, hasAudio: false, hasVideo: false, guessHasAv: false },
      });
    }
  });

  it('warn at the vhost line, naming the variable, about an .aac/.mp3 mount or fast_cache from SRS_VHOST_HTTP_REMUX_*', () => {
    const { warnings } = buildText(TWO_VHOSTS, {
      SRS_VHOST_HTTP_REMUX_ENABLED: 'on', SRS_VHOST_HTTP_REMUX_MOUNT: '[vhost]/[app]/[stream].mp3', SRS_VHOST_HTTP_REMUX_FAST_CACHE: '30',
    });
    expect(warnings).toEqual([3, 4].flatMap((line) => [
      { file: 'test.conf', line, directive: 'vhost.http_remux.mount', message: 'not supported yet, the mount is not served (.mp3: HTTP-FLV and HTTP-TS are) (from SRS_VHOST_HTTP_REMUX_MOUNT)' },
      { file: 'test.conf', line, directive: 'vhost.http_remux.fast_cache', message: 'not supported, ignored (it only affects .aac/.mp3 mounts) (from SRS_VHOST_HTTP_REMUX_FAST_CACHE)' },
    ]));
  });

  it('SRS_VHOST_CHUNK_SIZE sets the global and every vhost (SRS get_global_chunk_size); SRS_CHUNK_SIZE only the global', () => {
    const both = buildText(TWO_VHOSTS, { SRS_VHOST_CHUNK_SIZE: '8192' }).config;
    expect([both.chunkSize, both.vhosts.get('a.com')?.chunkSize, both.vhosts.get('b.com')?.chunkSize]).toEqual([8192, 8192, 8192]);
    const global = buildText(`${TWO_VHOSTS}vhost c.com { chunk_size 1024; }`, { SRS_CHUNK_SIZE: '8192' }).config;
    expect([global.chunkSize, global.vhosts.get('b.com')?.chunkSize, global.vhosts.get('c.com')?.chunkSize]).toEqual([8192, 8192, 1024]);
  });

  it('ignore empty variables, as SRS does', () => {
    const { config } = buildText(TWO_VHOSTS, { SRS_LISTEN: '', SRS_VHOST_PLAY_GOP_CACHE: '' });
    expect(config.listen).toEqual([{ host: undefined, port: 1935 }]);
    expect(config.vhosts.get('a.com')?.play.gopCache).toBe(true);
  });

  it.each([
    ['SRS_LISTEN', '1935 70000', 'env SRS_LISTEN: listen.port=70000 is invalid, expecting a port in 0..65535'],
    ['SRS_DAEMON', 'yes', 'env SRS_DAEMON: daemon=yes is invalid, expecting on or off'],
    ['SRS_MAX_CONNECTIONS', 'many', 'env SRS_MAX_CONNECTIONS: max_connections=many is invalid, expecting an integer in 1..1000000'],
    ['SRS_VHOST_PLAY_GOP_CACHE', 'true', 'env SRS_VHOST_PLAY_GOP_CACHE: vhost.play.gop_cache=true is invalid, expecting on or off'],
    ['SRS_HTTP_SERVER_LISTEN', '8080 8080', 'env SRS_HTTP_SERVER_LISTEN: http_server.listen 8080 is given twice'],
    ['SRS_VHOST_HTTP_REMUX_MOUNT', '[vhost]/[app]/[stream].m3u8', 'env SRS_VHOST_HTTP_REMUX_MOUNT: vhost.http_remux.mount=[vhost]/[app]/[stream].m3u8 is invalid, expecting a path ending in .flv, .ts, .aac, .mp3'],
    ['SRS_VHOST_HTTP_HOOKS_ON_PLAY', 'http://ok/1 nope', 'env SRS_VHOST_HTTP_HOOKS_ON_PLAY: vhost.http_hooks.on_play=nope is invalid, expecting an http:// or https:// URL'],
  ])('validate %s like the file (naming the variable)', (variable, value, message) => {
    const error = configErrorOf(() => buildText(TWO_VHOSTS, { [variable]: value }));
    expect([error.message, error.code, error.file]).toEqual([message, ConfigErrorCode.Env, undefined]);
  });
});

describe('loadConfig: file, env-only or embedded', () => {
  const srsConf = 'conf/srs.conf';

  it('reads the file given', () => {
    const result = loadConfig({ file: srsConf, env: {}, cwd: REPO_ROOT });
    expect([result.source, result.config.file, result.config.httpApi.enabled]).toEqual(['file', srsConf, true]);
  });

  it('lets SRS_CONFIG_FILE replace the file option', () => {
    const result = loadConfig({ file: 'does/not/exist.conf', env: { SRS_CONFIG_FILE: `${CONF_FIXTURES}/valid/legacy-srs2.conf` }, cwd: REPO_ROOT });
    expect([result.source, result.config.file]).toEqual(['file', `${CONF_FIXTURES}/valid/legacy-srs2.conf`]);
  });

  it('runs on the embedded default without a file', () => {
    const result = loadConfig({ env: {}, cwd: REPO_ROOT });
    expect(result.source).toBe('embedded');
    expect(result.warnings).toEqual([]);
    expect(result.config).toMatchObject({ file: undefined, listen: [{ host: undefined, port: 1935 }], daemon: false, logTank: 'console' });
    expect([...result.config.vhosts.keys()]).toEqual(['__defaultVhost__']);
    expect(EMBEDDED_DEFAULT_CONFIG).toContain('vhost __defaultVhost__');
  });

  it('applies SRS_* to the embedded default too', () => {
    expect(loadConfig({ env: { SRS_LISTEN: '19350' }, cwd: REPO_ROOT }).config.listen).toEqual([{ host: undefined, port: 19350 }]);
  });

  it.each([
    ['SRS_ENV_ONLY=1', { env: { SRS_ENV_ONLY: '1', SRS_LISTEN: '1940' } }],
    ['the envOnly option (-e)', { envOnly: true, env: { SRS_LISTEN: '1940' } }],
  ])('runs from the environment alone with %s, ignoring any file', (_name, options) => {
    const result = loadConfig({ file: 'does/not/exist.conf', cwd: REPO_ROOT, ...options, env: { SRS_CONFIG_FILE: 'nope.conf', ...options.env } });
    expect(result.source).toBe('env');
    expect(result.config).toMatchObject({ file: undefined, listen: [{ host: undefined, port: 1940 }], daemon: false, logTank: 'console' });
    expect([...result.config.vhosts.keys()]).toEqual(['__defaultVhost__']);
  });

  it('lets env-only variables turn daemon and the file log back on, as SRS does', () => {
    const { config } = loadConfig({ envOnly: true, env: { SRS_DAEMON: 'on', SRS_SRS_LOG_TANK: 'file' }, cwd: REPO_ROOT });
    expect([config.daemon, config.logTank]).toEqual([true, 'file']);
  });
});
