import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed callbacks (issue 17, README "Signed callbacks"), in the style of
 * Stripe and Standard Webhooks: with a `secret`, every hook request carries
 *
 *   X-Srs-Timestamp: <unix seconds of this attempt>
 *   X-Srs-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *
 * where `<body>` is the exact request body bytes (UTF-8; empty for a GET).
 * The body itself is never changed, so an SRS receiver that ignores the
 * headers sees SRS's bytes. A receiver recomputes the HMAC over the raw
 * body, compares in constant time, and rejects a timestamp more than
 * {@link SIGNATURE_TOLERANCE_SEC} away from its clock (a replay). The
 * signature header may list several `v1=` values separated by `,` (a
 * secret being rotated); any one matching is enough. Pure: no I/O.
 */

/** Request header names, lowercase as node:http reports them. */
export const HOOK_HEADERS = Object.freeze({
  timestamp: 'x-srs-timestamp',
  signature: 'x-srs-signature',
  eventId: 'x-srs-event-id',
  eventSeq: 'x-srs-event-seq',
});

/** Receivers reject timestamps further than this from their clock (Stripe's default, 5 min). */
export const SIGNATURE_TOLERANCE_SEC = 300;

/** The scheme tag of the only version so far. */
const SCHEME = 'v1';

/** Hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`. */
export function computeHookSignature(secret: string, timestampSec: number, body: string | Uint8Array): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestampSec}.`);
  hmac.update(body);
  return hmac.digest('hex');
}

/** The two signature headers of one attempt. */
export function signatureHeaders(secret: string, timestampSec: number, body: string | Uint8Array): Record<string, string> {
  return {
    [HOOK_HEADERS.timestamp]: String(timestampSec),
    [HOOK_HEADERS.signature]: `${SCHEME}=${computeHookSignature(secret, timestampSec, body)}`,
  };
}

/** Why a signature was refused. */
export type SignatureRejection = 'missing' | 'malformed' | 'wrong' | 'stale';

/** What {@link verifyHookSignature} decides. */
export type SignatureCheck = { readonly ok: true; readonly timestampSec: number } | { readonly ok: false; readonly reason: SignatureRejection };

/** Inputs of a check; header values as a receiver got them. */
export interface SignatureInput {
  readonly secret: string;
  /** The raw request body, exactly as received. */
  readonly body: string | Uint8Array;
  readonly timestamp: string | readonly string[] | undefined;
  readonly signature: string | readonly string[] | undefined;
  /** Unix seconds; default the clock. */
  readonly nowSec?: number;
  /** Default {@link SIGNATURE_TOLERANCE_SEC}. */
  readonly toleranceSec?: number;
}

/** Verifies one request's signature headers against its raw body. */
export function verifyHookSignature(input: SignatureInput): SignatureCheck {
  const timestamp = single(input.timestamp);
  const signature = single(input.signature);
  if (timestamp === undefined || signature === undefined || timestamp === '' || signature === '') return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed' };
  const candidates = signature
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SCHEME}=`))
    .map((part) => part.slice(SCHEME.length + 1));
  if (candidates.length === 0 || candidates.some((hex) => !/^[0-9a-f]{64}$/i.test(hex))) return { ok: false, reason: 'malformed' };
  const timestampSec = Number(timestamp);
  const expected = Buffer.from(computeHookSignature(input.secret, timestampSec, input.body), 'hex');
  const matched = candidates.some((hex) => timingSafeEqual(Buffer.from(hex, 'hex'), expected));
  if (!matched) return { ok: false, reason: 'wrong' };
  const nowSec = input.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(nowSec - timestampSec) > (input.toleranceSec ?? SIGNATURE_TOLERANCE_SEC)) return { ok: false, reason: 'stale' };
  return { ok: true, timestampSec };
}

/**
 * The same check from a request's headers (node:http `req.headers`, or any
 * record with lowercase names): `verifyHookRequest(secret, req.headers, rawBody)`.
 */
export function verifyHookRequest(
  secret: string,
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  body: string | Uint8Array,
  options: { readonly nowSec?: number; readonly toleranceSec?: number } = {},
): SignatureCheck {
  return verifyHookSignature({ secret, body, timestamp: headers[HOOK_HEADERS.timestamp], signature: headers[HOOK_HEADERS.signature], ...options });
}

function single(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}
