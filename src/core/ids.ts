import { randomInt } from 'node:crypto';

/**
 * SRS's id alphabet: digits five times over, then a-z, so ids look like
 * `3y1tcaw2` (srs_random_str, srs_protocol_utility.cpp).
 */
const ALPHABET = '0123456789'.repeat(5) + 'abcdefghijklmnopqrstuvwxyz';

/** An 8-character SRS client id, the same in logs, hooks and the HTTP API. */
export function randomClientId(): string {
  return randomString(8);
}

/** SRS statistic ids: `vid-` + 7 chars (srs_app_statistic.cpp). */
export function randomStatId(): string {
  return `vid-${randomString(7)}`;
}

/** `length` characters of SRS's alphabet. */
export function randomString(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** The guide's connection ids: `c000001`, `c000002`, ... per server. */
export class ConnIdSequence {
  private next = 1;
  take(): string {
    return `c${String(this.next++).padStart(6, '0')}`;
  }
}
