import { BOUNDS, DEFAULTS } from './defaults.js';
import { childrenNamed, displayText, firstChild, type Directive } from './directive.js';
import { envSource, type EnvMap, type EnvSetting } from './env.js';
import type { HlsConfig } from './schema.js';
import { readSetting } from './setting.js';
import { NOT_SUPPORTED, type ConfigWarning } from './warning.js';
import { errorAt, originOf, parseChoice, parseDecimal, parseInteger, parseOnOff, type ValueSource } from './values.js';

/**
 * vhost `hls { ... }` -> HlsConfig with SRS's defaults (srs-wave2-spec §2.1),
 * and a warning for what is accepted but not done: encryption (hls_keys),
 * hls_dts_directly off, hls_storage/hls_mount (SRS: "HLS RAM is removed").
 */
export function buildHls(vhost: Directive, env: EnvMap): { config: HlsConfig; warnings: ConfigWarning[] } {
  const blocks = childrenNamed(vhost.children, 'hls');
  const second = blocks[1];
  if (second !== undefined) throw errorAt(originOf(second), `vhost.hls only one but count=${blocks.length} of ${displayText(vhost.args[0] ?? '')}`);
  const c = blocks[0]?.children ?? [];
  const d = DEFAULTS.hls;
  const read = <T>(setting: EnvSetting, key: string, parse: (source: ValueSource) => T, fallback: T): T =>
    readSetting(env, setting, firstChild(c, key), `vhost.hls.${key}`, parse, fallback);
  const onOff = (setting: EnvSetting, key: string, fallback: boolean): boolean => read(setting, key, parseOnOff, fallback);
  const decimal = (setting: EnvSetting, key: string, bounds: readonly [number, number], fallback: number): number =>
    read(setting, key, (source) => parseDecimal(source, ...bounds), fallback);
  const text = (setting: EnvSetting, key: string, fallback: string): string => read(setting, key, (source) => source.text, fallback);
  const config: HlsConfig = {
    enabled: onOff('hlsEnabled', 'enabled', d.enabled),
    fragmentSec: decimal('hlsFragment', 'hls_fragment', BOUNDS.hlsFragmentSec, d.fragmentSec),
    tdRatio: decimal('hlsTdRatio', 'hls_td_ratio', BOUNDS.hlsRatio, d.tdRatio),
    aofRatio: decimal('hlsAofRatio', 'hls_aof_ratio', BOUNDS.hlsRatio, d.aofRatio),
    windowSec: decimal('hlsWindow', 'hls_window', BOUNDS.hlsWindowSec, d.windowSec),
    onError: read('hlsOnError', 'hls_on_error', (source) => parseChoice(source, ['ignore', 'continue', 'disconnect'] as const), d.onError),
    path: text('hlsPath', 'hls_path', d.path),
    m3u8File: read('hlsM3u8File', 'hls_m3u8_file', parseM3u8Template, d.m3u8File),
    tsFile: read('hlsTsFile', 'hls_ts_file', parseTsTemplate, d.tsFile),
    tsFloor: onOff('hlsTsFloor', 'hls_ts_floor', d.tsFloor),
    entryPrefix: text('hlsEntryPrefix', 'hls_entry_prefix', d.entryPrefix),
    acodec: read('hlsAcodec', 'hls_acodec', (source) => parseChoice(source, ['aac', 'mp3', 'an'] as const), d.acodec),
    vcodec: read('hlsVcodec', 'hls_vcodec', (source) => parseChoice(source, ['h264', 'h265', 'vn'] as const), d.vcodec),
    cleanup: onOff('hlsCleanup', 'hls_cleanup', d.cleanup),
    disposeSec: read('hlsDispose', 'hls_dispose', (source) => parseInteger(source, ...BOUNDS.hlsDisposeSec), d.disposeSec),
    waitKeyframe: onOff('hlsWaitKeyframe', 'hls_wait_keyframe', d.waitKeyframe),
    nbNotify: read('hlsNbNotify', 'hls_nb_notify', (source) => parseInteger(source, ...BOUNDS.hlsNbNotify), d.nbNotify),
    ctx: onOff('hlsCtx', 'hls_ctx', d.ctx),
    tsCtx: onOff('hlsTsCtx', 'hls_ts_ctx', d.tsCtx),
  };
  const warnings: ConfigWarning[] = [];
  const warn = (setting: EnvSetting | undefined, key: string, message: string): void => {
    const dotted = `vhost.hls.${key}`;
    const fromEnv = setting === undefined ? undefined : envSource(env, setting, dotted);
    const directive = firstChild(c, key);
    if (fromEnv !== undefined) warnings.push({ file: vhost.file, line: vhost.line, directive: dotted, message: `${message} (from ${fromEnv.origin.kind === 'env' ? fromEnv.origin.variable : 'env'})` });
    else if (directive !== undefined) warnings.push({ file: directive.file, line: directive.line, directive: dotted, message });
  };
  if (read('hlsKeys', 'hls_keys', parseOnOff, false)) warn('hlsKeys', 'hls_keys', `${NOT_SUPPORTED} (segments are written unencrypted)`);
  if (!read('hlsDtsDirectly', 'hls_dts_directly', parseOnOff, true)) warn('hlsDtsDirectly', 'hls_dts_directly', `${NOT_SUPPORTED} (audio DTS are the publisher's)`);
  for (const key of ['hls_storage', 'hls_mount']) warn(undefined, key, `${NOT_SUPPORTED} (SRS removed HLS in RAM; segments go to hls_path)`);
  return { config, warnings };
}

/** The playlist template: a relative path ending in .m3u8 (SRS serves it from http_server.dir). */
function parseM3u8Template(source: ValueSource): string {
  checkRelativeTemplate(source);
  if (!source.text.endsWith('.m3u8')) throw errorAt(source.origin, `${source.key} must end in .m3u8, got ${displayText(source.text, 64)}`);
  return source.text;
}

function parseTsTemplate(source: ValueSource): string {
  checkRelativeTemplate(source);
  if (!source.text.includes('[seq]') && !source.text.includes('[timestamp]')) {
    // Without either every segment would overwrite the last one.
    throw errorAt(source.origin, `${source.key} must contain [seq] or [timestamp], got ${displayText(source.text, 64)}`);
  }
  return source.text;
}

/** A template names files under hls_path: no `..` segment, no NUL. */
function checkRelativeTemplate(source: ValueSource): void {
  if (source.text.includes('\0') || source.text.split('/').includes('..')) throw errorAt(source.origin, `${source.key} must stay inside hls_path, got ${displayText(source.text, 64)}`);
}

