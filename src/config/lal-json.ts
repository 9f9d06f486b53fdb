import { ConfigError } from '../errors.js';
import { LAL_NOTIFY_EVENTS } from './build-http-notify.js';
import { ConfigErrorCode } from './codes.js';
import { DEFAULTS, BOUNDS } from './defaults.js';
import type { HttpNotifyConfig, LalNotifyEvent, StaticRelayPullConfig } from './schema.js';
import { parseOrigin } from './build-cluster.js';
import { parseHttpUrl } from './values.js';

/**
 * The part of an existing lalserver JSON config (`lalserver.conf.json`)
 * that we read, so a lal user can point us at theirs (`--lal-config FILE`):
 * the top-level `server_id` and the `http_notify` object (lal:
 * pkg/logic/config.go:132-145): `enable`, `update_interval_sec` and the ten
 * event URLs, where `""` means the event is off as in lal; and its
 * `static_relay_pull` (`enable`, `addr`). Everything else
 * in the file is lal's own business and ignored. Pure: load.ts reads the file.
 */

/** What a lal config contributes. */
export interface LalConfigPart {
  /** undefined when the file has no `server_id`. */
  readonly serverId: string | undefined;
  /** undefined when the file has no `http_notify` object. */
  readonly httpNotify: HttpNotifyConfig | undefined;
  /** undefined when the file has no `static_relay_pull` object. */
  readonly staticRelayPull: StaticRelayPullConfig | undefined;
}

/** Parses lal's JSON; throws ConfigError naming the file and the key. */
export function parseLalConfig(text: string, file: string): LalConfigPart {
  const fail = (message: string): ConfigError => new ConfigError(`lal config: ${message}`, { file, line: 1, code: ConfigErrorCode.Invalid });
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw fail(`not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isObject(root)) throw fail('the top level is not an object');
  const serverId = root['server_id'];
  if (serverId !== undefined && typeof serverId !== 'string') throw fail('server_id must be a string');
  const staticRelayPull = parseStaticRelayPull(root['static_relay_pull'], file, fail);
  const notify = root['http_notify'];
  if (notify === undefined) return { serverId, httpNotify: undefined, staticRelayPull };
  if (!isObject(notify)) throw fail('http_notify must be an object');
  const enable = notify['enable'] ?? false;
  if (typeof enable !== 'boolean') throw fail('http_notify.enable must be true or false');
  const interval = notify['update_interval_sec'] ?? 0;
  const [min, max] = BOUNDS.httpNotifyIntervalSec;
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < min || interval > max) throw fail(`http_notify.update_interval_sec must be an integer ${min}..${max}`);
  const urls: Partial<Record<LalNotifyEvent, string>> = {};
  for (const [event] of LAL_NOTIFY_EVENTS) {
    const url = notify[event] ?? '';
    if (typeof url !== 'string') throw fail(`http_notify.${event} must be a string`);
    // lal: an empty URL turns that event off (http_notify.go:163-174).
    if (url === '') continue;
    urls[event] = parseHttpUrl({ key: `http_notify.${event}`, text: url, origin: { kind: 'file', file, line: 1 } });
  }
  return { serverId, httpNotify: { enabled: enable, updateIntervalSec: interval, timeoutMs: DEFAULTS.httpNotify.timeoutMs, urls }, staticRelayPull };
}

/** lal's `static_relay_pull {enable, addr}` (config.go:122-125); an empty addr is allowed only while disabled. */
function parseStaticRelayPull(value: unknown, file: string, fail: (message: string) => ConfigError): StaticRelayPullConfig | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw fail('static_relay_pull must be an object');
  const enable = value['enable'] ?? false;
  const addr = value['addr'] ?? '';
  if (typeof enable !== 'boolean') throw fail('static_relay_pull.enable must be true or false');
  if (typeof addr !== 'string') throw fail('static_relay_pull.addr must be a string');
  if (addr === '') {
    if (enable) throw fail('static_relay_pull is enabled without an addr');
    return { enabled: false, addr: undefined };
  }
  return { enabled: enable, addr: parseOrigin({ key: 'static_relay_pull.addr', text: addr, origin: { kind: 'file', file, line: 1 } }) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
