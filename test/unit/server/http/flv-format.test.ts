import { describe, expect, it } from 'vitest';
import { readFlvTags } from '../../../../src/client/flv-file.js';
import { toMediaPacket } from '../../../../src/media/flv-tag.js';
import type { MediaPacket } from '../../../../src/media/packet.js';
import { encodeFlvTag, flvFileHeader, FLV_FORMAT } from '../../../../src/server/http/flv-format.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const hexOf = (bytes: Buffer): string => bytes.toString('hex');

const VIDEO = toMediaPacket('video', 1000, hex('17 01 000000 abcdef'));
const AUDIO = toMediaPacket('audio', 23, hex('af 01 de 04'));
/** AMF0 "onMetaData", then an ECMA array with no entries. */
const METADATA_BODY = hex('02 000a 6f6e4d65746144617461 08 00000000 000009');
const SCRIPT = toMediaPacket('data', 5000, METADATA_BODY);

describe('FLV tags (FLV v10.1 E.4): golden bytes', () => {
  it('a video tag: type 9, size, 24-bit timestamp, extension 0, stream id 0, body, PreviousTagSize', () => {
    expect(hexOf(encodeFlvTag(VIDEO))).toBe(
      // type  size    ts      ext streamid body (8 bytes)     PreviousTagSize (11 + 8)
      hexOf(hex('09 000008 0003e8 00 000000 17010000 00abcdef 00000013')),
    );
  });

  it('an audio tag: type 8', () => {
    expect(hexOf(encodeFlvTag(AUDIO))).toBe(hexOf(hex('08 000004 000017 00 000000 af01de04 0000000f')));
  });

  it('a script tag: type 18 with timestamp 0 whatever the packet says (SRS write_metadata)', () => {
    // Body: 1 + 2 + 10 (the string) + 1 + 4 + 3 (the empty ECMA array) = 21 bytes; PreviousTagSize 32.
    expect(hexOf(encodeFlvTag(SCRIPT))).toBe(hexOf(hex('12 000015 000000 00 000000' + '02000a6f6e4d65746144617461' + '0800000000000009' + '00000020')));
    expect(encodeFlvTag(SCRIPT).readUIntBE(4, 3)).toBe(0);
  });

  it('a timestamp over 24 bits: the low 24 bits, then the extension byte with bits 24-31', () => {
    const late = toMediaPacket('video', 0x12345678, hex('27 01 000000'));
    expect(hexOf(encodeFlvTag(late))).toBe(hexOf(hex('09 000005 345678 12 000000 2701000000 00000010')));
    // 2^32 - 1 ms, the last FLV timestamp.
    const last = toMediaPacket('audio', 0xffffffff, hex('af 01'));
    expect(hexOf(encodeFlvTag(last).subarray(0, 11))).toBe('08000002ffffffff000000');
  });

  it('an empty body is an 11-byte header and PreviousTagSize 11', () => {
    const empty: MediaPacket = { kind: 'video', timestamp: 1, payload: Buffer.alloc(0), isKeyframe: false, isSequenceHeader: false, isMetadata: false };
    expect(hexOf(encodeFlvTag(empty))).toBe(hexOf(hex('09 000000 000001 00 000000 0000000b')));
  });

  it('FLV_FORMAT is stateless: the same bytes for every encoder, not ordered', () => {
    expect(FLV_FORMAT).toMatchObject({ id: 'flv', ordered: false });
    expect(FLV_FORMAT.createEncoder().encode(VIDEO)).toEqual(FLV_FORMAT.createEncoder().encode(VIDEO));
  });
});

describe('FLV file header (FLV v10.1 E.2)', () => {
  it.each([
    [true, true, '05'],
    [true, false, '04'],
    [false, true, '01'],
    [false, false, '00'],
  ])('audio %s video %s: flags %s', (hasAudio, hasVideo, flags) => {
    expect(hexOf(flvFileHeader(hasAudio, hasVideo))).toBe(`464c5601${flags}00000009` + '00000000');
  });
});

describe('round trip through readFlvTags', () => {
  it('header and tags read back as the packets (script data at timestamp 0)', () => {
    const packets = [SCRIPT, VIDEO, AUDIO, toMediaPacket('video', 0x01000000, hex('27 01 000000 99'))];
    const file = Buffer.concat([flvFileHeader(true, true), ...packets.map(encodeFlvTag)]);
    expect([...readFlvTags(file)].map((tag) => [tag.kind, tag.timestamp, hexOf(tag.payload)])).toEqual([
      ['data', 0, hexOf(METADATA_BODY)],
      ['video', 1000, '17010000' + '00abcdef'],
      ['audio', 23, 'af01de04'],
      ['video', 0x01000000, '2701000000' + '99'],
    ]);
  });

  it('each PreviousTagSize names the tag before it', () => {
    const tag = encodeFlvTag(VIDEO);
    expect(tag.readUInt32BE(tag.length - 4)).toBe(tag.length - 4);
  });
});
