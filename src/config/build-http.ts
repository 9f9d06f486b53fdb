import { BOUNDS, DEFAULTS } from './defaults.js';
import { childrenNamed, displayText, firstChild, type Directive } from './directive.js';
import { envSource, splitEnvList, type EnvMap, type EnvSetting } from './env.js';
import type { HttpRemuxConfig, HttpServerConfig, ListenAddress } from './schema.js';
import { readSetting } from './setting.js';
import { errorAt, invalidValue, isSecurityTarget, originOf, parseDecimal, parseEndpoint, parseOnOff, singleArg, type ValueSource } from './values.js';
import { NOT_SUPPORTED, type ConfigWarning } from './warning.js';

/**
 * The HTTP server (root `http_server {}`) and HTTP live streaming
 * (`vhost.http_remux {}`), srs-wave2-spec §1.1: SRS's getters
 * get_http_stream_* (srs_app_config.cpp:8295-8374) and
 * get_vhost_http_remux_* (:8534-8710), each with its SRS_* override.
 */

/**
 * Every arg of every directive named `name` (SRS reads one `listen`; we read
 * all), or the variable split on spaces; the same address twice is an error.
 */
export function readEndpoints(c: readonly Directive[], name: string, key: string, setting: EnvSetting, env: EnvMap): ListenAddress[] {
  const fromEnv = envSource(env, setting, key);
  const sources: ValueSource[] = fromEnv !== undefined
    ? splitEnvList(fromEnv)
    : childrenNamed(c, name).flatMap((directive) => directive.args.map((text) => ({ key, text, origin: originOf(directive) })));
  const addresses: ListenAddress[] = [];
  for (const source of sources) {
    const address = parseEndpoint(source);
    if (addresses.some((other) => other.host === address.host && other.port === address.port)) {
      throw errorAt(source.origin, `${key} ${displayText(source.text)} is given twice`);
    }
    addresses.push(address);
  }
  return addresses;
}

/** Root `http_server { ... }`; an empty `listen` falls back to 8080, as SRS's getter does for an empty arg0. */
export function buildHttpServer(c: readonly Directive[], env: EnvMap): HttpServerConfig {
  const listen = readEndpoints(c, 'listen', 'http_server.listen', 'httpServerListen', env);
  return {
    enabled: readSetting(env, 'httpServerEnabled', firstChild(c, 'enabled'), 'http_server.enabled', parseOnOff, DEFAULTS.httpServer.enabled),
    listen: listen.length > 0 ? listen : [{ host: undefined, port: DEFAULTS.httpServer.port }],
    dir: readSetting(env, 'httpServerDir', firstChild(c, 'dir'), 'http_server.dir', parsePath, DEFAULTS.httpServer.dir),
    crossdomain: readSetting(env, 'httpServerCrossdomain', firstChild(c, 'crossdomain'), 'http_server.crossdomain', parseOnOff, DEFAULTS.httpServer.crossdomain),
    trustedProxies: childrenNamed(c, 'trusted_proxies').flatMap((directive) => directive.args.map((text) => parseProxy({ key: 'http_server.trusted_proxies', text, origin: originOf(directive) }))),
  };
}

/** A file or directory path: any non-empty text. */
export function parsePath(source: ValueSource): string {
  if (source.text === '') throw errorAt(source.origin, `${source.key} requires a path`);
  return source.text;
}

/** Our `trusted_proxies`: an IP or a CIDR (not `all`: SRS's blind trust is what this replaces). */
function parseProxy(source: ValueSource): string {
  if (source.text === 'all' || !isSecurityTarget(source.text)) throw invalidValue(source, 'an IP address or a CIDR');
  return source.text;
}

/** The extensions a mount may end with; each selects a muxer (SrsLiveStream::do_serve_http, srs_app_http_stream.cpp:718-742). */
const MOUNT_EXTENSIONS = ['.flv', '.ts', '.aac', '.mp3'] as const;
/** Mount extensions SRS serves and srs-ts does not yet. */
const UNSERVED_EXTENSIONS: readonly string[] = ['.aac', '.mp3'];

