import { describe, expect, it } from 'vitest';
import { readFlvTags } from '../../../src/client/flv-file.js';

const HEADER = '464c5601 05 00000009 00000000';
const tag = (type: number, timestamp: number, body: string): string => {
  const size = body.length / 2;
  const ts = timestamp & 0xffffff;
  return (
    type.toString(16).padStart(2, '0') +
    size.toString(16).padStart(6, '0') +
    ts.toString(16).padStart(6, '0') +
    ((timestamp >>> 24) & 0xff).toString(16).padStart(2, '0') +
    '000000' +
    body +
    (11 + size).toString(16).padStart(8, '0')
  );
};
const file = (...parts: string[]): Buffer => Buffer.from((HEADER + parts.join('')).replace(/\s+/g, ''), 'hex');

describe('readFlvTags', () => {
  it('reads audio, video and script tags with extended timestamps', () => {
    const tags = [...readFlvTags(file(tag(18, 0, '02000a6f6e4d65746144617461'), tag(9, 40, '1700'), tag(8, 0x01000002, 'af01')))];
    expect(tags.map((t) => [t.kind, t.timestamp, t.payload.toString('hex')])).toEqual([
      ['data', 0, '02000a6f6e4d65746144617461'],
      ['video', 40, '1700'],
      ['audio', 0x01000002, 'af01'],
    ]);
  });

  it('skips unknown tag types and stops at a truncated last tag', () => {
    const whole = file(tag(7, 0, 'aa'), tag(9, 0, '1701'), tag(9, 40, '2701'));
    const tags = [...readFlvTags(whole.subarray(0, whole.length - 6))];
    expect(tags.map((t) => t.payload.toString('hex'))).toEqual(['1701']);
  });

  it('rejects a file without the FLV signature', () => {
    expect(() => [...readFlvTags(Buffer.from('not an flv file'))]).toThrowError(expect.objectContaining({ code: 'ERR_FLV_HEADER' }) as Error);
  });
});
