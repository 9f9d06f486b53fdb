import { ConfigError } from '../errors.js';
import { parseDurationMs } from '../util/duration.js';
import { ConfigErrorCode } from './codes.js';
import { displayText, type Directive } from './directive.js';
import type { ListenAddress } from './schema.js';

/**
 * Value parsers shared by the builders. Each takes a ValueSource (the text
 * and where it came from: a file line or an SRS_* variable) and either
 * returns the typed value or throws a ConfigError naming the place, in SRS's
 * words (`listen.port=70000 is invalid`) plus what was expected.
 */

/** Where a value was written. */
export type ValueOrigin =
  | { readonly kind: 'file'; readonly file: string; readonly line: number }
  | { readonly kind: 'env'; readonly variable: string };

/** One value to parse, with the SRS path of its directive (`vhost.play.gop_cache`). */
export interface ValueSource {
  readonly key: string;
  readonly text: string;
  readonly origin: ValueOrigin;
}

/** A ConfigError at `origin`: `file:line: message`, or `env NAME: message`. */
export function errorAt(origin: ValueOrigin, message: string): ConfigError {
  if (origin.kind === 'env') return new ConfigError(`env ${origin.variable}: ${message}`, { code: ConfigErrorCode.Env });
  return new ConfigError(message, { file: origin.file, line: origin.line, code: ConfigErrorCode.Invalid });
}

/** `<key>=<text> is invalid, expecting <expected>` at the value's origin. */
export function invalidValue(source: ValueSource, expected: string, key = source.key, text = source.text): ConfigError {
  return errorAt(source.origin, `${key}=${displayText(text)} is invalid, expecting ${expected}`);
}

/** The origin of a directive. */
export function originOf(directive: Directive): ValueOrigin {
  return { kind: 'file', file: directive.file, line: directive.line };
}

/** The single value of a directive such as `chunk_size 60000;`; exactly one arg is required. */
export function singleArg(directive: Directive, key: string): ValueSource {
  const origin = originOf(directive);
  if (directive.args.length !== 1) {
    const got = directive.args.length === 0 ? 'none' : `${directive.args.length} (${directive.args.map((arg) => displayText(arg, 32)).join(' ')})`;
    throw errorAt(origin, `${key} takes exactly one value, got ${got}`);
  }
  return { key, text: directive.args[0] as string, origin };
}

/** `on` / `off`. SRS reads other words as off or on depending on the key; we refuse them. */
export function parseOnOff(source: ValueSource): boolean {
  if (source.text === 'on') return true;
  if (source.text === 'off') return false;
  throw invalidValue(source, 'on or off');
}

/** A decimal integer in [min, max] (SRS uses atoi, which reads `12abc` as 12; we refuse it). */
export function parseInteger(source: ValueSource, min: number, max: number): number {
  if (!/^-?\d{1,15}$/.test(source.text)) throw invalidValue(source, `an integer in ${min}..${max}`);
  const value = Number(source.text);
  if (value < min || value > max) throw invalidValue(source, `an integer in ${min}..${max}`);
  return value;
}

