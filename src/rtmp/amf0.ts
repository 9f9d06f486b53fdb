import { ProtocolError } from '../errors.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { Amf3Decoder, encodeAmf3Into } from './amf3.js';
import {
  Amf3Value,
  AmfEcmaArray,
  AmfTypedObject,
  AmfXmlDocument,
  DEFAULT_AMF_LIMITS,
  isAmfObject,
  newAmfObject,
  type AmfLimits,
  type AmfObject,
  type AmfValue,
} from './amf-value.js';

/** AMF0 type markers (AMF0 specification, section 2.1). */
export const Amf0Marker = {
  Number: 0x00,
  Boolean: 0x01,
  String: 0x02,
  Object: 0x03,
  MovieClip: 0x04,
  Null: 0x05,
  Undefined: 0x06,
  Reference: 0x07,
  EcmaArray: 0x08,
  ObjectEnd: 0x09,
  StrictArray: 0x0a,
  Date: 0x0b,
  LongString: 0x0c,
  Unsupported: 0x0d,
  RecordSet: 0x0e,
  XmlDocument: 0x0f,
  TypedObject: 0x10,
  AvmPlus: 0x11,
} as const;

const TRUNCATED = 'ERR_AMF_TRUNCATED';

/**
 * Decodes AMF0 values from one message payload. Holds the reference table
 * (AMF0 2.9) for that payload; complex values still being decoded cannot be
 * referenced, so a hostile payload cannot build a cycle.
 */
export class Amf0Decoder {
  readonly reader: ByteReader;
  private readonly references: AmfValue[] = [];
  private readonly open = new Set<AmfValue>();

  constructor(
    buffer: Buffer,
    private readonly limits: AmfLimits = DEFAULT_AMF_LIMITS,
    start = 0,
  ) {
    this.reader = new ByteReader(buffer, TRUNCATED, start);
  }

  /** True when every byte was consumed. */
  get done(): boolean {
    return this.reader.remaining === 0;
  }

  /** Decodes the next value. */
  readValue(depth = 0): AmfValue {
    const marker = this.reader.u8();
    switch (marker) {
      case Amf0Marker.Number:
        return this.reader.f64();
      case Amf0Marker.Boolean:
        return this.reader.u8() !== 0;
      case Amf0Marker.String:
        return this.readUtf8(this.reader.u16());
      case Amf0Marker.LongString:
        return this.readUtf8(this.reader.u32());
      case Amf0Marker.Null:
        return null;
      case Amf0Marker.Undefined:
      case Amf0Marker.Unsupported:
        return undefined;
      case Amf0Marker.Object:
        return this.readComplex(depth, () => newAmfObject(), (value) => value as AmfObject);
      case Amf0Marker.EcmaArray:
        // The count is advisory (SRS and librtmp read to the end marker), so it is skipped.
        this.reader.skip(4);
        return this.readComplex(depth, () => new AmfEcmaArray(), (value) => (value as AmfEcmaArray).properties);
      case Amf0Marker.TypedObject: {
        const className = this.readUtf8(this.reader.u16());
        return this.readComplex(depth, () => new AmfTypedObject(className), (value) => (value as AmfTypedObject).properties);
      }
      case Amf0Marker.StrictArray:
        return this.readStrictArray(depth);
      case Amf0Marker.Date: {
        const ms = this.reader.f64();
        // AMF0 2.13: the time zone is reserved and "should be 0"; the instant is UTC.
        this.reader.i16();
        return new Date(ms);
      }
      case Amf0Marker.Reference:
        return this.readReference();
      case Amf0Marker.XmlDocument:
        return new AmfXmlDocument(this.readUtf8(this.reader.u32()));
      case Amf0Marker.AvmPlus:
        // AMF0 3.1: each switch to AMF3 starts fresh AMF3 reference tables.
        return new Amf3Decoder(this.reader, this.limits).readValue(depth + 1);
      default:
        throw new ProtocolError('ERR_AMF_UNSUPPORTED_TYPE', `unsupported AMF0 marker 0x${marker.toString(16)}`);
    }
  }

  /** Decodes values until the payload ends. */
  readAll(): AmfValue[] {
    const values: AmfValue[] = [];
    while (!this.done) values.push(this.readValue());
    return values;
  }

  private readUtf8(length: number): string {
    if (length > this.limits.maxStringBytes) {
      throw new ProtocolError('ERR_AMF_STRING_TOO_LONG', `AMF string of ${length} bytes exceeds ${this.limits.maxStringBytes}`);
    }
    return this.reader.utf8(length);
  }

  private enter(depth: number): void {
    if (depth >= this.limits.maxDepth) {
      throw new ProtocolError('ERR_AMF_DEPTH', `AMF nesting deeper than ${this.limits.maxDepth}`);
    }
  }

