import { describe, expect, it } from 'vitest';
import { ChunkReader, type ChunkReaderLimits } from '../../../src/rtmp/chunk-reader.js';
import { DEFAULT_RTMP_LIMITS } from '../../../src/rtmp/connection.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

interface Read {
  typeId: number;
  timestamp: number;
  streamId: number;
  csid: number;
  payload: string;
}

/** Feeds `chunks` into a fresh reader (Set Chunk Size applied like a connection does). */
function readAll(chunks: Buffer[], limits: ChunkReaderLimits = DEFAULT_RTMP_LIMITS, chunkSize?: number): Read[] {
  const reader = new ChunkReader(limits);
  if (chunkSize !== undefined) reader.setChunkSize(chunkSize);
  const out: Read[] = [];
  for (const chunk of chunks) {
    reader.feed(chunk, {
      onMessage: (typeId, timestamp, streamId, payload, csid) => {
        if (typeId === 1) reader.setChunkSize(payload.readUInt32BE(0));
        out.push({ typeId, timestamp, streamId, csid, payload: payload.toString('hex') });
      },
    });
  }
  return out;
}

const P128 = 'aa'.repeat(128);
const P72 = 'bb'.repeat(72);

/** [name, wire bytes, messages]: every header format and basic header size. */
const GOLDEN: Array<[string, string, Read[]]> = [
  [
    'fmt 0, 1, 2, 3 on csid 3 (timestamps accumulate deltas)',
    '03 0003e8 000005 14 01000000 0102030405' + '43 00000a 000003 08 aabbcc' + '83 000014 ddeeff' + 'c3 112233',
    [
      { typeId: 20, timestamp: 1000, streamId: 1, csid: 3, payload: '0102030405' },
      { typeId: 8, timestamp: 1010, streamId: 1, csid: 3, payload: 'aabbcc' },
      { typeId: 8, timestamp: 1030, streamId: 1, csid: 3, payload: 'ddeeff' },
      { typeId: 8, timestamp: 1050, streamId: 1, csid: 3, payload: '112233' },
    ],
  ],
  [
    'a 200-byte message in two chunks (fmt 3 continuation)',
    '04 000000 0000c8 09 01000000' + P128 + 'c4' + P72,
    [{ typeId: 9, timestamp: 0, streamId: 1, csid: 4, payload: P128 + P72 }],
  ],
  ['2-byte basic header: csid 64', '00 00 000001 000001 08 00000000 ee', [{ typeId: 8, timestamp: 1, streamId: 0, csid: 64, payload: 'ee' }]],
  ['2-byte basic header: csid 319', '00 ff 000001 000001 08 00000000 ee', [{ typeId: 8, timestamp: 1, streamId: 0, csid: 319, payload: 'ee' }]],
  ['3-byte basic header: csid 320', '01 00 01 000002 000001 08 00000000 ee', [{ typeId: 8, timestamp: 2, streamId: 0, csid: 320, payload: 'ee' }]],
  ['3-byte basic header: csid 65599', '01 ff ff 000003 000001 08 00000000 ee', [{ typeId: 8, timestamp: 3, streamId: 0, csid: 65599, payload: 'ee' }]],
  [
    'extended timestamp in fmt 0',
    '03 ffffff 000002 08 00000000 01000000 abcd',
    [{ typeId: 8, timestamp: 0x01000000, streamId: 0, csid: 3, payload: 'abcd' }],
  ],
  [
    'extended timestamp repeated in the fmt 3 continuation (Adobe, SRS, current ffmpeg)',
    '06 ffffff 0000c8 09 01000000 01000000' + P128 + 'c6 01000000' + P72,
    [{ typeId: 9, timestamp: 0x01000000, streamId: 1, csid: 6, payload: P128 + P72 }],
  ],
  [
    'extended timestamp NOT repeated in the continuation (old ffmpeg/librtmp): detected, bytes kept as payload',
    '06 ffffff 0000c8 09 01000000 01000000' + P128 + 'c6' + P72,
    [{ typeId: 9, timestamp: 0x01000000, streamId: 1, csid: 6, payload: P128 + P72 }],
  ],
  [
    'extended delta in fmt 1 and a new message in fmt 3 that repeats it',
    '05 000010 000001 12 01000000 01' + '45 ffffff 000001 12 01000000 02' + 'c5 01000000 03',
    [
      { typeId: 18, timestamp: 0x10, streamId: 1, csid: 5, payload: '01' },
      { typeId: 18, timestamp: 0x01000010, streamId: 1, csid: 5, payload: '02' },
      { typeId: 18, timestamp: 0x02000010, streamId: 1, csid: 5, payload: '03' },
    ],
  ],
  [
    'interleaved chunk streams: audio inside a video message',
    '06 000000 0000c8 09 01000000' + P128 + '07 000005 000002 08 01000000 af01' + 'c6' + P72,
    [
      { typeId: 8, timestamp: 5, streamId: 1, csid: 7, payload: 'af01' },
      { typeId: 9, timestamp: 0, streamId: 1, csid: 6, payload: P128 + P72 },
    ],
  ],
  ['an empty message', '03 000007 000000 14 00000000', [{ typeId: 20, timestamp: 7, streamId: 0, csid: 3, payload: '' }]],
  [
    'Set Chunk Size applies to the next chunk of the same read',
    '02 000000 000004 01 00000000 00000100' + '04 000000 000100 09 01000000' + 'cc'.repeat(256),
    [
      { typeId: 1, timestamp: 0, streamId: 0, csid: 2, payload: '00000100' },
      { typeId: 9, timestamp: 0, streamId: 1, csid: 4, payload: 'cc'.repeat(256) },
    ],
  ],
  [
    'fmt 1 on a fresh csid 2 is accepted (librtmp, as SRS)',
    '42 000000 000004 05 00002710',
    [{ typeId: 5, timestamp: 0, streamId: 0, csid: 2, payload: '00002710' }],
  ],
];

