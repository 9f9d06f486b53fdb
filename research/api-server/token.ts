import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Token auth of the sample callback server (pure: same input, same output).
 *
 * A publish or play URL carries `expire=<unix seconds>&token=<hex>` in its
 * query, where
 *
 *   token = hex(HMAC-SHA256(secret, "<app>/<stream>:<expire>"))
 *
 * `app` and `stream` are the ones SRS reports in the hook body (`stream`
 * without its query; a trailing `.flv` or `.m3u8` is ignored so one token
 * also plays over HTTP-FLV/HLS). The token is valid until `expire`.
 */

/** Why a token was refused. */
export type TokenRejection = 'missing' | 'malformed' | 'wrong' | 'expired';

/** The verdict on one hook request. */
export type TokenCheck = { readonly ok: true } | { readonly ok: false; readonly reason: TokenRejection; readonly detail: string };

/** A bad mint request (not a URL we can sign). */
export class TokenUsageError extends Error {
  readonly code = 'ERR_TOKEN_USAGE';
}

/** The string that is signed. */
export function tokenMessage(app: string, stream: string, expireSec: number): string {
  return `${app}/${streamForToken(stream)}:${expireSec}`;
}

/** hex HMAC-SHA256(secret, "<app>/<stream>:<expire>"). */
export function signToken(secret: string, app: string, stream: string, expireSec: number): string {
  return createHmac('sha256', secret).update(tokenMessage(app, stream, expireSec)).digest('hex');
}

/** The `expire` and `token` of an SRS `param` (`?a=1&expire=...&token=...`); first occurrence wins. */
export function readTokenParam(param: string): { expire: string | undefined; token: string | undefined } {
  // SRS <= 7.0.155 may repeat the query (`?token=a?token=a`, issue #3930): treat each `?` as `&`.
  const query = new URLSearchParams(param.replace(/^\?/, '').replaceAll('?', '&'));
  return { expire: query.get('expire') ?? undefined, token: query.get('token') ?? undefined };
}

/** Checks the token of `param` for `app/stream` at `nowSec`. */
export function verifyToken(secret: string, app: string, stream: string, param: string, nowSec: number): TokenCheck {
  const { expire, token } = readTokenParam(param);
  if (expire === undefined || token === undefined) return { ok: false, reason: 'missing', detail: 'param has no expire and token' };
  if (!/^\d{1,12}$/.test(expire) || !/^[0-9a-fA-F]{64}$/.test(token)) {
    return { ok: false, reason: 'malformed', detail: 'expire must be unix seconds and token 64 hex digits' };
  }
  const expected = Buffer.from(signToken(secret, app, stream, Number(expire)), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(token, 'hex'))) return { ok: false, reason: 'wrong', detail: `token does not sign ${app}/${streamForToken(stream)}:${expire}` };
  if (Number(expire) < nowSec) return { ok: false, reason: 'expired', detail: `expired ${nowSec - Number(expire)} s ago` };
  return { ok: true };
}

/** `rtmp://host/app/stream[?q]` → the same URL with `expire` and `token` appended to its query. */
export function mintTokenUrl(secret: string, url: string, ttlSec: number, nowSec: number): string {
  const { app, stream } = splitStreamUrl(url);
  const expire = nowSec + ttlSec;
  const token = signToken(secret, app, stream, expire);
  return `${url}${url.includes('?') ? '&' : '?'}expire=${expire}&token=${token}`;
}

/** The app (may contain `/`) and stream of a stream URL, as SRS splits them (last path segment = stream). */
export function splitStreamUrl(url: string): { app: string; stream: string } {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+\/([^?#]*)/i.exec(url);
  if (match === null) throw new TokenUsageError(`not a stream URL: ${url} (expected rtmp://host/app/stream)`);
  const segments = match[1]!.split('/').filter((segment) => segment !== '');
  if (segments.length < 2) throw new TokenUsageError(`no app/stream in ${url} (expected rtmp://host/app/stream)`);
  return { app: segments.slice(0, -1).join('/'), stream: segments.at(-1)! };
}

function streamForToken(stream: string): string {
  return stream.replace(/\.(flv|m3u8)$/, '');
}
