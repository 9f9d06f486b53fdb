import { ProtocolError } from '../errors.js';

/** One FLV tag: what an RTMP audio/video/data message carries. */
export interface FlvTag {
  kind: 'audio' | 'video' | 'data';
  /** Milliseconds (24-bit timestamp plus the extension byte). */
  timestamp: number;
  /** A view into the file buffer; copy it to keep it beyond that buffer. */
  payload: Buffer;
}

const TAG_KIND: Record<number, FlvTag['kind']> = { 8: 'audio', 9: 'video', 18: 'data' };
const TAG_HEADER_BYTES = 11;
const BACK_POINTER_BYTES = 4;

/**
 * Reads the tags of a whole FLV file (FLV spec, Annex E): header, then
 * tag header (type, size, timestamp, extension, stream id), body and back
 * pointer. Unknown tag types are skipped; a truncated last tag (a file
 * still being written, or a killed writer) ends the walk.
 */
export function* readFlvTags(buffer: Buffer): Generator<FlvTag> {
  if (buffer.length < 9 || buffer.toString('latin1', 0, 3) !== 'FLV') {
    throw new ProtocolError('ERR_FLV_HEADER', 'not an FLV file');
  }
  let offset = buffer.readUInt32BE(5) + BACK_POINTER_BYTES;
  while (offset + TAG_HEADER_BYTES <= buffer.length) {
    // The high bits carry the filter/encryption flag; the type is the low 5 bits.
    const type = (buffer[offset] as number) & 0x1f;
    const size = buffer.readUIntBE(offset + 1, 3);
    const timestamp = (buffer.readUIntBE(offset + 4, 3) | ((buffer[offset + 7] as number) << 24)) >>> 0;
    const bodyStart = offset + TAG_HEADER_BYTES;
    if (bodyStart + size > buffer.length) return;
    const kind = TAG_KIND[type];
    if (kind !== undefined) yield { kind, timestamp, payload: buffer.subarray(bodyStart, bodyStart + size) };
    offset = bodyStart + size + BACK_POINTER_BYTES;
  }
}
