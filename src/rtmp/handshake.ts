import { randomFillSync } from 'node:crypto';
import { ProtocolError } from '../errors.js';
import { RTMP_VERSION } from './constants.js';
import {
  FLASH_MEDIA_SERVER_KEY,
  FLASH_MEDIA_SERVER_KEY_TEXT,
  FLASH_PLAYER_KEY,
  FLASH_PLAYER_KEY_TEXT,
  PACKET_BYTES,
  findDigest,
  imprintDigest,
  imprintResponseDigest,
  verifyResponseDigest,
  DigestSchemaHint,
  type DigestSchema,
} from './handshake-digest.js';

/** Source of random bytes; tests pass a fixed one to get golden vectors. */
export type RandomSource = (size: number) => Buffer;

/** Fresh CSPRNG bytes per call: correct, just an allocation and a getrandom call each time. */
export function freshRandomBytes(size: number): Buffer {
  return randomFillSync(Buffer.allocUnsafe(size));
}

/** Random bytes handed out per refill of a {@link RandomPool}: about 20 server handshakes. */
const RANDOM_POOL_BYTES = 64 * 1024;

/**
 * Handshake randomness from a pool refilled by the CSPRNG: one getrandom call
 * per ~20 sessions instead of two allocations and calls per handshake. Worth
 * it for the owner of many handshakes (one per RTMP server); a single
 * handshake is better served by {@link freshRandomBytes}.
 */
export class RandomPool {
  private pool = Buffer.alloc(0);
  private offset = 0;
  /** {@link take} bound, to pass where a {@link RandomSource} is wanted. */
  readonly source: RandomSource = (size) => this.take(size);

  /** `size` random bytes; the returned view is only valid until the next call: callers copy it at once. */
  take(size: number): Buffer {
    if (size > RANDOM_POOL_BYTES) return randomFillSync(Buffer.allocUnsafeSlow(size));
    if (this.offset + size > this.pool.length) {
      this.pool = randomFillSync(Buffer.allocUnsafeSlow(RANDOM_POOL_BYTES));
      this.offset = 0;
    }
    const view = this.pool.subarray(this.offset, this.offset + size);
    this.offset += size;
    return view;
  }
}

/** What the owner of many handshakes shares across them: one randomness pool, one digest schema hint. */
export class HandshakeState {
  readonly random = new RandomPool();
  readonly digestHint = new DigestSchemaHint();
}

/** Bytes of C0+C1 (and of S0+S1). */
export const HELLO_BYTES = 1 + PACKET_BYTES;

/**
 * S1 version we announce in a digest handshake. ffmpeg verifies S1/S2
 * only when this first byte is >= 3 (rtmpproto.c `serverdata[5] >= 3`), so
 * announcing 4.5.0.1 makes every digest we send checked by real clients.
 */
const SERVER_VERSION = Buffer.from([4, 5, 0, 1]);
/** C1 version ffmpeg sends (RTMP_CLIENT_VER1..4 = 9.0.124.2); non-zero marks a digest C1. */
const CLIENT_VERSION = Buffer.from([9, 0, 124, 2]);

/** What the server answers to C0C1. */
export interface ServerHello {
  /** S0 + S1 + S2, 3073 bytes, to send at once. */
  s0s1s2: Buffer;
  /** True when C1 carried a valid digest and we answered with the digest handshake. */
  isComplex: boolean;
  /** S1's digest (digest handshake only): what a digest client's C2 is signed against. */
  s1Digest: Buffer | undefined;
}

/** Throws unless C0 asks for plain RTMP (SRS `ERROR_RTMP_PLAIN_REQUIRED`; 6 would be RTMPE). */
export function checkC0(version: number): void {
  if (version !== RTMP_VERSION) {
    throw new ProtocolError('ERR_RTMP_PLAIN_REQUIRED', `handshake version ${version}, only plain RTMP (3) is supported`);
  }
}

/**
 * Answers C0C1 (1537 bytes). A C1 with a valid Flash Player digest under
 * either schema gets the digest handshake in the same schema (as SRS);
 * anything else the simple handshake: random S1, S2 = C1 echoed.
 */
