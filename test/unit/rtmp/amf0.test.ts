import { describe, expect, it } from 'vitest';
import { decodeAmf0, encodeAmf0 } from '../../../src/rtmp/amf0.js';
import { Amf3Value, AmfEcmaArray, AmfTypedObject, AmfXmlDocument, newAmfObject, type AmfValue } from '../../../src/rtmp/amf-value.js';
import { SrsError } from '../../../src/errors.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const obj = (entries: Record<string, AmfValue>) => Object.assign(newAmfObject(), entries);

/** [name, value, AMF0 bytes]: decode(bytes) = value and encode(value) = bytes. */
const GOLDEN: Array<[string, AmfValue, string]> = [
  ['number', 1.5, '00 3ff8000000000000'],
  ['negative zero', -0, '00 8000000000000000'],
  ['boolean true', true, '01 01'],
  ['boolean false', false, '01 00'],
  ['string', 'ab', '02 0002 6162'],
  ['utf-8 string', 'é', '02 0002 c3a9'],
  ['empty string', '', '02 0000'],
  ['null', null, '05'],
  ['undefined', undefined, '06'],
  ['object', obj({ a: 1 }), '03 0001 61 00 3ff0000000000000 000009'],
  ['nested object', obj({ o: obj({ s: 'x' }) }), '03 0001 6f 03 0001 73 02 0001 78 000009 000009'],
  ['ecma array', new AmfEcmaArray(obj({ x: 'y' })), '08 00000001 0001 78 02 0001 79 000009'],
  ['strict array', [1, 'a'], '0a 00000002 00 3ff0000000000000 02 0001 61'],
  ['date', new Date(0), '0b 0000000000000000 0000'],
  ['typed object', new AmfTypedObject('Foo', obj({ b: false })), '10 0003 466f6f 0001 62 01 00 000009'],
  ['xml document', new AmfXmlDocument('<a/>'), '0f 00000004 3c612f3e'],
];

describe('AMF0 golden vectors', () => {
  it.each(GOLDEN)('%s decodes', (_name, value, bytes) => {
    expect(decodeAmf0(hex(bytes))).toEqual([value]);
  });
  it.each(GOLDEN)('%s encodes', (_name, value, bytes) => {
    expect(encodeAmf0(value).toString('hex')).toBe(hex(bytes).toString('hex'));
  });

  it('switches to AMF3 with the avmplus marker (0x11), both ways', () => {
    expect(decodeAmf0(hex('11 04 05'))).toEqual([5]);
    expect(encodeAmf0(new Amf3Value(5)).toString('hex')).toBe('110405');
    expect(decodeAmf0(hex('11 0a 0b 01 03 61 06 03 62 01'))).toEqual([obj({ a: 'b' })]);
  });

  it('encodes strings longer than 65535 bytes as long strings (type 12) and reads them back', () => {
    const long = 'a'.repeat(70_000);
    const bytes = encodeAmf0(long);
    expect(bytes.subarray(0, 5).toString('hex')).toBe('0c00011170');
    expect(decodeAmf0(bytes)).toEqual([long]);
  });

  it('resolves references (type 7) to the same decoded object', () => {
    // strict array (ref 0) holding object {a: null} (ref 1) and a reference to it.
    const [array] = decodeAmf0(hex('0a 00000002 03 0001 61 05 000009 07 0001')) as [AmfValue[]];
    expect(array[0]).toEqual(obj({ a: null }));
    expect(array[1]).toBe(array[0]);
  });

  it('decodes the unsupported marker (13) as undefined and reads several values in a row', () => {
    expect(decodeAmf0(hex('0d 02 0001 61 05'))).toEqual([undefined, 'a', null]);
  });

  it('accepts an object cut off at a property boundary, as SRS does', () => {
    expect(decodeAmf0(hex('03 0001 61 05'))).toEqual([obj({ a: null })]);
  });

  it('keeps a __proto__ key from the wire as a plain key', () => {
    const [value] = decodeAmf0(hex('03 0009 5f5f70726f746f5f5f 00 3ff0000000000000 000009')) as [Record<string, unknown>];
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(value['__proto__']).toBe(1);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each([
    ['truncated number', '00 3ff0', 'ERR_AMF_TRUNCATED'],
    ['truncated string', '02 0005 6162', 'ERR_AMF_TRUNCATED'],
    ['movieclip (reserved)', '04', 'ERR_AMF_UNSUPPORTED_TYPE'],
    ['recordset (reserved)', '0e', 'ERR_AMF_UNSUPPORTED_TYPE'],
    ['unknown marker', '20', 'ERR_AMF_UNSUPPORTED_TYPE'],
    ['reference out of range', '07 0000', 'ERR_AMF_REFERENCE'],
    ['reference to itself (a cycle)', '03 0001 61 07 0000 000009', 'ERR_AMF_REFERENCE'],
    ['strict array longer than its bytes', '0a ffffffff 05', 'ERR_AMF_TRUNCATED'],
  ])('rejects %s with a typed error', (_name, bytes, code) => {
    expect(() => decodeAmf0(hex(bytes))).toThrowError(expect.objectContaining({ code }) as Error);
  });

  it('refuses a 10,000-deep object with ERR_AMF_DEPTH, not a stack overflow', () => {
    const depth = 10_000;
    const open = Buffer.from('030001' + '61', 'hex');
    const bytes = Buffer.concat([...Array.from({ length: depth }, () => open), Buffer.from('05', 'hex')]);
    let error: unknown;
    try {
      decodeAmf0(bytes);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SrsError);
    expect((error as SrsError).code).toBe('ERR_AMF_DEPTH');
  });

  it('allows exactly maxDepth levels and refuses one more', () => {
    const nested = (levels: number): Buffer => Buffer.from('0a00000001'.repeat(levels) + '05', 'hex');
    expect(() => decodeAmf0(nested(4), { maxDepth: 4, maxStringBytes: 100 })).not.toThrow();
    expect(() => decodeAmf0(nested(5), { maxDepth: 4, maxStringBytes: 100 })).toThrowError(expect.objectContaining({ code: 'ERR_AMF_DEPTH' }) as Error);
  });

  it('bounds string and property name length', () => {
    const limits = { maxDepth: 8, maxStringBytes: 3 };
    expect(decodeAmf0(hex('02 0003 616263'), limits)).toEqual(['abc']);
    expect(() => decodeAmf0(hex('02 0004 61626364'), limits)).toThrowError(expect.objectContaining({ code: 'ERR_AMF_STRING_TOO_LONG' }) as Error);
    expect(() => decodeAmf0(hex('03 0004 61626364 05 000009'), limits)).toThrowError(expect.objectContaining({ code: 'ERR_AMF_STRING_TOO_LONG' }) as Error);
    expect(() => decodeAmf0(hex('0c ffffffff'), limits)).toThrowError(expect.objectContaining({ code: 'ERR_AMF_STRING_TOO_LONG' }) as Error);
  });

  it('refuses to encode values AMF0 cannot carry', () => {
    expect(() => encodeAmf0(Buffer.from('x'))).toThrowError(expect.objectContaining({ code: 'ERR_AMF_ENCODE' }) as Error);
  });
});
