/**
 * A tiny, independent AMF0 hex writer for golden vectors: the expected bytes
 * of SRS's replies are spelled out field by field, not produced by the
 * encoder under test.
 */
const u16 = (value: number): string => value.toString(16).padStart(4, '0');
const u32 = (value: number): string => value.toString(16).padStart(8, '0');
const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

/** AMF0 string (type 2). */
export const str = (text: string): string => '02' + u16(Buffer.byteLength(text)) + utf8(text);
/** AMF0 number (type 0). */
export const num = (value: number): string => {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(value);
  return '00' + bytes.toString('hex');
};
/** AMF0 boolean (type 1). */
export const bool = (value: boolean): string => (value ? '0101' : '0100');
/** AMF0 null / undefined. */
export const NULL = '05';
export const UNDEFINED = '06';
/** AMF0 object (type 3) from [key, value-hex] pairs, in order. */
export const object = (...pairs: Array<[string, string]>): string =>
  '03' + pairs.map(([key, value]) => u16(Buffer.byteLength(key)) + utf8(key) + value).join('') + '000009';
/** AMF0 ECMA array (type 8) from [key, value-hex] pairs, in order. */
export const ecma = (...pairs: Array<[string, string]>): string =>
  '08' + u32(pairs.length) + pairs.map(([key, value]) => u16(Buffer.byteLength(key)) + utf8(key) + value).join('') + '000009';
