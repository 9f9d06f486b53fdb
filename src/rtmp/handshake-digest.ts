import { createHmac } from 'node:crypto';

/**
 * The "complex" (FP9 digest) handshake primitives Flash, FMLE, ffmpeg and
 * librtmp use. Not in Adobe's published spec; the layout below is the one
 * every open implementation agrees on (ffmpeg rtmpproto.c, librtmp
 * handshake.h, SRS srs_protocol_handshake.cpp):
 *
 *   C1/S1 = time(4) version(4) + two 764-byte blocks, key and digest, in
 *   either order ("schema 0": key first, "schema 1": digest first).
 *   A digest block starts with 4 offset bytes; the 32-byte digest sits at
 *   blockStart + 4 + (sum of those 4 bytes % 728).
 *   The digest is HMAC-SHA256 over the 1536 bytes without the digest itself.
 */

/** `Genuine Adobe Flash Player 001` + 32 constant bytes (public, in every RTMP stack). */
export const FLASH_PLAYER_KEY = Buffer.concat([
  Buffer.from('Genuine Adobe Flash Player 001', 'ascii'),
  Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex'),
]);
/** `Genuine Adobe Flash Media Server 001` + the same 32 bytes. */
export const FLASH_MEDIA_SERVER_KEY = Buffer.concat([
  Buffer.from('Genuine Adobe Flash Media Server 001', 'ascii'),
  Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex'),
]);
/** C1 digests are keyed with the text part of the player key only (30 bytes). */
export const FLASH_PLAYER_KEY_TEXT = FLASH_PLAYER_KEY.subarray(0, 30);
/** S1 digests are keyed with the text part of the server key only (36 bytes). */
export const FLASH_MEDIA_SERVER_KEY_TEXT = FLASH_MEDIA_SERVER_KEY.subarray(0, 36);

/** Bytes in one C1/S1/C2/S2 packet. */
export const PACKET_BYTES = 1536;
/** Length of an HMAC-SHA256 digest. */
export const DIGEST_BYTES = 32;
/** Where the key and digest blocks start (after time and version). */
const BLOCK_START = 8;
const BLOCK_BYTES = 764;
const OFFSET_MODULO = 728;

/** Which block comes first in C1/S1: 0 = key then digest, 1 = digest then key (ffmpeg's choice). */
export type DigestSchema = 0 | 1;

/** HMAC-SHA256 of the concatenated parts. */
export function hmacSha256(key: Buffer, ...parts: Buffer[]): Buffer {
  const hmac = createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

/** Offset of the 32-byte digest inside a C1/S1 packet laid out with `schema`. */
export function digestOffset(packet: Buffer, schema: DigestSchema): number {
  const blockStart = schema === 0 ? BLOCK_START + BLOCK_BYTES : BLOCK_START;
  const sum =
    (packet[blockStart] as number) +
    (packet[blockStart + 1] as number) +
    (packet[blockStart + 2] as number) +
    (packet[blockStart + 3] as number);
  return blockStart + 4 + (sum % OFFSET_MODULO);
}

/** The digest of a packet, computed over everything but the 32 bytes at `offset`. */
export function packetDigest(packet: Buffer, offset: number, key: Buffer): Buffer {
  return hmacSha256(key, packet.subarray(0, offset), packet.subarray(offset + DIGEST_BYTES, PACKET_BYTES));
}

/** Computes and writes the digest into `packet` (1536 bytes) for `schema`; returns it. */
export function imprintDigest(packet: Buffer, schema: DigestSchema, key: Buffer): Buffer {
  const offset = digestOffset(packet, schema);
  const digest = packetDigest(packet, offset, key);
  digest.copy(packet, offset);
  return digest;
}

/**
 * The schema the last digest was found under, tried first next time: a
 * server's digest clients are mostly one kind (ffmpeg writes schema 1), and
 * each miss is an HMAC over the whole packet. Which one is tried first only
 * changes the answer if a packet validated under both, a 2^-256 event. The
 * owner of many handshakes (an RTMP server) keeps one and shares it.
 */
export class DigestSchemaHint {
  schema: DigestSchema = 0;
}

/** Finds a valid digest in a C1/S1 under either schema, `hint`'s first (SRS tries schema 0 first), and updates `hint`. */
export function findDigest(packet: Buffer, key: Buffer, hint: DigestSchemaHint): { schema: DigestSchema; digest: Buffer } | undefined {
  const first = hint.schema;
  const found = digestUnder(packet, key, first) ?? digestUnder(packet, key, first === 0 ? 1 : 0);
  if (found !== undefined) hint.schema = found.schema;
  return found;
}

function digestUnder(packet: Buffer, key: Buffer, schema: DigestSchema): { schema: DigestSchema; digest: Buffer } | undefined {
  const offset = digestOffset(packet, schema);
  const expected = packetDigest(packet, offset, key);
  return expected.equals(packet.subarray(offset, offset + DIGEST_BYTES)) ? { schema, digest: expected } : undefined;
}

/**
 * The C2/S2 answer: the last 32 bytes are HMAC(HMAC(fullKey, peerDigest), first 1504 bytes).
 * The server keys with FLASH_MEDIA_SERVER_KEY and C1's digest; the client with FLASH_PLAYER_KEY and S1's.
 */
export function imprintResponseDigest(packet: Buffer, fullKey: Buffer, peerDigest: Buffer): void {
  const signature = responseDigest(packet, fullKey, peerDigest);
  signature.copy(packet, PACKET_BYTES - DIGEST_BYTES);
}

/** Checks a C2/S2 signed with {@link imprintResponseDigest}. */
export function verifyResponseDigest(packet: Buffer, fullKey: Buffer, peerDigest: Buffer): boolean {
  return responseDigest(packet, fullKey, peerDigest).equals(packet.subarray(PACKET_BYTES - DIGEST_BYTES, PACKET_BYTES));
}

function responseDigest(packet: Buffer, fullKey: Buffer, peerDigest: Buffer): Buffer {
  const tempKey = hmacSha256(fullKey, peerDigest);
  return hmacSha256(tempKey, packet.subarray(0, PACKET_BYTES - DIGEST_BYTES));
}
