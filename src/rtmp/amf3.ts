import { ProtocolError } from '../errors.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
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

/** AMF3 type markers (AMF3 specification, section 3.1). */
export const Amf3Marker = {
  Undefined: 0x00,
  Null: 0x01,
  False: 0x02,
  True: 0x03,
  Integer: 0x04,
  Double: 0x05,
  String: 0x06,
  XmlDocument: 0x07,
  Date: 0x08,
  Array: 0x09,
  Object: 0x0a,
  Xml: 0x0b,
  ByteArray: 0x0c,
  VectorInt: 0x0d,
  VectorUint: 0x0e,
  VectorDouble: 0x0f,
  VectorObject: 0x10,
  Dictionary: 0x11,
} as const;

/** Largest and smallest values of AMF3's 29-bit signed integer (AMF3 1.3.1). */
const INT29_MAX = 0x0fffffff;
const INT29_MIN = -0x10000000;
const U29_MAX = 0x1fffffff;

interface Traits {
  className: string;
  dynamic: boolean;
  sealed: string[];
}

/**
 * Decodes AMF3 values with the three reference tables of AMF3 1.3
 * (strings, objects, traits). Bounded like AMF0: depth, string bytes,
 * and element counts checked against the bytes that remain.
 */
export class Amf3Decoder {
  private readonly strings: string[] = [];
  private readonly objects: AmfValue[] = [];
  private readonly traits: Traits[] = [];
  private readonly open = new Set<AmfValue>();

  constructor(
    private readonly reader: ByteReader,
    private readonly limits: AmfLimits = DEFAULT_AMF_LIMITS,
  ) {}

  /** Decodes the next AMF3 value. */
  readValue(depth = 0): AmfValue {
    const marker = this.reader.u8();
    switch (marker) {
      case Amf3Marker.Undefined:
        return undefined;
      case Amf3Marker.Null:
        return null;
      case Amf3Marker.False:
        return false;
      case Amf3Marker.True:
        return true;
      case Amf3Marker.Integer:
        return (this.readU29() << 3) >> 3;
      case Amf3Marker.Double:
        return this.reader.f64();
      case Amf3Marker.String:
        return this.readString();
      case Amf3Marker.XmlDocument:
      case Amf3Marker.Xml:
        return this.readXml();
      case Amf3Marker.Date:
        return this.readDate();
      case Amf3Marker.Array:
        return this.readArray(depth);
      case Amf3Marker.Object:
        return this.readObject(depth);
      case Amf3Marker.ByteArray:
        return this.readByteArray();
      case Amf3Marker.VectorInt:
      case Amf3Marker.VectorUint:
      case Amf3Marker.VectorDouble:
      case Amf3Marker.VectorObject:
        return this.readVector(marker, depth);
      case Amf3Marker.Dictionary:
        return this.readDictionary(depth);
      default:
        throw new ProtocolError('ERR_AMF_UNSUPPORTED_TYPE', `unsupported AMF3 marker 0x${marker.toString(16)}`);
    }
  }

