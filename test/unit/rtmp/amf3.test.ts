import { describe, expect, it } from 'vitest';
import { decodeAmf3, encodeAmf3 } from '../../../src/rtmp/amf3.js';
import { AmfEcmaArray, AmfTypedObject, AmfXmlDocument, newAmfObject, type AmfValue } from '../../../src/rtmp/amf-value.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const obj = (entries: Record<string, AmfValue>) => Object.assign(newAmfObject(), entries);

/** Values whose AMF3 encoding is canonical: decode(bytes) = value and encode(value) = bytes. */
const GOLDEN: Array<[string, AmfValue, string]> = [
  ['undefined', undefined, '00'],
  ['null', null, '01'],
  ['false', false, '02'],
  ['true', true, '03'],
  ['integer 0', 0, '04 00'],
  ['integer 127 (1 byte)', 127, '04 7f'],
  ['integer 128 (2 bytes)', 128, '04 81 00'],
  ['integer 16384 (3 bytes)', 16384, '04 81 80 00'],
  ['integer 2^21 (4 bytes)', 2 ** 21, '04 80 c0 80 00'],
  ['integer -1 (29-bit two complement)', -1, '04 ff ff ff ff'],
  ['integer 2^28 does not fit: double', 2 ** 28, '05 41b0000000000000'],
  ['double', 1.5, '05 3ff8000000000000'],
  ['string', 'ab', '06 05 6162'],
  ['empty string', '', '06 01'],
  ['date', new Date(0), '08 01 0000000000000000'],
  ['dense array', [1, 'a'], '09 05 01 04 01 06 03 61'],
  ['associative array', new AmfEcmaArray(obj({ a: 1 })), '09 01 03 61 04 01 01'],
  ['anonymous object', obj({ a: 1 }), '0a 0b 01 03 61 04 01 01'],
  ['typed object (dynamic)', new AmfTypedObject('Foo', obj({ x: 7 })), '0a 0b 07 466f6f 03 78 04 07 01'],
  ['byte array', Buffer.from([1, 2, 3]), '0c 07 010203'],
  ['xml document', new AmfXmlDocument('<a/>'), '07 09 3c612f3e'],
  ['dictionary', new Map<AmfValue, AmfValue>([['k', 1]]), '11 03 00 06 03 6b 04 01'],
];

describe('AMF3 golden vectors', () => {
  it.each(GOLDEN)('%s decodes', (_name, value, bytes) => {
    expect(decodeAmf3(hex(bytes))).toEqual(value);
  });
  it.each(GOLDEN)('%s encodes', (_name, value, bytes) => {
    expect(encodeAmf3(value).toString('hex')).toBe(hex(bytes).toString('hex'));
  });

  it.each([
    ['string reference', '09 05 01 06 05 6162 06 00', ['ab', 'ab']],
    ['sealed typed object', '0a 13 07 466f6f 03 78 04 07', new AmfTypedObject('Foo', obj({ x: 7 }))],
    ['traits reference', '09 05 01 0a 13 07 466f6f 03 78 04 01 0a 01 04 02', [new AmfTypedObject('Foo', obj({ x: 1 })), new AmfTypedObject('Foo', obj({ x: 2 }))]],
    ['xml (type 11)', '0b 09 3c612f3e', new AmfXmlDocument('<a/>')],
    ['vector int', '0d 05 00 ffffffff 00000001', [-1, 1]],
    ['vector uint', '0e 03 00 ffffffff', [0xffffffff]],
    ['vector double', '0f 03 00 3ff0000000000000', [1]],
    ['vector object', '10 03 00 01 04 05', [5]],
    ['mixed array: associative part wins, dense items become index keys', '09 03 03 61 04 01 01 04 02', new AmfEcmaArray(obj({ a: 1, 0: 2 }))],
  ])('decodes %s', (_name, bytes, value) => {
    expect(decodeAmf3(hex(bytes))).toEqual(value);
  });

  it('object references return the same instance', () => {
    const value = decodeAmf3(hex('09 05 01 0a 0b 01 03 61 04 01 01 0a 02')) as AmfValue[];
    expect(value[0]).toEqual(obj({ a: 1 }));
    expect(value[1]).toBe(value[0]);
  });

  it.each([
    ['externalizable object', '0a 07 07 466f6f', 'ERR_AMF_UNSUPPORTED_TYPE'],
    ['unknown marker', '12', 'ERR_AMF_UNSUPPORTED_TYPE'],
    ['string reference out of range', '06 02', 'ERR_AMF_REFERENCE'],
    ['object referencing itself', '09 03 01 09 00', 'ERR_AMF_REFERENCE'],
    ['traits reference out of range', '0a 05', 'ERR_AMF_REFERENCE'],
    ['vector longer than its bytes', '0d ff ff ff 7f 00', 'ERR_AMF_TRUNCATED'],
    ['truncated double', '05 3ff0', 'ERR_AMF_TRUNCATED'],
  ])('rejects %s', (_name, bytes, code) => {
    expect(() => decodeAmf3(hex(bytes))).toThrowError(expect.objectContaining({ code }) as Error);
  });

  it('bounds nesting depth and string length', () => {
    const deep = Buffer.concat([Buffer.from('090301'.repeat(10_000), 'hex'), Buffer.from('01', 'hex')]);
    expect(() => decodeAmf3(deep)).toThrowError(expect.objectContaining({ code: 'ERR_AMF_DEPTH' }) as Error);
    expect(() => decodeAmf3(hex('06 09 61626364'), { maxDepth: 4, maxStringBytes: 3 })).toThrowError(
      expect.objectContaining({ code: 'ERR_AMF_STRING_TOO_LONG' }) as Error,
    );
  });
});
