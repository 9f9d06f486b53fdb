import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  FLASH_MEDIA_SERVER_KEY,
  FLASH_PLAYER_KEY,
  digestOffset,
  DigestSchemaHint,
  findDigest,
} from '../../../src/rtmp/handshake-digest.js';
import { HELLO_BYTES, RandomPool, answerClientHello, answerServerHello, createClientHello } from '../../../src/rtmp/handshake.js';
import { HandshakeAcceptor } from '../../../src/rtmp/handshake-acceptor.js';
import { counterRandom } from './rtmp-test-kit.js';

const hmac = (key: Buffer, ...parts: Buffer[]): Buffer => {
  const h = createHmac('sha256', key);
  for (const part of parts) h.update(part);
  return h.digest();
};

describe('handshake keys', () => {
  it('are the public Genuine Adobe constants ffmpeg and librtmp use', () => {
    expect(FLASH_PLAYER_KEY.toString('hex')).toBe(
      Buffer.from('Genuine Adobe Flash Player 001').toString('hex') + 'f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae',
    );
    expect(FLASH_PLAYER_KEY.length).toBe(62);
    expect(FLASH_MEDIA_SERVER_KEY.length).toBe(68);
    expect(FLASH_MEDIA_SERVER_KEY.subarray(0, 36).toString()).toBe('Genuine Adobe Flash Media Server 001');
  });
});

describe('digest handshake with fixed randoms (golden)', () => {
  const hello = createClientHello(true, counterRandom(3));
  const c1 = hello.c0c1.subarray(1);

  it('C1: version 9.0.124.2, digest in schema 1 at 12 + sum(c1[8..11]) % 728, HMAC over the rest with the 30-byte key', () => {
    expect(hello.c0c1[0]).toBe(3);
    expect(c1.subarray(0, 8).toString('hex')).toBe('0000000009007c02');
    // counterRandom(3) fills c1[8..] with 3,4,5,...: bytes 8..11 are 3,4,5,6.
    const offset = 12 + ((3 + 4 + 5 + 6) % 728);
    expect(digestOffset(c1, 1)).toBe(offset);
    const expected = hmac(FLASH_PLAYER_KEY.subarray(0, 30), c1.subarray(0, offset), c1.subarray(offset + 32));
    expect(c1.subarray(offset, offset + 32)).toEqual(expected);
    expect(hello.digest).toEqual(expected);
    expect(expected.toString('hex')).toBe(GOLDEN_C1_DIGEST);
  });

  it('S0S1S2: S1 digest in the client schema keyed with 36 bytes, S2 signed with HMAC(HMAC(FMS key, C1 digest), S2[0..1504])', () => {
    const answer = answerClientHello(hello.c0c1, counterRandom(11));
    expect(answer.isComplex).toBe(true);
    const out = answer.s0s1s2;
    expect(out.length).toBe(1 + 1536 * 2);
    expect(out[0]).toBe(3);
    const s1 = out.subarray(1, HELLO_BYTES);
    const s2 = out.subarray(HELLO_BYTES);
    expect(s1.subarray(0, 8).toString('hex')).toBe('0000000004050001');
    const offset = digestOffset(s1, 1);
    const s1Digest = hmac(FLASH_MEDIA_SERVER_KEY.subarray(0, 36), s1.subarray(0, offset), s1.subarray(offset + 32));
    expect(s1.subarray(offset, offset + 32)).toEqual(s1Digest);
    expect(answer.s1Digest).toEqual(s1Digest);
    const signature = hmac(hmac(FLASH_MEDIA_SERVER_KEY, hello.digest as Buffer), s2.subarray(0, 1504));
    expect(s2.subarray(1504)).toEqual(signature);
    expect(s1Digest.toString('hex')).toBe(GOLDEN_S1_DIGEST);
    expect(signature.toString('hex')).toBe(GOLDEN_S2_SIGNATURE);
  });

  it('a key-first (schema 0) C1 gets a schema 0 S1', () => {
    const c0c1 = Buffer.alloc(1537, 0x21);
    c0c1[0] = 3;
    const c1x = c0c1.subarray(1);
    c1x.writeUInt32BE(0x09007c02, 4);
    const offset = digestOffset(c1x, 0);
    hmac(FLASH_PLAYER_KEY.subarray(0, 30), c1x.subarray(0, offset), c1x.subarray(offset + 32)).copy(c1x, offset);
    expect(findDigest(c1x, FLASH_PLAYER_KEY.subarray(0, 30), new DigestSchemaHint())?.schema).toBe(0);
    const answer = answerClientHello(c0c1, counterRandom(1));
    expect(answer.isComplex).toBe(true);
    expect(findDigest(answer.s0s1s2.subarray(1, HELLO_BYTES), FLASH_MEDIA_SERVER_KEY.subarray(0, 36), new DigestSchemaHint())?.schema).toBe(0);
  });

  it('finds digests of either schema in any order of arrival, and none in a packet without one', () => {
    const key = FLASH_PLAYER_KEY.subarray(0, 30);
    const signed = (schema: 0 | 1, fill: number): Buffer => {
      const packet = Buffer.alloc(1536, fill);
      packet.writeUInt32BE(0x09007c02, 4);
      const offset = digestOffset(packet, schema);
      hmac(key, packet.subarray(0, offset), packet.subarray(offset + 32)).copy(packet, offset);
      return packet;
    };
    const hint = new DigestSchemaHint();
    for (const schema of [1, 1, 0, 0, 1, 0] as const) {
      const packet = signed(schema, 0x30 + schema);
      const found = findDigest(packet, key, hint);
      expect(found?.schema).toBe(schema);
      expect(found?.digest).toEqual(packet.subarray(digestOffset(packet, schema), digestOffset(packet, schema) + 32));
      expect(hint.schema).toBe(schema);
    }
    expect(findDigest(Buffer.alloc(1536, 0x42), key, hint)).toBeUndefined();
    expect(hint.schema).toBe(0);
  });

  it('the client verifies S1/S2 and signs C2 with the S1 digest; the server can check that C2', () => {
    const answer = answerClientHello(hello.c0c1, counterRandom(11));
    const reply = answerServerHello(answer.s0s1s2, hello, counterRandom(5));
    expect(reply.isVerified).toBe(true);
    const acceptor = new HandshakeAcceptor(counterRandom(11));
    acceptor.feed(hello.c0c1);
    const done = acceptor.feed(reply.c2);
    expect(done.isDone).toBe(true);
    expect(acceptor.isC2Verified).toBe(true);
  });

  it('a tampered S2 fails the client handshake', () => {
    const answer = answerClientHello(hello.c0c1, counterRandom(11));
    const bad = Buffer.from(answer.s0s1s2);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    expect(() => answerServerHello(bad, hello)).toThrowError(expect.objectContaining({ code: 'ERR_RTMP_HANDSHAKE_DIGEST' }) as Error);
  });
});