describe('ChunkReader golden vectors', () => {
  it.each(GOLDEN)('%s', (_name, wire, messages) => {
    expect(readAll([hex(wire)])).toEqual(messages);
  });

  it.each(GOLDEN)('%s: byte by byte gives the same', (_name, wire, messages) => {
    const bytes = hex(wire);
    expect(readAll(Array.from(bytes, (byte) => Buffer.from([byte])))).toEqual(messages);
  });

  it('drops a partial message on Abort', () => {
    const reader = new ChunkReader(DEFAULT_RTMP_LIMITS);
    const got: string[] = [];
    const sink = { onMessage: (_t: number, _ts: number, _s: number, payload: Buffer) => got.push(payload.toString('hex')) };
    reader.feed(hex('06 000000 0000c8 09 01000000' + P128), sink);
    reader.abort(6);
    reader.feed(hex('06 000000 000001 09 01000000 77'), sink);
    expect(got).toEqual(['77']);
  });

  it('hands out payloads that are never reused', () => {
    const reader = new ChunkReader(DEFAULT_RTMP_LIMITS);
    const payloads: Buffer[] = [];
    const sink = { onMessage: (_t: number, _ts: number, _s: number, payload: Buffer) => payloads.push(payload) };
    const input = hex('03 000000 000002 08 00000000 0102' + 'c3 0304');
    reader.feed(input, sink);
    input.fill(0);
    expect(payloads.map((p) => p.toString('hex'))).toEqual(['0102', '0304']);
  });

  it.each([
    ['fmt 3 on a fresh chunk stream', 'c5 00', 'ERR_RTMP_CHUNK_START'],
    ['fmt 2 on a fresh chunk stream', '85 000000 00', 'ERR_RTMP_CHUNK_START'],
    ['a message length over the limit', '03 000000 ffffff 09 01000000', 'ERR_RTMP_MESSAGE_TOO_LARGE'],
    ['a new length in the middle of a message', '04 000000 0000c8 09 01000000' + P128 + '44 000000 0000c9 09', 'ERR_RTMP_CHUNK_LENGTH_CHANGED'],
  ])('rejects %s', (_name, wire, code) => {
    expect(() => readAll([hex(wire)])).toThrowError(expect.objectContaining({ code }) as Error);
  });

  it('rejects chunk sizes outside [128, 65536]', () => {
    const reader = new ChunkReader(DEFAULT_RTMP_LIMITS);
    for (const size of [0, 127, 65537, 2 ** 31]) {
      expect(() => reader.setChunkSize(size)).toThrowError(expect.objectContaining({ code: 'ERR_RTMP_CHUNK_SIZE' }) as Error);
    }
    reader.setChunkSize(128);
    reader.setChunkSize(65536);
    expect(reader.inChunkSize).toBe(65536);
  });

  it('rejects more distinct chunk streams than allowed', () => {
    const limits = { ...DEFAULT_RTMP_LIMITS, maxChunkStreams: 3 };
    const message = (csid: number): string => (csid | 0).toString(16).padStart(2, '0') + '000000 000001 08 00000000 00';
    expect(readAll([hex(message(3) + message(4) + message(5))], limits)).toHaveLength(3);
    expect(() => readAll([hex(message(3) + message(4) + message(5) + message(6))], limits)).toThrowError(
      expect.objectContaining({ code: 'ERR_RTMP_CHUNK_STREAMS' }) as Error,
    );
  });
});