  /** AMF3 1.3.1: 1-4 bytes, 7 bits each except the 4th which carries 8. */
  private readU29(): number {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const byte = this.reader.u8();
      value = (value << 7) | (byte & 0x7f);
      if ((byte & 0x80) === 0) return value;
    }
    return ((value << 8) | this.reader.u8()) >>> 0;
  }

  private checkLength(length: number): void {
    if (length > this.limits.maxStringBytes) {
      throw new ProtocolError('ERR_AMF_STRING_TOO_LONG', `AMF3 string/bytes of ${length} exceed ${this.limits.maxStringBytes}`);
    }
  }

  private readString(): string {
    const header = this.readU29();
    if ((header & 1) === 0) return this.lookup(this.strings, header >> 1, 'string');
    const length = header >> 1;
    this.checkLength(length);
    const text = this.reader.utf8(length);
    // AMF3 1.3.2: the empty string is never added to the table.
    if (text !== '') this.strings.push(text);
    return text;
  }

  private readXml(): AmfValue {
    const header = this.readU29();
    if ((header & 1) === 0) return this.lookupObject(header >> 1);
    const length = header >> 1;
    this.checkLength(length);
    const xml = new AmfXmlDocument(this.reader.utf8(length));
    this.objects.push(xml);
    return xml;
  }

  private readDate(): AmfValue {
    const header = this.readU29();
    if ((header & 1) === 0) return this.lookupObject(header >> 1);
    const date = new Date(this.reader.f64());
    this.objects.push(date);
    return date;
  }

  private readByteArray(): AmfValue {
    const header = this.readU29();
    if ((header & 1) === 0) return this.lookupObject(header >> 1);
    const length = header >> 1;
    this.checkLength(length);
    const bytes = Buffer.from(this.reader.bytes(length));
    this.objects.push(bytes);
    return bytes;
  }

  private enter(depth: number): void {
    if (depth >= this.limits.maxDepth) {
      throw new ProtocolError('ERR_AMF_DEPTH', `AMF nesting deeper than ${this.limits.maxDepth}`);
    }
  }

  private readArray(depth: number): AmfValue {
    const header = this.readU29();
    if ((header & 1) === 0) return this.lookupObject(header >> 1);
    this.enter(depth);
    const denseCount = header >> 1;
    const associative = newAmfObject();
    const dense: AmfValue[] = [];
    // The associative part decides the JS shape, but the table slot must be taken first (AMF3 1.3.3).
    const slot = this.objects.length;
    this.objects.push(dense);
    this.open.add(dense);
    let hasAssociative = false;
    for (;;) {
      const key = this.readString();
      if (key === '') break;
      hasAssociative = true;
      associative[key] = this.readValue(depth + 1);
    }
    for (let i = 0; i < denseCount; i++) dense.push(this.readValue(depth + 1));
    this.open.delete(dense);
    if (!hasAssociative) return dense;
    dense.forEach((item, index) => (associative[String(index)] = item));
    const ecma = new AmfEcmaArray(associative);
    this.objects[slot] = ecma;
    return ecma;
  }

  private readObject(depth: number): AmfValue {
    const header = this.readU29();
    if ((header & 1) === 0) return this.lookupObject(header >> 1);
    this.enter(depth);
    const traits = this.readTraits(header);
    const properties = newAmfObject();
    const value: AmfValue = traits.className === '' ? properties : new AmfTypedObject(traits.className, properties);
    this.objects.push(value);
    this.open.add(value);
    for (const name of traits.sealed) properties[name] = this.readValue(depth + 1);
    if (traits.dynamic) {
      for (;;) {
        const key = this.readString();
        if (key === '') break;
        properties[key] = this.readValue(depth + 1);
      }
    }
    this.open.delete(value);
    return value;
  }

  private readTraits(header: number): Traits {
    if ((header & 2) === 0) return this.lookup(this.traits, header >> 2, 'traits');
    if ((header & 4) !== 0) {
      // Externalizable classes need the class's own reader, which no RTMP peer we serve sends.
      throw new ProtocolError('ERR_AMF_UNSUPPORTED_TYPE', 'AMF3 externalizable objects are not supported');
    }
    const dynamic = (header & 8) !== 0;
    const sealedCount = header >>> 4;
    const className = this.readString();
    const sealed: string[] = [];
    for (let i = 0; i < sealedCount; i++) sealed.push(this.readString());
    const traits = { className, dynamic, sealed };
    this.traits.push(traits);
    return traits;
  }

  private readVector(marker: number, depth: number): AmfValue {
    const header = this.readU29();
    if ((header & 1) === 0) return this.lookupObject(header >> 1);
    this.enter(depth);
    const count = header >> 1;
    this.reader.skip(1); // fixed-length flag: irrelevant to the values
    const items: AmfValue[] = [];
    this.objects.push(items);
    this.open.add(items);
    if (marker === Amf3Marker.VectorObject) this.readString(); // element type name
    const itemBytes = marker === Amf3Marker.VectorDouble ? 8 : marker === Amf3Marker.VectorObject ? 1 : 4;
    this.reader.need(count * itemBytes);
    for (let i = 0; i < count; i++) {
      if (marker === Amf3Marker.VectorInt) items.push(this.reader.i32());
      else if (marker === Amf3Marker.VectorUint) items.push(this.reader.u32());
      else if (marker === Amf3Marker.VectorDouble) items.push(this.reader.f64());
      else items.push(this.readValue(depth + 1));
    }
    this.open.delete(items);
    return items;
  }

  private readDictionary(depth: number): AmfValue {
    const header = this.readU29();
    if ((header & 1) === 0) return this.lookupObject(header >> 1);
    this.enter(depth);
    const count = header >> 1;
    this.reader.skip(1); // weak-keys flag
    const map = new Map<AmfValue, AmfValue>();
    this.objects.push(map);
    this.open.add(map);
    for (let i = 0; i < count; i++) {
      const key = this.readValue(depth + 1);
      map.set(key, this.readValue(depth + 1));
    }
    this.open.delete(map);
    return map;
  }

  private lookupObject(index: number): AmfValue {
    const value = this.lookup(this.objects, index, 'object');
    if (this.open.has(value)) throw new ProtocolError('ERR_AMF_REFERENCE', `AMF3 object reference ${index} points into itself`);
    return value;
  }

  private lookup<T>(table: T[], index: number, what: string): T {
    if (index >= table.length) {
      throw new ProtocolError('ERR_AMF_REFERENCE', `AMF3 ${what} reference ${index} out of range (${table.length})`);
    }
    return table[index] as T;
  }
}

