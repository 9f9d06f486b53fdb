/**
 * The JavaScript shape of AMF0/AMF3 values. Plain AMF objects decode to
 * null-prototype records (a `__proto__` key from the wire stays a key);
 * the AMF types JavaScript has no twin for get a small class.
 */

/** Any value AMF0 or AMF3 can carry. */
export type AmfValue =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | Buffer
  | AmfValue[]
  | AmfObject
  | AmfEcmaArray
  | AmfTypedObject
  | AmfXmlDocument
  | Amf3Value
  | Map<AmfValue, AmfValue>;

/** An anonymous AMF object: property name to value. */
export interface AmfObject {
  [key: string]: AmfValue;
}

/** AMF0 ECMA array (type 8), e.g. onMetaData and the connect `_result` data: an associative array. */
export class AmfEcmaArray {
  constructor(readonly properties: AmfObject = newAmfObject()) {}
}

/** AMF0 typed object (type 16) / AMF3 object with a class name. */
export class AmfTypedObject {
  constructor(
    readonly className: string,
    readonly properties: AmfObject = newAmfObject(),
  ) {}
}

/** AMF0 XML document (type 15) / AMF3 xml and xml-doc: the text, unparsed. */
export class AmfXmlDocument {
  constructor(readonly text: string) {}
}

/**
 * Encoder hint: write `value` in AMF3 behind the AMF0 avmplus-object marker
 * (AMF0 type 17). Decoding returns the inner value itself.
 */
export class Amf3Value {
  constructor(readonly value: AmfValue) {}
}

/** Explicit bounds for AMF decoding (srs-spec / issue RTMP item 6). */
export interface AmfLimits {
  /** Deepest nesting of objects/arrays; deeper input is a ProtocolError, never a stack overflow. */
  maxDepth: number;
  /** Longest string, property name, XML text or byte array, in bytes. */
  maxStringBytes: number;
}

/** Defaults used when a caller passes no limits. */
export const DEFAULT_AMF_LIMITS: AmfLimits = { maxDepth: 32, maxStringBytes: 1024 * 1024 };

/** A fresh null-prototype object, safe for any key the wire sends. */
export function newAmfObject(): AmfObject {
  return Object.create(null) as AmfObject;
}

/** True for an anonymous AMF object (not an array, Date, Buffer, Map or AMF class). */
export function isAmfObject(value: unknown): value is AmfObject {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === null || proto === Object.prototype;
}

/** The properties of an object, ECMA array or typed object; undefined for anything else. */
export function amfProperties(value: AmfValue): AmfObject | undefined {
  if (value instanceof AmfEcmaArray || value instanceof AmfTypedObject) return value.properties;
  return isAmfObject(value) ? value : undefined;
}
