import { describe, expect, it } from 'vitest';
import { computeHookSignature, HOOK_HEADERS, signatureHeaders, verifyHookRequest, verifyHookSignature } from '../../../src/hooks/signature.js';

/** Known answers computed with `printf '%s' "<ts>.<body>" | openssl dgst -sha256 -hmac <secret> -hex`. */
const VECTORS = [
  { secret: 'whsec_test', ts: 1700000000, body: '{"action":"on_close"}', hex: 'cd45c337b1930aa91c5a92e08ffac90bc136f4f2d125dc49f6e899ff791c796e' },
  { secret: 'k', ts: 1700000000, body: '', hex: '5c2999a43333a6877f49c8003f235c4f6de40f85b1b7414b70bd470a8db53d97' },
  {
    secret: 'change-me',
    ts: 1767225600,
    body: '{"server_id":"vid-0xk9z2a","action":"on_unpublish","client_id":"3y1tcaw2"}',
    hex: 'f01a94a94a422d075aecb5035e4d38d2c8032b8ccf8aa8feaf7899cb0ae03acc',
  },
];

describe('hook signatures (v1: HMAC-SHA256 of "<timestamp>.<body>")', () => {
  it.each(VECTORS)('matches openssl for $secret at $ts', ({ secret, ts, body, hex }) => {
    expect(computeHookSignature(secret, ts, body)).toBe(hex);
    expect(computeHookSignature(secret, ts, Buffer.from(body))).toBe(hex);
    expect(signatureHeaders(secret, ts, body)).toEqual({ 'x-srs-timestamp': String(ts), 'x-srs-signature': `v1=${hex}` });
  });

  it('verifies a good signature and names every refusal', () => {
    const { secret, ts, body, hex } = VECTORS[0]!;
    const base = { secret, body, timestamp: String(ts), signature: `v1=${hex}`, nowSec: ts + 10 };
    expect(verifyHookSignature(base)).toEqual({ ok: true, timestampSec: ts });
    expect(verifyHookSignature({ ...base, signature: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(verifyHookSignature({ ...base, timestamp: '' })).toEqual({ ok: false, reason: 'missing' });
    expect(verifyHookSignature({ ...base, timestamp: '17e8' })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyHookSignature({ ...base, signature: 'v0=abc' })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyHookSignature({ ...base, secret: 'other' })).toEqual({ ok: false, reason: 'wrong' });
    expect(verifyHookSignature({ ...base, body: body + ' ' })).toEqual({ ok: false, reason: 'wrong' });
    expect(verifyHookSignature({ ...base, timestamp: String(ts + 1) })).toEqual({ ok: false, reason: 'wrong' });
    expect(verifyHookSignature({ ...base, nowSec: ts + 301 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyHookSignature({ ...base, nowSec: ts - 301 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyHookSignature({ ...base, nowSec: ts + 300 }).ok).toBe(true);
  });

  it('accepts any one of several v1 values (a secret being rotated) and reads node:http headers', () => {
    const { secret, ts, body, hex } = VECTORS[2]!;
    const other = computeHookSignature('old-secret', ts, body);
    const headers = { [HOOK_HEADERS.timestamp]: String(ts), [HOOK_HEADERS.signature]: `v1=${other}, v1=${hex}` };
    expect(verifyHookRequest(secret, headers, body, { nowSec: ts })).toEqual({ ok: true, timestampSec: ts });
    expect(verifyHookRequest('old-secret', headers, body, { nowSec: ts }).ok).toBe(true);
    expect(verifyHookRequest('neither', headers, body, { nowSec: ts })).toEqual({ ok: false, reason: 'wrong' });
  });
});