/**
 * `vhost.http_remux { ... }` with its warnings. `vhost` is the vhost
 * directive: it names the place of a warning about a value that came
 * from an SRS_* variable.
 */
export function buildHttpRemux(vhost: Directive, env: EnvMap): { config: HttpRemuxConfig; warnings: ConfigWarning[] } {
  const blocks = childrenNamed(vhost.children, 'http_remux');
  const second = blocks[1];
  // SRS check_normal_config (srs_app_config.cpp:2804-2806).
  if (second !== undefined) throw errorAt(originOf(second), `vhost.http_remux only one but count=${blocks.length} of ${displayText(vhost.args[0] ?? '')}`);
  const c = blocks[0]?.children ?? [];
  const onOff = (setting: EnvSetting, key: string, fallback: boolean): boolean =>
    readSetting(env, setting, firstChild(c, key), `vhost.http_remux.${key}`, parseOnOff, fallback);
  const mountSource = sourceOf(c, 'mount', 'remuxMount', env);
  const fastCacheSource = sourceOf(c, 'fast_cache', 'remuxFastCache', env);
  const config: HttpRemuxConfig = {
    enabled: onOff('remuxEnabled', 'enabled', DEFAULTS.httpRemux.enabled),
    mount: mountSource === undefined ? DEFAULTS.httpRemux.mount : parseMount(mountSource),
    fastCacheSec: fastCacheSource === undefined ? DEFAULTS.httpRemux.fastCacheSec : parseDecimal(fastCacheSource, ...BOUNDS.fastCacheSec),
    dropIfNotMatch: onOff('remuxDropIfNotMatch', 'drop_if_not_match', DEFAULTS.httpRemux.dropIfNotMatch),
    hasAudio: onOff('remuxHasAudio', 'has_audio', DEFAULTS.httpRemux.hasAudio),
    hasVideo: onOff('remuxHasVideo', 'has_video', DEFAULTS.httpRemux.hasVideo),
    guessHasAv: onOff('remuxGuessHasAv', 'guess_has_av', DEFAULTS.httpRemux.guessHasAv),
  };
  const warnings: ConfigWarning[] = [];
  if (config.enabled) {
    const extension = UNSERVED_EXTENSIONS.find((ext) => config.mount.endsWith(ext));
    if (extension !== undefined && mountSource !== undefined) {
      warnings.push(warningAt(mountSource, vhost, `not supported yet, the mount is not served (${extension}: HTTP-FLV and HTTP-TS are)`));
    }
    if (config.fastCacheSec > 0 && fastCacheSource !== undefined) {
      warnings.push(warningAt(fastCacheSource, vhost, `${NOT_SUPPORTED} (it only affects .aac/.mp3 mounts)`));
    }
  }
  return { config, warnings };
}

/** The SRS_* variable if set, else the first directive's single value. */
function sourceOf(c: readonly Directive[], key: string, setting: EnvSetting, env: EnvMap): ValueSource | undefined {
  const dotted = `vhost.http_remux.${key}`;
  const fromEnv = envSource(env, setting, dotted);
  if (fromEnv !== undefined) return fromEnv;
  const directive = firstChild(c, key);
  return directive === undefined ? undefined : singleArg(directive, dotted);
}

/**
 * A mount template. SRS accepts any text and refuses every viewer of an
 * unknown extension (`invalid pattern`, srs_app_http_stream.cpp:742); we
 * refuse it at load. A mount without [stream] is accepted, as in SRS.
 */
function parseMount(source: ValueSource): string {
  if (!MOUNT_EXTENSIONS.some((ext) => source.text.endsWith(ext))) throw invalidValue(source, `a path ending in ${MOUNT_EXTENSIONS.join(', ')}`);
  return source.text;
}

/** A warning at the value's line, or at the vhost's line naming the variable it came from. */
function warningAt(source: ValueSource, vhost: Directive, message: string): ConfigWarning {
  if (source.origin.kind === 'file') return { file: source.origin.file, line: source.origin.line, directive: source.key, message };
  return { file: vhost.file, line: vhost.line, directive: source.key, message: `${message} (from ${source.origin.variable})` };
}