/** Decodes one AMF3 value from `buffer` at `start`. */
export function decodeAmf3(buffer: Buffer, limits: AmfLimits = DEFAULT_AMF_LIMITS, start = 0): AmfValue {
  return new Amf3Decoder(new ByteReader(buffer, 'ERR_AMF_TRUNCATED', start), limits).readValue();
}

/** Encodes one value as AMF3 (no reference tables on output; all are optional for a writer). */
export function encodeAmf3(value: AmfValue): Buffer {
  const writer = new ByteWriter();
  encodeAmf3Into(writer, value);
  return writer.finish();
}

/** Appends one AMF3 value. */
export function encodeAmf3Into(writer: ByteWriter, value: AmfValue): void {
  if (value === undefined) writer.u8(Amf3Marker.Undefined);
  else if (value === null) writer.u8(Amf3Marker.Null);
  else if (value === false) writer.u8(Amf3Marker.False);
  else if (value === true) writer.u8(Amf3Marker.True);
  else if (typeof value === 'number') writeNumber(writer, value);
  else if (typeof value === 'string') writeString(writer.u8(Amf3Marker.String), value);
  else if (value instanceof Date) writer.u8(Amf3Marker.Date).u8(1).f64(value.getTime());
  else if (Buffer.isBuffer(value)) {
    writeU29(writer.u8(Amf3Marker.ByteArray), (value.length << 1) | 1);
    writer.bytes(value);
  } else if (value instanceof AmfXmlDocument) writeString(writer.u8(Amf3Marker.XmlDocument), value.text);
  else if (value instanceof Amf3Value) encodeAmf3Into(writer, value.value);
  else if (Array.isArray(value)) {
    writeU29(writer.u8(Amf3Marker.Array), (value.length << 1) | 1);
    writer.u8(0x01); // no associative part
    for (const item of value) encodeAmf3Into(writer, item);
  } else if (value instanceof AmfEcmaArray) {
    // Zero dense items; an empty ECMA array therefore reads back as an empty array.
    writer.u8(Amf3Marker.Array).u8(0x01);
    writeDynamic(writer, value.properties);
  } else if (value instanceof AmfTypedObject) writeObject(writer, value.className, value.properties);
  else if (value instanceof Map) {
    writeU29(writer.u8(Amf3Marker.Dictionary), (value.size << 1) | 1);
    writer.u8(0);
    for (const [key, item] of value) {
      encodeAmf3Into(writer, key);
      encodeAmf3Into(writer, item);
    }
  } else if (isAmfObject(value)) writeObject(writer, '', value);
  else throw new ProtocolError('ERR_AMF_ENCODE', `value has no AMF3 encoding: ${Object.prototype.toString.call(value)}`);
}

function writeNumber(writer: ByteWriter, value: number): void {
  if (Number.isInteger(value) && value >= INT29_MIN && value <= INT29_MAX && !Object.is(value, -0)) {
    writeU29(writer.u8(Amf3Marker.Integer), value & U29_MAX);
  } else {
    writer.u8(Amf3Marker.Double).f64(value);
  }
}

function writeU29(writer: ByteWriter, value: number): ByteWriter {
  if (value < 0 || value > U29_MAX) throw new ProtocolError('ERR_AMF_ENCODE', `U29 value ${value} out of range`);
  if (value < 0x80) return writer.u8(value);
  if (value < 0x4000) return writer.u8((value >> 7) | 0x80).u8(value & 0x7f);
  if (value < 0x200000) return writer.u8((value >> 14) | 0x80).u8(((value >> 7) & 0x7f) | 0x80).u8(value & 0x7f);
  return writer
    .u8((value >> 22) | 0x80)
    .u8(((value >> 15) & 0x7f) | 0x80)
    .u8(((value >> 8) & 0x7f) | 0x80)
    .u8(value & 0xff);
}

function writeString(writer: ByteWriter, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  writeU29(writer, (bytes.length << 1) | 1);
  writer.bytes(bytes);
}

/** Inline object with inline dynamic traits and no sealed members (U29O-traits = 0b1011). */
function writeObject(writer: ByteWriter, className: string, properties: AmfObject): void {
  writer.u8(Amf3Marker.Object).u8(0x0b);
  writeString(writer, className);
  writeDynamic(writer, properties);
}

function writeDynamic(writer: ByteWriter, properties: AmfObject): void {
  for (const key of Object.keys(properties)) {
    // The empty string terminates the list, so an empty key cannot be sent as dynamic member.
    if (key === '') continue;
    writeString(writer, key);
    encodeAmf3Into(writer, properties[key]);
  }
  writer.u8(0x01);
}
