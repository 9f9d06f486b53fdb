import { buildCluster } from './build-cluster.js';
import { buildForward } from './build-forward.js';
import { buildHls } from './build-hls.js';
import { buildHttpRemux } from './build-http.js';
import { BOUNDS, DEFAULTS } from './defaults.js';
import { displayText, firstChild, type Directive } from './directive.js';
import { envSource, splitEnvList, type EnvMap, type EnvSetting } from './env.js';
import type { HttpHooksConfig, PlayConfig, PublishConfig, ReferConfig, SecurityConfig, SecurityRule, VhostConfig } from './schema.js';
import { readSecret, readSetting } from './setting.js';
import type { ConfigWarning } from './warning.js';
import {
  errorAt, invalidValue, isSecurityTarget, originOf, parseChoice, parseDecimal, parseDuration, parseHttpUrl, parseInteger, parseOnOff, type ValueSource,
} from './values.js';

/**
 * `vhost NAME { ... }` -> VhostConfig with SRS defaults (srs-spec §3.2).
 * SRS_VHOST_* variables apply to every vhost, as in SRS.
 */

/** What a vhost inherits from the root. */
export interface VhostDefaults {
  readonly chunkSize: number;
}

/** Builds one vhost and its value warnings; `directive` has already passed the name check and the legacy rewrite. */
export function buildVhost(directive: Directive, inherited: VhostDefaults, env: EnvMap): { vhost: VhostConfig; warnings: ConfigWarning[] } {
  if (directive.args.length !== 1) {
    throw errorAt(originOf(directive), `vhost takes exactly one name, got ${directive.args.length === 0 ? 'none' : directive.args.map((arg) => displayText(arg, 32)).join(' ')}`);
  }
  const name = directive.args[0] as string;
  const c = directive.children;
  const onOff = (setting: EnvSetting | undefined, key: string, fallback: boolean): boolean =>
    readSetting(env, setting, firstChild(c, key), `vhost.${key}`, parseOnOff, fallback);
  const integer = (setting: EnvSetting, key: string, bounds: readonly [number, number], fallback: number): number =>
    readSetting(env, setting, firstChild(c, key), `vhost.${key}`, (source) => parseInteger(source, ...bounds), fallback);
  const httpRemux = buildHttpRemux(directive, env);
  const hls = buildHls(directive, env);
  const cluster = buildCluster(directive);
  const forward = buildForward(directive);
  const vhost: VhostConfig = {
    name,
    enabled: onOff(undefined, 'enabled', DEFAULTS.vhost.enabled),
    chunkSize: integer('vhostChunkSize', 'chunk_size', BOUNDS.chunkSize, inherited.chunkSize),
    minLatency: onOff('vhostMinLatency', 'min_latency', DEFAULTS.vhost.minLatency),
    inAckSize: integer('vhostInAckSize', 'in_ack_size', BOUNDS.ackSize, DEFAULTS.vhost.inAckSize),
    outAckSize: integer('vhostOutAckSize', 'out_ack_size', BOUNDS.ackSize, DEFAULTS.vhost.outAckSize),
    play: buildPlay(firstChild(c, 'play')?.children ?? [], env),
    publish: buildPublish(firstChild(c, 'publish')?.children ?? [], env),
    httpHooks: buildHttpHooks(firstChild(c, 'http_hooks')?.children ?? [], env),
    security: buildSecurity(firstChild(c, 'security')?.children ?? []),
    refer: buildRefer(firstChild(c, 'refer')?.children ?? []),
    httpRemux: httpRemux.config,
    hls: hls.config,
    cluster: cluster.config,
    forward: forward.config,
    position: { file: directive.file, line: directive.line },
  };
  return { vhost, warnings: [...httpRemux.warnings, ...hls.warnings, ...cluster.warnings, ...forward.warnings] };
}

function buildPlay(c: readonly Directive[], env: EnvMap): PlayConfig {
  const integer = (setting: EnvSetting, key: string, bounds: readonly [number, number], fallback: number): number =>
    readSetting(env, setting, firstChild(c, key), `vhost.play.${key}`, (source) => parseInteger(source, ...bounds), fallback);
  return {
    gopCache: readSetting(env, 'playGopCache', firstChild(c, 'gop_cache'), 'vhost.play.gop_cache', parseOnOff, DEFAULTS.play.gopCache),
    gopCacheMaxFrames: integer('playGopCacheMaxFrames', 'gop_cache_max_frames', BOUNDS.gopCacheMaxFrames, DEFAULTS.play.gopCacheMaxFrames),
    queueLengthSec: readSetting(env, 'playQueueLength', firstChild(c, 'queue_length'), 'vhost.play.queue_length', (source) => parseDecimal(source, ...BOUNDS.queueLengthSec), DEFAULTS.play.queueLengthSec),
    mwLatencyMs: integer('playMwLatency', 'mw_latency', BOUNDS.mwLatencyMs, DEFAULTS.play.mwLatencyMs),
  };
}

