import { BOUNDS, DEFAULTS } from './defaults.js';
import { firstChild, type Directive } from './directive.js';
import type { EnvMap, EnvSetting } from './env.js';
import type { HttpNotifyConfig, LalNotifyEvent } from './schema.js';
import { readSecret, readSetting } from './setting.js';
import { invalidValue, parseDuration, parseHttpUrl, parseOnOff, type ValueSource } from './values.js';
import { parseDurationMs } from '../util/duration.js';

/**
 * Our top-level `http_notify { ... }`: lalserver's `http_notify` object
 * (lal-lssn-spec A1, config.go:132-145) in our config language, each event
 * directive named as lal's key, documented in conf/full.conf:
 *   enabled on; update_interval 5; timeout 3s; on_pub_start http://...; ...
 * `server_id` is the top-level one, as lal's. Every value has its SRS_* override.
 */

/** lal's event keys, in the order of lal's config struct, with the variable of each. */
export const LAL_NOTIFY_EVENTS: ReadonlyArray<readonly [LalNotifyEvent, EnvSetting]> = [
  ['on_server_start', 'httpNotifyOnServerStart'],
  ['on_update', 'httpNotifyOnUpdate'],
  ['on_pub_start', 'httpNotifyOnPubStart'],
  ['on_pub_stop', 'httpNotifyOnPubStop'],
  ['on_sub_start', 'httpNotifyOnSubStart'],
  ['on_sub_stop', 'httpNotifyOnSubStop'],
  ['on_relay_pull_start', 'httpNotifyOnRelayPullStart'],
  ['on_relay_pull_stop', 'httpNotifyOnRelayPullStop'],
  ['on_rtmp_connect', 'httpNotifyOnRtmpConnect'],
  ['on_hls_make_ts', 'httpNotifyOnHlsMakeTs'],
];

/** Longest per-POST deadline accepted (the hooks' bound). */
const MAX_TIMEOUT_MS = BOUNDS.hooksTimeoutMaxMs;

/** Builds HttpNotifyConfig from the first `http_notify` block (defaults when there is none). */
export function buildHttpNotify(root: readonly Directive[], env: EnvMap): HttpNotifyConfig {
  const c = firstChild(root, 'http_notify')?.children ?? [];
  const urls: Partial<Record<LalNotifyEvent, string>> = {};
  for (const [event, setting] of LAL_NOTIFY_EVENTS) {
    const url = readSetting<string | undefined>(env, setting, firstChild(c, event), `http_notify.${event}`, parseHttpUrl, undefined);
    if (url !== undefined) urls[event] = url;
  }
  return {
    enabled: readSetting(env, 'httpNotifyEnabled', firstChild(c, 'enabled'), 'http_notify.enabled', parseOnOff, DEFAULTS.httpNotify.enabled),
    updateIntervalSec: readSetting(env, 'httpNotifyUpdateInterval', firstChild(c, 'update_interval'), 'http_notify.update_interval', parseIntervalSec, DEFAULTS.httpNotify.updateIntervalSec),
    timeoutMs: readSetting(env, 'httpNotifyTimeout', firstChild(c, 'timeout'), 'http_notify.timeout', (source) => parseDuration(source, MAX_TIMEOUT_MS), DEFAULTS.httpNotify.timeoutMs),
    urls,
    secret: readSecret(env, 'httpNotifySecret', firstChild(c, 'secret'), 'http_notify.secret'),
  };
}

/** Whole seconds as lal's `update_interval_sec` (a bare integer), or a duration of whole seconds (`5s`, `1m`); 0 = only the first. */
export function parseIntervalSec(source: ValueSource): number {
  const ms = parseDurationMs(source.text);
  const [min, max] = BOUNDS.httpNotifyIntervalSec;
  if (ms === undefined || ms % 1000 !== 0 || ms / 1000 < min || ms / 1000 > max) throw invalidValue(source, `whole seconds ${min}..${max}, such as 5 or 5s`);
  return ms / 1000;
}