/** A decimal number in [min, max], such as `queue_length 1.5` or `fast_cache 30` (SRS atof). */
export function parseDecimal(source: ValueSource, min: number, max: number): number {
  if (!/^\d{1,15}(\.\d{1,9})?$/.test(source.text)) throw invalidValue(source, `a number in ${min}..${max}`);
  const value = Number(source.text);
  if (value < min || value > max) throw invalidValue(source, `a number in ${min}..${max}`);
  return value;
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(source: ValueSource, choices: readonly T[]): T {
  const found = choices.find((choice) => choice === source.text);
  if (found === undefined) throw invalidValue(source, `one of ${choices.join('|')}`);
  return found;
}

/** A duration (`30s`, `500ms`, bare number = seconds) in (0, maxMs]. */
export function parseDuration(source: ValueSource, maxMs: number): number {
  const ms = parseDurationMs(source.text);
  if (ms === undefined || ms <= 0 || ms > maxMs) throw invalidValue(source, `a duration such as 30s or 500ms, at most ${maxMs} ms`);
  return ms;
}

/** An absolute http:// or https:// URL (SRS never checks; a typo would only fail at the first event). */
export function parseHttpUrl(source: ValueSource): string {
  let url: URL;
  try {
    url = new URL(source.text);
  } catch {
    throw invalidValue(source, 'an http:// or https:// URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw invalidValue(source, 'an http:// or https:// URL');
  }
  return source.text;
}

const MAX_PORT = 65535;

/**
 * An SRS endpoint (srs_parse_endpoint): `1935`, `:1935`, `127.0.0.1:1935`,
 * `[::1]:1935`. No host means every address. As in SRS the host must be an
 * IP literal (`listen.ip=... is invalid`). Port 0 is accepted for tests
 * (an ephemeral port); SRS refuses it.
 */
export function parseEndpoint(source: ValueSource): ListenAddress {
  const { text } = source;
  const keyOf = (part: string): string => `${source.key}.${part}`;
  let host: string | undefined;
  let portText: string;
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(text);
  const colon = text.lastIndexOf(':');
  if (v6 !== null) {
    host = v6[1] as string;
    portText = v6[2] as string;
    if (!isIpv6(host)) throw invalidValue(source, 'an IPv6 address in [ ]', keyOf('ip'), host);
  } else if (colon === -1) {
    portText = text;
  } else {
    const ip = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (ip !== '') {
      if (!isIpv4(ip)) throw invalidValue(source, 'an IPv4 address or [IPv6]', keyOf('ip'), ip);
      host = ip;
    }
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > MAX_PORT) {
    throw invalidValue(source, `a port in 0..${MAX_PORT}`, keyOf('port'), portText);
  }
  return { host, port: Number(portText) };
}

/** Dotted-quad IPv4 with each part 0..255. */
export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

/** RFC 4291 text form: up to 8 hex groups, one `::`, optional dotted IPv4 tail. */
export function isIpv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (half: string): string[] | undefined => (half === '' ? [] : half.split(':'));
  const groups = halves.flatMap((half) => groupsOf(half) ?? []);
  let count = 0;
  for (const [index, group] of groups.entries()) {
    const isLast = index === groups.length - 1;
    if (isLast && group.includes('.')) {
      if (!isIpv4(group)) return false;
      count += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
      count += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? count < 8 : count === 8;
}

/** `all`, an IP, or an IP/prefix CIDR (SRS security rules). */
export function isSecurityTarget(text: string): boolean {
  if (text === 'all') return true;
  const slash = text.indexOf('/');
  const ip = slash === -1 ? text : text.slice(0, slash);
  const prefix = slash === -1 ? undefined : text.slice(slash + 1);
  const v4 = isIpv4(ip);
  if (!v4 && !isIpv6(ip)) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (v4 ? 32 : 128);
}

/**
 * A signing secret (`secret S;`, README "Signed callbacks"): any non-empty
 * text. An empty one is refused: it would sign with a key everyone knows.
 */
export function parseSecret(source: ValueSource): string {
  if (source.text === '') throw errorAt(source.origin, `${source.key} is empty, expecting a non-empty secret (remove the directive to send unsigned requests)`);
  return source.text;
}

/** A size in bytes: `65536`, `512k`, `64m`, `1g` (powers of 1024), in [min, max]. */
export function parseSize(source: ValueSource, min: number, max: number): number {
  const match = /^(\d{1,15})([kmg]?)b?$/i.exec(source.text);
  const factor = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match?.[2] ?? '').toLowerCase()] ?? 1;
  const bytes = match === null ? NaN : Number(match[1]) * factor;
  if (!Number.isSafeInteger(bytes) || bytes < min || bytes > max) throw invalidValue(source, `a size such as 64m or 512k, ${min}..${max} bytes`);
  return bytes;
}
