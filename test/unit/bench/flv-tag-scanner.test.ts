import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FlvTagScanner } from '../../../test/bench/flv-tag-scanner.js';

function tag(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(11);
  header[0] = type;
  header.writeUIntBE(payload.length, 1, 3);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(11 + payload.length);
  return Buffer.concat([header, payload, trailer]);
}

const FILE_HEADER = Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0]);
const script = tag(18, Buffer.from('onMetaData-ish'));
const videoHeader = tag(9, Buffer.from([0x17, 0, 0, 0, 0, 1, 2, 3]));
const audio = tag(8, Buffer.alloc(100, 0xaf));
const inter = tag(9, Buffer.from([0x27, 1, 0, 0, 0, 9, 9]));
const key = tag(9, Buffer.from([0x17, 1, 0, 0, 0, 7, 7, 7, 7]));
const body = Buffer.concat([FILE_HEADER, script, videoHeader, audio, inter, key, audio]);
/** Payload bytes of the audio and video tags above: 8 + 100 + 7 + 9 + 100. */
const MEDIA_BYTES = 224;

describe('bench FLV tag scanner', () => {
  it('counts audio and video payload bytes and finds the first key frame, not the sequence header', () => {
    let keyframes = 0;
    const scanner = new FlvTagScanner(() => keyframes++);
    scanner.feed(body);
    expect(scanner.mediaBytes).toBe(MEDIA_BYTES);
    expect(scanner.sawKeyframe).toBe(true);
    expect(keyframes).toBe(1);
  });

  it('sees no key frame in a stream of sequence headers and inter frames', () => {
    const scanner = new FlvTagScanner();
    scanner.feed(Buffer.concat([FILE_HEADER, videoHeader, inter, audio]));
    expect(scanner.sawKeyframe).toBe(false);
    expect(scanner.mediaBytes).toBe(8 + 7 + 100);
  });

  it('gives the same answer however the body is cut into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: body.length - 1 }), { maxLength: 20 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        let keyframes = 0;
        const scanner = new FlvTagScanner(() => keyframes++);
        let from = 0;
        for (const point of [...points, body.length]) {
          scanner.feed(body.subarray(from, point));
          from = point;
        }
        return scanner.mediaBytes === MEDIA_BYTES && keyframes === 1;
      }),
    );
  });
});
