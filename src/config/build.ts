import { ConfigError } from '../errors.js';
import { buildHooks } from './build-hooks.js';
import { buildHttpNotify } from './build-http-notify.js';
import { buildStaticRelayPull } from './build-relay-pull.js';
import { buildHttpServer, parsePath, readEndpoints } from './build-http.js';
import { buildVhost } from './build-vhost.js';
import { checkDirectiveNames } from './check.js';
import { ConfigErrorCode } from './codes.js';
import { BOUNDS, DEFAULTS } from './defaults.js';
import { childrenNamed, displayText, firstChild, type Directive } from './directive.js';
import type { EnvMap } from './env.js';
import { legacyWarnings, rewriteLegacy } from './legacy.js';
import type { Config, ExporterConfig, HttpApiConfig, ListenAddress, SrsLogLevel, VhostConfig } from './schema.js';
import { readSetting } from './setting.js';
import { parseChoice, parseEndpoint, parseInteger, parseOnOff, type ValueSource } from './values.js';
import type { ConfigWarning } from './warning.js';

/**
 * Directive tree -> typed, validated Config (pure). Order follows SRS: legacy
 * forms rewritten (srs_config_transform_vhost), names checked
 * (check_normal_config), then every value read with its SRS default, the
 * SRS_* variables winning over the file (srs-spec §3.1, §3.2).
 */

/** Inputs besides the directives. */
export interface BuildOptions {
  /** The main config file, kept in Config.file; undefined for env-only or the embedded default. */
  readonly file: string | undefined;
  /** Environment for SRS_* overrides; pass `{}` for none. */
  readonly env: EnvMap;
}

/** Builds the Config; throws ConfigError naming file and line on the first problem. */
export function buildConfig(directives: readonly Directive[], options: BuildOptions): { config: Config; warnings: ConfigWarning[] } {
  const { env, file } = options;
  rejectUnexpandedIncludes(directives);
  if (directives.length === 0) throw wholeFileError(file, 'conf is empty');
  const legacy = rewriteLegacy(directives);
  const root = legacy.directives;
  const warnings = legacyWarnings(legacy.rewrites, checkDirectiveNames(root));
  const chunkSize = readSetting(env, 'chunkSize', firstChild(root, 'chunk_size'), 'chunk_size', (source) => parseInteger(source, ...BOUNDS.chunkSize), DEFAULTS.chunkSize);
  const vhosts = new Map<string, VhostConfig>();
  for (const directive of childrenNamed(root, 'vhost')) {
    const { vhost, warnings: vhostWarnings } = buildVhost(directive, { chunkSize }, env);
    warnings.push(...vhostWarnings);
    const first = vhosts.get(vhost.name);
    if (first === undefined) vhosts.set(vhost.name, vhost);
    else warnings.push({ file: directive.file, line: directive.line, directive: 'vhost', message: `duplicate vhost ${displayText(vhost.name)}, the first (line ${first.position?.line ?? 0}) wins` });
  }
  const config: Config = {
    file,
    listen: buildListen(root, env, file),
    maxConnections: readSetting(env, 'maxConnections', firstChild(root, 'max_connections'), 'max_connections', (source) => parseInteger(source, ...BOUNDS.maxConnections), DEFAULTS.maxConnections),
    daemon: readSetting(env, 'daemon', firstChild(root, 'daemon'), 'daemon', parseOnOff, DEFAULTS.daemon),
    pid: readSetting(env, 'pid', firstChild(root, 'pid'), 'pid', parsePath, DEFAULTS.pid),
    logTank: readSetting(env, 'logTank', firstChild(root, 'srs_log_tank'), 'srs_log_tank', (source) => parseChoice(source, ['console', 'file'] as const), DEFAULTS.logTank),
    logLevel: buildLogLevel(root, env),
    logFile: readSetting(env, 'logFile', firstChild(root, 'srs_log_file'), 'srs_log_file', parsePath, DEFAULTS.logFile),
    chunkSize,
    serverId: readSetting<string | undefined>(env, 'serverId', firstChild(root, 'server_id'), 'server_id', (source) => source.text, undefined),
    httpApi: buildHttpApi(firstChild(root, 'http_api')?.children ?? [], env),
    exporter: buildExporter(firstChild(root, 'exporter')?.children ?? [], env),
    httpServer: buildHttpServer(firstChild(root, 'http_server')?.children ?? [], env),
    hooks: buildHooks(root),
    httpNotify: buildHttpNotify(root, env),
    staticRelayPull: buildStaticRelayPull(root),
    vhosts,
  };
  return { config: deepFreeze(config), warnings };
}

