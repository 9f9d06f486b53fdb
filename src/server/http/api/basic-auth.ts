import { timingSafeEqual } from 'node:crypto';

/** Why a request did not pass Basic auth (the log line says which). */
export type AuthVerdict = 'ok' | 'missing' | 'malformed' | 'wrong';

/**
 * HTTP Basic (RFC 7617) for `http_api.auth`. SRS splits the credentials on
 * every `:` and wants exactly two parts, so a password containing `:` can
 * never match (srs-wave2-spec §6.10); we split at the first `:` only, as
 * the RFC says (a user-id cannot contain one). Compared in constant time.
 */
export function checkBasicAuth(header: string | undefined, username: string, password: string): AuthVerdict {
  if (header === undefined || header === '') return 'missing';
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (match === null) return 'malformed';
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return 'malformed';
  const user = decoded.slice(0, colon);
  const pass = decoded.slice(colon + 1);
  return same(user, username) && same(pass, password) ? 'ok' : 'wrong';
}

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
