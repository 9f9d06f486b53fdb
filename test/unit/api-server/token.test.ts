import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mintTokenUrl, readTokenParam, signToken, splitStreamUrl, TokenUsageError, verifyToken } from '../../../research/api-server/token.js';

const SECRET = 's3cret';
const NOW = 1_700_000_000;

describe('token', () => {
  it('signs hex HMAC-SHA256(secret, "<app>/<stream>:<expire>")', () => {
    const expected = createHmac('sha256', SECRET).update('live/livestream:1700003600').digest('hex');
    expect(signToken(SECRET, 'live', 'livestream', 1_700_003_600)).toBe(expected);
    expect(signToken(SECRET, 'live', 'livestream.flv', 1_700_003_600)).toBe(expected);
  });

  it('mints a URL with expire and token appended', () => {
    const token = signToken(SECRET, 'live', 'livestream', NOW + 3600);
    expect(mintTokenUrl(SECRET, 'rtmp://127.0.0.1/live/livestream', 3600, NOW)).toBe(`rtmp://127.0.0.1/live/livestream?expire=${NOW + 3600}&token=${token}`);
    expect(mintTokenUrl(SECRET, 'rtmp://h:1935/live/s?vhost=v.com', 60, NOW)).toMatch(/^rtmp:\/\/h:1935\/live\/s\?vhost=v\.com&expire=1700000060&token=[0-9a-f]{64}$/);
  });

  it('splits app (which may contain /) and stream like SRS', () => {
    expect(splitStreamUrl('rtmp://h/live/sub/s?x=1')).toEqual({ app: 'live/sub', stream: 's' });
    expect(() => splitStreamUrl('rtmp://h/onlyapp')).toThrow(TokenUsageError);
    expect(() => splitStreamUrl('not a url')).toThrow(TokenUsageError);
  });

  it('verifies valid, and refuses missing, malformed, wrong and expired', () => {
    const param = new URL(mintTokenUrl(SECRET, 'rtmp://h/live/livestream', 3600, NOW).replace('rtmp:', 'http:')).search;
    expect(verifyToken(SECRET, 'live', 'livestream', param, NOW)).toEqual({ ok: true });
    expect(verifyToken(SECRET, 'live', 'livestream', '', NOW)).toMatchObject({ ok: false, reason: 'missing' });
    expect(verifyToken(SECRET, 'live', 'livestream', '?expire=1700003600', NOW)).toMatchObject({ ok: false, reason: 'missing' });
    expect(verifyToken(SECRET, 'live', 'livestream', '?expire=soon&token=abc', NOW)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyToken('other', 'live', 'livestream', param, NOW)).toMatchObject({ ok: false, reason: 'wrong' });
    expect(verifyToken(SECRET, 'live', 'otherstream', param, NOW)).toMatchObject({ ok: false, reason: 'wrong' });
    expect(verifyToken(SECRET, 'live', 'livestream', param.replace(/expire=\d+/, `expire=${NOW + 7200}`), NOW)).toMatchObject({ ok: false, reason: 'wrong' });
    expect(verifyToken(SECRET, 'live', 'livestream', param, NOW + 3601)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('reads tokens from SRS duplicated params (issue #3930)', () => {
    expect(readTokenParam('?expire=1&token=ab?expire=1&token=ab')).toEqual({ expire: '1', token: 'ab' });
    expect(readTokenParam('?vhost=x&token=t&expire=9')).toEqual({ expire: '9', token: 't' });
  });
});
