import { decodeAmf0 } from '../rtmp/amf0.js';
import { AmfEcmaArray, AmfTypedObject, isAmfObject, type AmfValue } from '../rtmp/amf-value.js';

/**
 * onMetaData as plain values for stream handlers: `[name, object]` of an
 * FLV script tag (the `@setDataFrame` prefix is already gone) decoded to
 * numbers, strings, booleans, nulls, arrays and objects. A payload that does
 * not decode gives `{}`: metadata is the publisher's, never a reason to fail.
 * In core (not hooks) because FLV script data is AMF0 and only core may read
 * rtmp/'s AMF codec on behalf of the layers above.
 */
export function decodeMetadata(payload: Buffer): Record<string, unknown> {
  try {
    const values = decodeAmf0(payload);
    const body = values.find((value, index) => index > 0 && (value instanceof AmfEcmaArray || isAmfObject(value)));
    const plain = body === undefined ? undefined : toPlain(body, 0);
    return typeof plain === 'object' && plain !== null && !Array.isArray(plain) ? (plain as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toPlain(value: AmfValue, depth: number): unknown {
  if (depth > 16) return undefined;
  if (value instanceof AmfEcmaArray) return toPlain(value.properties, depth);
  if (value instanceof AmfTypedObject) return toPlain(value.properties as AmfValue, depth);
  if (Array.isArray(value)) return value.map((item) => toPlain(item, depth + 1));
  if (isAmfObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = toPlain(item, depth + 1);
    return out;
  }
  if (value === undefined || value === null || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value ?? null;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
