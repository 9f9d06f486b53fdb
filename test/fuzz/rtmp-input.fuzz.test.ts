/**
 * The chunk reader and the whole server connection under fast-check: random
 * bytes and mutations of a real ffmpeg session only ever yield the project's
 * typed errors, at any split.
 */
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { SrsError } from '../../src/errors.js';
import { ChunkReader } from '../../src/rtmp/chunk-reader.js';
import { DEFAULT_RTMP_LIMITS, RtmpServerConnection } from '../../src/rtmp/connection.js';
import { readHexFixture } from '../unit/rtmp/rtmp-test-kit.js';

function onlyTypedErrors(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof SrsError)) throw error;
  }
}

/** Feeds pieces into a server connection the way a session does, accepting connect. */
function drive(pieces: Buffer[]): void {
  const server = new RtmpServerConnection({ clientId: 'fuzz', limits: { maxMessageBytes: 256 * 1024 } });
  for (const piece of pieces) {
    for (const event of server.feed(piece)) {
      if (event.type === 'connect') {
        server.acceptConnect({ windowAckSize: 1000, peerBandwidth: 1000, chunkSize: 4096, serverIp: '', pid: 1, clientId: 'fuzz' });
      } else if (event.type === 'publish') {
        server.acceptPublish(event.streamId);
      } else if (event.type === 'play') {
        server.acceptPlay(event.streamId);
      }
    }
    server.takeOutput();
  }
}

function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

const publish = Buffer.concat(readHexFixture('ffmpeg-4.1-publish-h264-aac.hex'));
const play = Buffer.concat(readHexFixture('ffmpeg-4.1-play.hex'));
/** C0C1 + C2: mutations after it exercise the chunk stream and commands, not only the handshake. */
const HANDSHAKE_BYTES = 1537 + 1536;

describe('RTMP input fuzzing', () => {
  it('random bytes into the chunk reader only ever yield typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 128, max: 4096 }), (bytes, chunkSize) => {
        const reader = new ChunkReader({ ...DEFAULT_RTMP_LIMITS, maxMessageBytes: 64 * 1024 });
        reader.setChunkSize(chunkSize);
        onlyTypedErrors(() => reader.feed(Buffer.from(bytes), { onMessage: () => undefined }));
      }),
      { numRuns: 3000 },
    );
  });

  it('random bytes after a valid handshake only ever yield typed errors', () => {
    const handshake = publish.subarray(0, HANDSHAKE_BYTES);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => onlyTypedErrors(() => drive([handshake, Buffer.from(bytes)]))),
      { numRuns: 1500 },
    );
  });

  it.each([
    ['publish', publish],
    ['play', play],
  ])('a mutated ffmpeg %s session, split anywhere, only ever yields typed errors', (_name, session) => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
    );
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (edits, cuts) => {
        let bytes = Buffer.from(session);
        for (const e of edits) {
          const span = bytes.length - HANDSHAKE_BYTES;
          const at = HANDSHAKE_BYTES + (e.at % Math.max(1, span));
          if (e.kind === 'set') bytes[at] = e.byte;
          else if (e.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(e.bytes), bytes.subarray(at)]);
          else bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + e.length)]);
        }
        onlyTypedErrors(() => drive(split(bytes, cuts)));
      }),
      { numRuns: 400 },
    );
  });
});