  private readComplex<T extends AmfValue>(depth: number, create: () => T, propertiesOf: (value: T) => AmfObject): T {
    this.enter(depth);
    const value = create();
    const properties = propertiesOf(value);
    this.references.push(value);
    this.open.add(value);
    for (;;) {
      // SRS accepts an object that ends with the payload instead of 00 00 09 (srs_protocol_amf0.cpp).
      if (this.reader.remaining === 0) break;
      const key = this.readUtf8(this.reader.u16());
      if (key === '' && this.reader.peekU8() === Amf0Marker.ObjectEnd) {
        this.reader.skip(1);
        break;
      }
      properties[key] = this.readValue(depth + 1);
    }
    this.open.delete(value);
    return value;
  }

  private readStrictArray(depth: number): AmfValue[] {
    this.enter(depth);
    // Never pre-size from the wire count: each element costs at least one byte, so the payload bounds it.
    const count = this.reader.u32();
    const items: AmfValue[] = [];
    this.references.push(items);
    this.open.add(items);
    for (let i = 0; i < count; i++) items.push(this.readValue(depth + 1));
    this.open.delete(items);
    return items;
  }

  private readReference(): AmfValue {
    const index = this.reader.u16();
    if (index >= this.references.length) {
      throw new ProtocolError('ERR_AMF_REFERENCE', `AMF0 reference ${index} out of range (${this.references.length})`);
    }
    const target = this.references[index];
    if (this.open.has(target)) throw new ProtocolError('ERR_AMF_REFERENCE', `AMF0 reference ${index} points into itself`);
    return target;
  }
}

/** Decodes every AMF0 value in `payload` from `start` on. */
export function decodeAmf0(payload: Buffer, limits: AmfLimits = DEFAULT_AMF_LIMITS, start = 0): AmfValue[] {
  return new Amf0Decoder(payload, limits, start).readAll();
}

/** Encodes values as consecutive AMF0 values (a command or data message body). */
export function encodeAmf0(...values: AmfValue[]): Buffer {
  const writer = new ByteWriter();
  for (const value of values) encodeAmf0Into(writer, value);
  return writer.finish();
}

/** Appends one AMF0 value. Never emits references; strings over 65535 bytes become long strings. */
export function encodeAmf0Into(writer: ByteWriter, value: AmfValue): void {
  if (value === null) {
    writer.u8(Amf0Marker.Null);
  } else if (value === undefined) {
    writer.u8(Amf0Marker.Undefined);
  } else if (typeof value === 'number') {
    writer.u8(Amf0Marker.Number).f64(value);
  } else if (typeof value === 'boolean') {
    writer.u8(Amf0Marker.Boolean).u8(value ? 1 : 0);
  } else if (typeof value === 'string') {
    // Written in place: command replies are mostly short strings, a Buffer each was most of their garbage.
    const byteLength = Buffer.byteLength(value, 'utf8');
    if (byteLength <= 0xffff) writer.u8(Amf0Marker.String).u16(byteLength).utf8(value, byteLength);
    else writer.u8(Amf0Marker.LongString).u32(byteLength).utf8(value, byteLength);
  } else if (value instanceof Date) {
    writer.u8(Amf0Marker.Date).f64(value.getTime()).i16(0);
  } else if (Array.isArray(value)) {
    writer.u8(Amf0Marker.StrictArray).u32(value.length);
    for (const item of value) encodeAmf0Into(writer, item);
  } else if (value instanceof AmfEcmaArray) {
    writer.u8(Amf0Marker.EcmaArray).u32(Object.keys(value.properties).length);
    writeProperties(writer, value.properties);
  } else if (value instanceof AmfTypedObject) {
    writer.u8(Amf0Marker.TypedObject);
    writeKey(writer, value.className);
    writeProperties(writer, value.properties);
  } else if (value instanceof AmfXmlDocument) {
    const bytes = Buffer.from(value.text, 'utf8');
    writer.u8(Amf0Marker.XmlDocument).u32(bytes.length).bytes(bytes);
  } else if (value instanceof Amf3Value) {
    writer.u8(Amf0Marker.AvmPlus);
    encodeAmf3Into(writer, value.value);
  } else if (isAmfObject(value)) {
    writer.u8(Amf0Marker.Object);
    writeProperties(writer, value);
  } else {
    // Buffers and Maps exist only in AMF3: wrap them in Amf3Value to send them.
    throw new ProtocolError('ERR_AMF_ENCODE', `value has no AMF0 encoding: ${Object.prototype.toString.call(value)}`);
  }
}

function writeKey(writer: ByteWriter, key: string): void {
  const byteLength = Buffer.byteLength(key, 'utf8');
  if (byteLength > 0xffff) throw new ProtocolError('ERR_AMF_ENCODE', 'AMF0 property name longer than 65535 bytes');
  writer.u16(byteLength).utf8(key, byteLength);
}

function writeProperties(writer: ByteWriter, properties: AmfObject): void {
  for (const key of Object.keys(properties)) {
    writeKey(writer, key);
    encodeAmf0Into(writer, properties[key]);
  }
  writer.u16(0).u8(Amf0Marker.ObjectEnd);
}