describe('simple handshake', () => {
  it('a C1 without version (or without a valid digest) gets random S1 and S2 = C1', () => {
    const hello = createClientHello(false, counterRandom(9));
    expect(hello.c0c1.readUInt32BE(5)).toBe(0);
    const answer = answerClientHello(hello.c0c1, counterRandom(2));
    expect(answer.isComplex).toBe(false);
    expect(answer.s0s1s2.subarray(HELLO_BYTES)).toEqual(hello.c0c1.subarray(1));
    expect(answer.s0s1s2.subarray(1, 9).toString('hex')).toBe('0000000000000000');
    const reply = answerServerHello(answer.s0s1s2, hello);
    expect(reply.isVerified).toBe(false);
    expect(reply.c2).toEqual(answer.s0s1s2.subarray(1, HELLO_BYTES));
  });

  it('a versioned C1 whose digest does not verify falls back to simple', () => {
    const c0c1 = Buffer.alloc(1537, 7);
    c0c1[0] = 3;
    expect(answerClientHello(c0c1).isComplex).toBe(false);
  });
});

describe('RandomPool', () => {
  it('hands out consecutive, distinct views, refills when short, and serves oversized requests on their own', () => {
    const pool = new RandomPool();
    const first = Buffer.from(pool.take(1528));
    const second = Buffer.from(pool.source(1536));
    expect(first.length).toBe(1528);
    expect(second.length).toBe(1536);
    expect(first.equals(second.subarray(0, 1528))).toBe(false);
    for (let i = 0; i < 50; i += 1) expect(pool.take(1536).length).toBe(1536);
    expect(pool.take(100 * 1024).length).toBe(100 * 1024);
  });

  it('two pools do not share bytes', () => {
    expect(Buffer.from(new RandomPool().take(64)).equals(new RandomPool().take(64))).toBe(false);
  });
});

describe('HandshakeAcceptor', () => {
  it('refuses a C0 other than 3 on the first byte', () => {
    const acceptor = new HandshakeAcceptor();
    expect(() => acceptor.feed(Buffer.from('G'))).toThrowError(expect.objectContaining({ code: 'ERR_RTMP_PLAIN_REQUIRED' }) as Error);
    expect(() => new HandshakeAcceptor().feed(Buffer.from([6]))).toThrowError(expect.objectContaining({ code: 'ERR_RTMP_PLAIN_REQUIRED' }) as Error);
  });

  it('gives the same answer and the same leftover bytes byte by byte', () => {
    const hello = createClientHello(true, counterRandom(3));
    const c2 = Buffer.alloc(1536, 1);
    const after = Buffer.from('0203', 'hex');
    const input = Buffer.concat([hello.c0c1, c2, after]);
    const whole = new HandshakeAcceptor(counterRandom(4)).feed(input);
    const acceptor = new HandshakeAcceptor(counterRandom(4));
    const replies: Buffer[] = [];
    let rest = Buffer.alloc(0);
    let isDone = false;
    for (let i = 0; i < input.length && !isDone; i++) {
      const step = acceptor.feed(input.subarray(i, i + 1));
      if (step.reply !== undefined) replies.push(step.reply);
      isDone = step.isDone;
      if (isDone) rest = Buffer.concat([step.rest, input.subarray(i + 1)]);
    }
    expect(replies).toEqual([whole.reply]);
    expect(whole.rest).toEqual(after);
    expect(rest).toEqual(after);
  });
});

// Regression anchors for the fixed randoms above (independently re-derived with node:crypto in each test).
const GOLDEN_C1_DIGEST = '8e5ab32c6272ad0817a1795702afc9660ecc3efa064fba05b0a1fbef8e9107e1';
const GOLDEN_S1_DIGEST = '753696b3530acc2783136ad0d550ad30416e978ecf237fe42454d19f2b44536e';
const GOLDEN_S2_SIGNATURE = '1b66ba2bb037cf5e317b290cc38ee279e7032b5cda8a41f982908c4c1d94242f';
