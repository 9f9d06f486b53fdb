import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChunkWriter, encodeMessageChunks, MEDIA_CSID, type RtmpMessage } from '../../../src/rtmp/chunk-writer.js';
import { ChunkReader } from '../../../src/rtmp/chunk-reader.js';
import { DEFAULT_RTMP_LIMITS } from '../../../src/rtmp/connection.js';

const hex = (text: string): string => text.replace(/\s+/g, '');
const P128 = 'aa'.repeat(128);
const P72 = 'bb'.repeat(72);
const payload200 = Buffer.from(P128 + P72, 'hex');

describe('encodeMessageChunks (fmt 0 + fmt 3, shared by every player)', () => {
  it('writes a 200-byte video message as fmt 0 and one fmt 3 continuation', () => {
    const bytes = encodeMessageChunks({ typeId: 9, timestamp: 1000, streamId: 1, payload: payload200 }, 128, 6);
    expect(bytes.toString('hex')).toBe(hex('06 0003e8 0000c8 09 01000000' + P128 + 'c6' + P72));
  });

  it('uses the extended timestamp from 0xFFFFFF on and repeats it in every continuation', () => {
    const bytes = encodeMessageChunks({ typeId: 9, timestamp: 0xffffff, streamId: 1, payload: payload200 }, 128, 6);
    expect(bytes.toString('hex')).toBe(hex('06 ffffff 0000c8 09 01000000 00ffffff' + P128 + 'c6 00ffffff' + P72));
  });

  it('writes an empty message as a header alone', () => {
    expect(encodeMessageChunks({ typeId: 8, timestamp: 5, streamId: 1, payload: Buffer.alloc(0) }, 128, 7).toString('hex')).toBe(
      hex('07 000005 000000 08 01000000'),
    );
  });

  it.each([
    [64, '00 00'],
    [319, '00 ff'],
    [320, '01 00 01'],
    [65599, '01 ff ff'],
  ])('encodes csid %i with the %s basic header', (csid, basic) => {
    const bytes = encodeMessageChunks({ typeId: 8, timestamp: 0, streamId: 0, payload: Buffer.from([1]) }, 128, csid);
    expect(bytes.toString('hex')).toBe(hex(basic + '000000 000001 08 00000000 01'));
  });

  it('refuses csids the basic header cannot carry', () => {
    for (const csid of [0, 1, 65600]) {
      expect(() => encodeMessageChunks({ typeId: 8, timestamp: 0, streamId: 0, payload: Buffer.alloc(1) }, 128, csid)).toThrowError(
        expect.objectContaining({ code: 'ERR_RTMP_CSID' }) as Error,
      );
    }
  });

  it('puts media on the csids SRS uses', () => {
    expect(MEDIA_CSID).toEqual({ audio: 7, video: 6, data: 4 });
  });
});

describe('ChunkWriter (all four header formats)', () => {
  const message = (timestamp: number, length: number, typeId = 20, streamId = 0): RtmpMessage => ({
    typeId,
    timestamp,
    streamId,
    payload: Buffer.alloc(length, 0x11),
  });

  it('chooses fmt 0, 2, 3, 1 and back to 0 as the headers allow', () => {
    const writer = new ChunkWriter();
    const out = [
      message(0, 2),
      message(10, 2), // same length and type, first delta: fmt 2
      message(20, 2), // same delta again: fmt 3
      message(25, 3), // new length: fmt 1
      message(25, 3, 20, 1), // new stream id: fmt 0
      message(5, 3, 20, 1), // timestamp went back: fmt 0
    ].map((m) => writer.encode(m, 3).toString('hex'));
    expect(out).toEqual([
      hex('03 000000 000002 14 00000000 1111'),
      hex('83 00000a 1111'),
      hex('c3 1111'),
      hex('43 000005 000003 14 111111'),
      hex('03 000019 000003 14 01000000 111111'),
      hex('03 000005 000003 14 01000000 111111'),
    ]);
  });

  it('never compresses on csids listed as full-header (shared media)', () => {
    const writer = new ChunkWriter(128, [6]);
    writer.encode(message(0, 1, 9, 1), 6);
    expect(writer.encode(message(40, 1, 9, 1), 6).toString('hex')).toBe(hex('06 000028 000001 09 01000000 11'));
  });

  it('falls back to fmt 0 when a delta would need the extended field', () => {
    const writer = new ChunkWriter();
    writer.encode(message(0, 1), 3);
    expect(writer.encode(message(0x1000000, 1), 3).toString('hex')).toBe(hex('03 ffffff 000001 14 00000000 01000000 11'));
  });

  it('applies a new chunk size to the following messages', () => {
    const writer = new ChunkWriter(128);
    writer.setChunkSize(256);
    expect(writer.encode({ typeId: 9, timestamp: 0, streamId: 1, payload: payload200 }, 6).length).toBe(12 + 200);
  });

  it('round-trips any message sequence through the ChunkReader, whatever the chunk size', () => {
    const messageArb = fc.record({
      csid: fc.constantFrom(2, 3, 4, 5, 6, 7, 64, 400, 65599),
      typeId: fc.constantFrom(8, 9, 18, 20),
      timestamp: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 0xffffffff })),
      streamId: fc.constantFrom(0, 1),
      payload: fc.uint8Array({ minLength: 0, maxLength: 700 }),
    });
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 30 }), fc.integer({ min: 128, max: 1024 }), (messages, chunkSize) => {
        const writer = new ChunkWriter(chunkSize);
        const reader = new ChunkReader(DEFAULT_RTMP_LIMITS);
        reader.setChunkSize(chunkSize);
        const got: unknown[] = [];
        const sink = {
          onMessage: (typeId: number, timestamp: number, streamId: number, payload: Buffer, csid: number) =>
            got.push({ csid, typeId, timestamp, streamId, payload: payload.toString('hex') }),
        };
        const expected: unknown[] = [];
        for (const m of messages) {
          const payload = Buffer.from(m.payload);
          reader.feed(writer.encode({ typeId: m.typeId, timestamp: m.timestamp, streamId: m.streamId, payload }, m.csid), sink);
          expected.push({ csid: m.csid, typeId: m.typeId, timestamp: m.timestamp, streamId: m.streamId, payload: payload.toString('hex') });
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