function buildPublish(c: readonly Directive[], env: EnvMap): PublishConfig {
  const ms = (setting: EnvSetting, key: string, fallback: number): number =>
    readSetting(env, setting, firstChild(c, key), `vhost.publish.${key}`, (source) => parseInteger(source, ...BOUNDS.publishTimeoutMs), fallback);
  return {
    firstPacketTimeoutMs: ms('publishFirstPacketTimeout', 'firstpkt_timeout', DEFAULTS.publish.firstPacketTimeoutMs),
    normalTimeoutMs: ms('publishNormalTimeout', 'normal_timeout', DEFAULTS.publish.normalTimeoutMs),
  };
}

function buildHttpHooks(c: readonly Directive[], env: EnvMap): HttpHooksConfig {
  const urls = (setting: EnvSetting, key: string): string[] => urlList(c, key, setting, env);
  return {
    enabled: readSetting(env, 'hooksEnabled', firstChild(c, 'enabled'), 'vhost.http_hooks.enabled', parseOnOff, DEFAULTS.httpHooks.enabled),
    onConnect: urls('onConnect', 'on_connect'),
    onClose: urls('onClose', 'on_close'),
    onPublish: urls('onPublish', 'on_publish'),
    onUnpublish: urls('onUnpublish', 'on_unpublish'),
    onPlay: urls('onPlay', 'on_play'),
    onStop: urls('onStop', 'on_stop'),
    onHls: urls('onHls', 'on_hls'),
    onHlsNotify: urls('onHlsNotify', 'on_hls_notify'),
    timeoutMs: readSetting<number | undefined>(env, undefined, firstChild(c, 'timeout'), 'vhost.http_hooks.timeout', (source) => parseDuration(source, BOUNDS.hooksTimeoutMaxMs), undefined),
    tlsVerify: readSetting(env, undefined, firstChild(c, 'tls_verify'), 'vhost.http_hooks.tls_verify', parseOnOff, DEFAULTS.httpHooks.tlsVerify),
    secret: readSecret(env, 'hooksSecret', firstChild(c, 'secret'), 'vhost.http_hooks.secret'),
  };
}

/**
 * A hook's URL list: the args of its first directive (SRS get), or the
 * space-split variable. An arg holding spaces (a quoted list) is split too.
 */
function urlList(c: readonly Directive[], key: string, setting: EnvSetting, env: EnvMap): string[] {
  const dotted = `vhost.http_hooks.${key}`;
  const fromEnv = envSource(env, setting, dotted);
  let sources: ValueSource[];
  if (fromEnv !== undefined) {
    sources = splitEnvList(fromEnv);
  } else {
    const directive = firstChild(c, key);
    if (directive === undefined) return [];
    const origin = originOf(directive);
    sources = directive.args.flatMap((arg) => arg.split(/[ \t]+/).filter((url) => url !== '').map((text) => ({ key: dotted, text, origin })));
  }
  return sources.map(parseHttpUrl);
}

/** `allow|deny publish|play all|<ip>|<cidr>;` in order (srs_app_security.cpp). */
function buildSecurity(c: readonly Directive[]): SecurityConfig {
  const rules: SecurityRule[] = [];
  for (const directive of c) {
    if (directive.name !== 'allow' && directive.name !== 'deny') continue;
    const key = `vhost.security.${directive.name}`;
    const origin = originOf(directive);
    if (directive.args.length !== 2) throw errorAt(origin, `${key} takes a method (publish|play) and a target (all, IP or CIDR), got ${directive.args.length} value(s)`);
    const [methodText, target] = directive.args as [string, string];
    const method = parseChoice({ key: `${key}.method`, text: methodText, origin }, ['publish', 'play'] as const);
    if (!isSecurityTarget(target)) throw invalidValue({ key: `${key}.target`, text: target, origin }, 'all, an IP address or a CIDR');
    rules.push({ action: directive.name, method, target });
  }
  return {
    enabled: readSetting({}, undefined, firstChild(c, 'enabled'), 'vhost.security.enabled', parseOnOff, DEFAULTS.security.enabled),
    rules,
  };
}

/** `refer { enabled; all|publish|play <domain>...; }` (srs_app_refer.cpp: suffix match on the pageUrl host). */
function buildRefer(c: readonly Directive[]): ReferConfig {
  const list = (key: string): string[] => [...(firstChild(c, key)?.args ?? [])];
  return {
    enabled: readSetting({}, undefined, firstChild(c, 'enabled'), 'vhost.refer.enabled', parseOnOff, DEFAULTS.refer.enabled),
    all: list('all'),
    publish: list('publish'),
    play: list('play'),
  };
}