/** Freezes plain objects and arrays (Maps keep their API but hold frozen values): a reload builds a new Config. */
function deepFreeze<T>(value: T): T {
  if (value instanceof Map) {
    for (const item of value.values()) deepFreeze(item);
    return value;
  }
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** Every `listen` directive's args (SRS reads only the first directive; we read all), or SRS_LISTEN split on spaces. */
function buildListen(root: readonly Directive[], env: EnvMap, file: string | undefined): ListenAddress[] {
  const addresses = readEndpoints(root, 'listen', 'listen', 'listen', env);
  if (addresses.length === 0) throw wholeFileError(file, 'listen requires params');
  return addresses;
}

/** SRS log level names (srs_get_log_level) and the v2 names that override them (srs_get_log_level_v2). */
const V2_TO_V1: Readonly<Record<string, SrsLogLevel>> = { trace: 'verbose', debug: 'info', info: 'trace', warn: 'warn', error: 'error' };

function buildLogLevel(root: readonly Directive[], env: EnvMap): SrsLogLevel {
  const v2 = readSetting<string | undefined>(env, 'logLevelV2', firstChild(root, 'srs_log_level_v2'), 'srs_log_level_v2', (source) => parseChoice(source, ['trace', 'debug', 'info', 'warn', 'error'] as const), undefined);
  if (v2 !== undefined) return V2_TO_V1[v2] as SrsLogLevel;
  return readSetting(env, 'logLevel', firstChild(root, 'srs_log_level'), 'srs_log_level', (source) => parseChoice(source, ['verbose', 'info', 'trace', 'warn', 'error'] as const), DEFAULTS.logLevel);
}

function buildHttpApi(c: readonly Directive[], env: EnvMap): HttpApiConfig {
  return {
    enabled: readSetting(env, 'httpApiEnabled', firstChild(c, 'enabled'), 'http_api.enabled', parseOnOff, DEFAULTS.httpApi.enabled),
    listen: readSetting(env, 'httpApiListen', firstChild(c, 'listen'), 'http_api.listen', parseEndpoint, { host: undefined, port: DEFAULTS.httpApi.port }),
    crossdomain: readSetting(env, 'httpApiCrossdomain', firstChild(c, 'crossdomain'), 'http_api.crossdomain', parseOnOff, DEFAULTS.httpApi.crossdomain),
    auth: buildApiAuth(firstChild(c, 'auth')?.children ?? [], env),
    rawApi: {
      enabled: readSetting(env, 'rawApiEnabled', firstChild(firstChild(c, 'raw_api')?.children ?? [], 'enabled'), 'http_api.raw_api.enabled', parseOnOff, false),
      allowReload: readSetting(env, 'rawApiAllowReload', firstChild(firstChild(c, 'raw_api')?.children ?? [], 'allow_reload'), 'http_api.raw_api.allow_reload', parseOnOff, false),
    },
  };
}

/** `exporter { enabled; listen; label; tag; }`; label and tag are free text. */
function buildExporter(c: readonly Directive[], env: EnvMap): ExporterConfig {
  const text = (source: ValueSource): string => source.text;
  return {
    enabled: readSetting(env, 'exporterEnabled', firstChild(c, 'enabled'), 'exporter.enabled', parseOnOff, DEFAULTS.exporter.enabled),
    listen: readSetting(env, 'exporterListen', firstChild(c, 'listen'), 'exporter.listen', parseEndpoint, { host: undefined, port: DEFAULTS.exporter.port }),
    label: readSetting(env, 'exporterLabel', firstChild(c, 'label'), 'exporter.label', text, ''),
    tag: readSetting(env, 'exporterTag', firstChild(c, 'tag'), 'exporter.tag', text, ''),
  };
}

/** `http_api.auth { enabled; username; password; }` (srs_app_config.cpp get_http_api_auth_*). */
function buildApiAuth(c: readonly Directive[], env: EnvMap): HttpApiConfig['auth'] {
  const text = (source: ValueSource): string => source.text;
  const auth = {
    enabled: readSetting(env, 'apiAuthEnabled', firstChild(c, 'enabled'), 'http_api.auth.enabled', parseOnOff, false),
    username: readSetting(env, 'apiAuthUsername', firstChild(c, 'username'), 'http_api.auth.username', text, ''),
    password: readSetting(env, 'apiAuthPassword', firstChild(c, 'password'), 'http_api.auth.password', text, ''),
  };
  if (auth.enabled && auth.username === '') {
    const at = firstChild(c, 'enabled');
    throw new ConfigError('http_api.auth.username is required when auth is enabled', { file: at?.file, line: at?.line, code: ConfigErrorCode.Invalid });
  }
  return auth;
}

/** `include` is expanded by load.ts (the only file with fs access); one left here is a caller bug. */
function rejectUnexpandedIncludes(directives: readonly Directive[]): void {
  for (const directive of directives) {
    if (directive.name === 'include') {
      throw new ConfigError('include must be expanded by loadConfig before building', { file: directive.file, line: directive.line, code: ConfigErrorCode.Include });
    }
    rejectUnexpandedIncludes(directive.children);
  }
}

/** A problem of the whole file (no directive to point at): reported on line 1. */
function wholeFileError(file: string | undefined, message: string): ConfigError {
  return new ConfigError(message, { file, line: file === undefined ? undefined : 1, code: ConfigErrorCode.Invalid });
}
