import { DigestSchemaHint, PACKET_BYTES } from './handshake-digest.js';
import { HELLO_BYTES, answerClientHello, checkC0, verifyClientAnswer, type RandomSource } from './handshake.js';

/** One step of the server handshake. */
export interface HandshakeStep {
  /** S0S1S2, once C0C1 is complete. */
  reply: Buffer | undefined;
  /** C2 has been received in full. */
  isDone: boolean;
  /** Bytes after C2 (the first chunks), when done. */
  rest: Buffer;
}

const EMPTY = Buffer.alloc(0);

/**
 * Server handshake as a push parser: collects C0C1 (1537 bytes) across any
 * split, answers S0S1S2, then consumes C2 (1536 bytes). C0 is checked on
 * its first byte so garbage is refused at once, not after 1537 bytes.
 * C2 is never required to verify, as SRS: Flash and ffmpeg (when playing)
 * sign it, OBS/librtmp and ffmpeg publishing echo S1. When asked, whether it
 * verified is recorded, which proves a real client accepted our S1/S2.
 */
export class HandshakeAcceptor {
  // Not Buffer.allocUnsafe: a pooled slice would pin a shared 8 KiB slab for
  // as long as any session made at the same time lives.
  private readonly c0c1 = Buffer.allocUnsafeSlow(HELLO_BYTES);
  private c0c1Length = 0;
  private readonly c2 = Buffer.allocUnsafeSlow(PACKET_BYTES);
  private c2Length = 0;
  private s1Digest: Buffer | undefined;
  /** True when the client's C1 carried a valid digest. */
  isComplex = false;
  /** True when C2 is signed against our S1 digest (a digest client that checked S1 and S2). */
  isC2Verified = false;

  constructor(
    /** S1/S2 randomness; default fresh CSPRNG bytes (a server passes its shared pool). */
    private readonly randomBytes?: RandomSource,
    /** Check C2's signature (diagnostics); otherwise `isC2Verified` stays false. */
    private readonly verifyC2 = true,
    /** Which digest schema to try first; default a hint of this acceptor's own (a server passes its shared one). */
    private readonly digestHint = new DigestSchemaHint(),
  ) {}

  /** Consumes handshake bytes from `bytes`. Throws ProtocolError on a bad C0. */
  feed(bytes: Buffer): HandshakeStep {
    let pos = 0;
    let reply: Buffer | undefined;
    if (this.c0c1Length < HELLO_BYTES) {
      if (this.c0c1Length === 0 && bytes.length > 0) checkC0(bytes[0] as number);
      const count = Math.min(HELLO_BYTES - this.c0c1Length, bytes.length);
      bytes.copy(this.c0c1, this.c0c1Length, 0, count);
      this.c0c1Length += count;
      pos = count;
      if (this.c0c1Length < HELLO_BYTES) return { reply: undefined, isDone: false, rest: EMPTY };
      const hello = answerClientHello(this.c0c1, this.randomBytes, this.digestHint);
      this.isComplex = hello.isComplex;
      this.s1Digest = hello.s1Digest;
      reply = hello.s0s1s2;
    }
    const count = Math.min(PACKET_BYTES - this.c2Length, bytes.length - pos);
    bytes.copy(this.c2, this.c2Length, pos, pos + count);
    this.c2Length += count;
    pos += count;
    if (this.c2Length < PACKET_BYTES) return { reply, isDone: false, rest: EMPTY };
    this.isC2Verified = this.verifyC2 && this.s1Digest !== undefined && verifyClientAnswer(this.c2, this.s1Digest);
    return { reply, isDone: true, rest: bytes.subarray(pos) };
  }
}