export function answerClientHello(
  c0c1: Buffer,
  randomBytes: RandomSource = freshRandomBytes,
  digestHint: DigestSchemaHint = new DigestSchemaHint(),
): ServerHello {
  checkC0(c0c1[0] as number);
  const c1 = c0c1.subarray(1, HELLO_BYTES);
  const hasVersion = c1.readUInt32BE(4) !== 0;
  const found = hasVersion ? findDigest(c1, FLASH_PLAYER_KEY_TEXT, digestHint) : undefined;
  const out = Buffer.allocUnsafe(1 + 2 * PACKET_BYTES);
  out[0] = RTMP_VERSION;
  const s1 = out.subarray(1, HELLO_BYTES);
  const s2 = out.subarray(HELLO_BYTES);
  // S1 time stays 0: the field is informational and a pure codec has no clock.
  s1.writeUInt32BE(0, 0);
  randomBytes(PACKET_BYTES - 8).copy(s1, 8);
  if (found === undefined) {
    s1.writeUInt32BE(0, 4);
    c1.copy(s2);
    return { s0s1s2: out, isComplex: false, s1Digest: undefined };
  }
  SERVER_VERSION.copy(s1, 4);
  const s1Digest = imprintDigest(s1, found.schema, FLASH_MEDIA_SERVER_KEY_TEXT);
  randomBytes(PACKET_BYTES).copy(s2);
  imprintResponseDigest(s2, FLASH_MEDIA_SERVER_KEY, found.digest);
  return { s0s1s2: out, isComplex: true, s1Digest };
}

/** What a client sends first, and what it must remember to check S2. */
export interface ClientHello {
  c0c1: Buffer;
  /** C1's digest (digest handshake only). */
  digest: Buffer | undefined;
}

/** Builds C0C1: with `complex`, a digest C1 in schema 1 exactly like ffmpeg; otherwise a simple one. */
export function createClientHello(complex: boolean, randomBytes: RandomSource = freshRandomBytes): ClientHello {
  const c0c1 = Buffer.allocUnsafe(HELLO_BYTES);
  c0c1[0] = RTMP_VERSION;
  const c1 = c0c1.subarray(1);
  c1.writeUInt32BE(0, 0);
  randomBytes(PACKET_BYTES - 8).copy(c1, 8);
  if (!complex) {
    c1.writeUInt32BE(0, 4);
    return { c0c1, digest: undefined };
  }
  CLIENT_VERSION.copy(c1, 4);
  const schema: DigestSchema = 1;
  return { c0c1, digest: imprintDigest(c1, schema, FLASH_PLAYER_KEY_TEXT) };
}

/** The client's reply to S0S1S2. */
export interface ClientAnswer {
  c2: Buffer;
  /** True when S1 and S2 digests were checked and valid. */
  isVerified: boolean;
}

/**
 * Checks S0S1S2 (3073 bytes) and builds C2. Like ffmpeg, the digests are
 * checked when we sent a digest C1 and S1 announces version >= 3; a bad
 * digest then fails the handshake. Otherwise C2 echoes S1.
 */
export function answerServerHello(
  s0s1s2: Buffer,
  hello: ClientHello,
  randomBytes: RandomSource = freshRandomBytes,
  digestHint: DigestSchemaHint = new DigestSchemaHint(),
): ClientAnswer {
  checkC0(s0s1s2[0] as number);
  const s1 = s0s1s2.subarray(1, HELLO_BYTES);
  const s2 = s0s1s2.subarray(HELLO_BYTES, HELLO_BYTES + PACKET_BYTES);
  if (hello.digest === undefined || (s1[4] as number) < 3) return { c2: Buffer.from(s1), isVerified: false };
  const found = findDigest(s1, FLASH_MEDIA_SERVER_KEY_TEXT, digestHint);
  if (found === undefined) throw new ProtocolError('ERR_RTMP_HANDSHAKE_DIGEST', 'S1 carries no valid server digest');
  if (!verifyResponseDigest(s2, FLASH_MEDIA_SERVER_KEY, hello.digest)) {
    throw new ProtocolError('ERR_RTMP_HANDSHAKE_DIGEST', 'S2 signature does not match C1');
  }
  const c2 = Buffer.from(randomBytes(PACKET_BYTES));
  imprintResponseDigest(c2, FLASH_PLAYER_KEY, found.digest);
  return { c2, isVerified: true };
}

/** True when C2 answers our S1 digest correctly (a digest-handshake client such as ffmpeg). */
export function verifyClientAnswer(c2: Buffer, s1Digest: Buffer): boolean {
  return verifyResponseDigest(c2, FLASH_PLAYER_KEY, s1Digest);
}
