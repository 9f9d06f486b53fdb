import { crc32 } from 'node:zlib';
import type { Envelope, Notification, NotificationJudge, SecretRef } from '../notification.js';

/**
 * The spool's record format (README "Durable spool"), pure: text in,
 * records or typed problems out. A segment file is UTF-8 lines, one record
 * per line:
 *
 *   <crc32 of the JSON, 8 lowercase hex digits> SP <JSON> LF
 *
 * JSON.stringify escapes every newline, so a line is always one record; the
 * CRC catches a torn or flipped record; a last line without its LF is a
 * write cut short (a crash mid-append). Records:
 *
 *   {"t":"H","v":1}                                   first line of each segment
 *   {"t":"E","seq":N,"id":"...","at":MS,"n":{...}}     a notification, before its first attempt
 *   {"t":"D","seq":N,"o":"delivered|failed|expired"}   its end: no more attempts
 *
 * A notification is pending while its E has no D. Order on disk does not
 * matter: pending ones are replayed by `seq`.
 */

export const SPOOL_FORMAT_VERSION = 1;

/** How a notification ended for good. */
export type DoneOutcome = 'delivered' | 'failed' | 'expired';

export type SpoolRecord =
  | { readonly t: 'H'; readonly v: number }
  | { readonly t: 'E'; readonly envelope: Envelope }
  | { readonly t: 'D'; readonly seq: number; readonly outcome: DoneOutcome };

/** A line that could not be read, with why. */
export interface BadRecord {
  /** 1-based line in its segment. */
  readonly line: number;
  readonly reason: 'crc' | 'json' | 'shape' | 'truncated' | 'version';
  readonly text: string;
}

/** One record as its line, LF included. */
export function encodeRecord(record: SpoolRecord): string {
  const json = JSON.stringify(toJson(record));
  return `${crcHex(json)} ${json}\n`;
}

/** Every record of a segment's text, and the lines that are not records. */
export function decodeSegment(text: string): { records: SpoolRecord[]; bad: BadRecord[] } {
  const records: SpoolRecord[] = [];
  const bad: BadRecord[] = [];
  const lines = text.split('\n');
  // The text after the last LF is a record cut short, unless it is empty.
  const tail = lines.pop() ?? '';
  lines.forEach((line, index) => {
    if (line === '') return;
    const decoded = decodeLine(line);
    if (typeof decoded === 'string') bad.push({ line: index + 1, reason: decoded, text: line });
    else records.push(decoded);
  });
  if (tail !== '') bad.push({ line: lines.length + 1, reason: 'truncated', text: tail });
  return { records, bad };
}

/** One line without its LF: the record, or why not. */
export function decodeLine(line: string): SpoolRecord | BadRecord['reason'] {
  const match = /^([0-9a-f]{8}) (.*)$/s.exec(line);
  if (match === null) return 'shape';
  const json = match[2] as string;
  if (crcHex(json) !== match[1]) return 'crc';
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return 'json';
  }
  return fromJson(value);
}

function crcHex(text: string): string {
  return crc32(Buffer.from(text, 'utf8')).toString(16).padStart(8, '0');
}

function toJson(record: SpoolRecord): unknown {
  if (record.t === 'H') return { t: 'H', v: record.v };
  if (record.t === 'D') return { t: 'D', seq: record.seq, o: record.outcome };
  const { seq, id, createdMs, n } = record.envelope;
  return { t: 'E', seq, id, at: createdMs, n };
}

const JUDGES: readonly NotificationJudge[] = ['srs', '2xx', 'any'];
const OUTCOMES: readonly DoneOutcome[] = ['delivered', 'failed', 'expired'];

/** Checks every field, so a record that passed its CRC but was written by another version is refused, not half-read. */
function fromJson(value: unknown): SpoolRecord | BadRecord['reason'] {
  if (!isObject(value)) return 'shape';
  if (value['t'] === 'H') return value['v'] === SPOOL_FORMAT_VERSION ? { t: 'H', v: SPOOL_FORMAT_VERSION } : 'version';
  if (value['t'] === 'D') {
    const seq = value['seq'];
    const outcome = value['o'];
    if (!isSeq(seq) || !OUTCOMES.includes(outcome as DoneOutcome)) return 'shape';
    return { t: 'D', seq, outcome: outcome as DoneOutcome };
  }
  if (value['t'] !== 'E') return 'shape';
  const { seq, id, at, n } = value;
  if (!isSeq(seq) || typeof id !== 'string' || !isSeq(at)) return 'shape';
  const notification = notificationOf(n);
  if (notification === undefined) return 'shape';
  return { t: 'E', envelope: { seq, id, createdMs: at, n: notification } };
}

function notificationOf(value: unknown): Notification | undefined {
  if (!isObject(value)) return undefined;
  const v = value;
  const strings = ['sink', 'event', 'url', 'body', 'chain', 'clientId'] as const;
  if (!strings.every((key) => typeof v[key] === 'string')) return undefined;
  if (v['method'] !== 'POST' && v['method'] !== 'GET') return undefined;
  if (!isSeq(v['timeoutMs']) || typeof v['tlsVerify'] !== 'boolean' || !JUDGES.includes(v['judge'] as NotificationJudge)) return undefined;
  if (v['truncateBytes'] !== undefined && !isSeq(v['truncateBytes'])) return undefined;
  const secret = secretRefOf(v['secret']);
  if (secret === undefined) return undefined;
  const fields = v['fields'];
  if (fields !== undefined && (!isObject(fields) || !Object.values(fields).every((f) => typeof f === 'string' || typeof f === 'number'))) return undefined;
  return {
    sink: v['sink'] as string,
    event: v['event'] as string,
    method: v['method'],
    url: v['url'] as string,
    body: v['body'] as string,
    timeoutMs: v['timeoutMs'],
    tlsVerify: v['tlsVerify'],
    judge: v['judge'] as NotificationJudge,
    truncateBytes: v['truncateBytes'] as number | undefined,
    chain: v['chain'] as string,
    secret,
    clientId: v['clientId'] as string,
    fields: fields as Record<string, string | number> | undefined,
  };
}

function secretRefOf(value: unknown): SecretRef | undefined {
  if (!isObject(value)) return undefined;
  if (value['kind'] === 'hooks' || value['kind'] === 'http_notify') return { kind: value['kind'] };
  if (value['kind'] === 'vhost' && typeof value['vhost'] === 'string') return { kind: 'vhost', vhost: value['vhost'] };
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
