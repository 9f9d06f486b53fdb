import { SrsError } from '../errors.js';
import type { GuideEvent } from './guide-event.js';

/**
 * The `env` stdio format and the environment of script hooks.
 *
 * Variables (same names for both): RTMP_EVENT_TYPE, RTMP_TIMESTAMP,
 * RTMP_CONN_ID, RTMP_CLIENT_ID, RTMP_STREAM_KEY, then each `data` field as
 * RTMP_<FIELD> (RTMP_CLIENT_IP, RTMP_CLIENT_PORT, RTMP_SERVER_IP,
 * RTMP_SERVER_PORT, RTMP_REASON, RTMP_APP, RTMP_PUBLISHING_NAME,
 * RTMP_PUBLISHING_TYPE). Scripts also get RTMP_EVENT_JSON.
 *
 * Record format: one `KEY=value` line per variable, then one empty line
 * ending the event. A value made only of safe characters (letters, digits and
 * `_ . / : @ % + , = -`) is written bare, so `grep RTMP_EVENT_TYPE=publish_start`
 * and a plain `KEY=value` split work; any other value is one bash ANSI-C
 * quoted word `$'...'` (`\\`, `\'` and `\xHH` for every control character, so
 * a value never spans lines). `~` is not safe: bash expands it in assignments. NUL cannot be carried by
 * bash strings nor by environment variables and is removed. A bash reader:
 *
 *   while IFS= read -r line; do
 *     if [ -z "$line" ]; then handle_event; else eval "$line"; fi
 *   done
 *
 * `eval` is safe here: names are fixed [A-Z_] and every value is one word
 * that bash neither expands nor splits. `parseEnvRecords` below is the same
 * reader in TypeScript.
 */

/** The RTMP_* variables of one guide event, in a stable order. */
export function guideEventEnv(event: GuideEvent): Array<readonly [string, string]> {
  const pairs: Array<readonly [string, string]> = [
    ['RTMP_EVENT_TYPE', event.type],
    ['RTMP_TIMESTAMP', String(event.timestamp)],
    ['RTMP_CONN_ID', event.conn_id],
    ['RTMP_CLIENT_ID', event.client_id],
    ['RTMP_STREAM_KEY', event.stream_key],
  ];
  for (const [field, value] of Object.entries(event.data)) pairs.push([`RTMP_${field.toUpperCase()}`, String(value)]);
  return pairs;
}

/** Removes NUL, which neither argv, the environment nor a bash string can hold. */
export function stripNul(value: string): string {
  return value.includes('\0') ? value.replaceAll('\0', '') : value;
}

/** Characters a bash assignment takes literally: no quoting, globbing, expansion or splitting. */
const BARE = /^[A-Za-z0-9_./:@%+,=-]*$/;

/** `value` as one bash word on one line: bare when every character is safe, else `$'...'`. */
export function quoteEnvValue(value: string): string {
  const text = stripNul(value);
  if (BARE.test(text)) return text;
  let out = "$'";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + "'";
}

/** One event as `KEY=value` lines followed by the empty line that ends it. */
export function formatEnvRecord(pairs: ReadonlyArray<readonly [string, string]>): string {
  let out = '';
  for (const [key, value] of pairs) out += `${key}=${quoteEnvValue(value)}\n`;
  return out + '\n';
}

const LINE = /^([A-Z_][A-Z0-9_]*)=(?:\$'((?:[^'\\]|\\\\|\\'|\\x[0-9a-f]{2})*)'|([A-Za-z0-9_./:@%+,=-]*))$/;

/** Reads text written by `formatEnvRecord` back into one Map per event; throws on a malformed line. */
export function parseEnvRecords(text: string): Array<Map<string, string>> {
  const records: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') {
      if (current.size > 0) records.push(current);
      current = new Map();
      continue;
    }
    const match = LINE.exec(line);
    if (match === null) throw new SrsError('ERR_ENV_RECORD', `not an env record line: ${JSON.stringify(line.slice(0, 80))}`);
    current.set(match[1]!, match[2] === undefined ? match[3]! : unquote(match[2]));
  }
  if (current.size > 0) records.push(current);
  return records;
}

function unquote(body: string): string {
  return body.replace(/\\(\\|'|x([0-9a-f]{2}))/g, (_all, escaped: string, hex: string | undefined) =>
    hex === undefined ? escaped : String.fromCharCode(parseInt(hex, 16)),
  );
}
