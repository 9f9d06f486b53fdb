import { ProtocolError } from '../errors.js';

/** Bytes before each sub-message body: type(1) size(3) timestamp(3) timestamp-extended(1) stream id(3). */
const SUB_HEADER_BYTES = 11;
/** The back pointer (previous tag size) after each body. */
const BACK_POINTER_BYTES = 4;

/** Receives each sub-message of an aggregate, timestamps already rebased. */
export type SubMessageVisitor = (typeId: number, timestamp: number, payload: Buffer) => void;

/**
 * Splits an Aggregate message (type 22, RTMP 7.1.6) into its FLV-tag-shaped
 * sub-messages. Timestamps are rebased so the first sub-message gets the
 * aggregate's own timestamp and the others keep their distance from it (as
 * SRS `SrsLiveSource::on_aggregate`). Payloads are views into `payload`,
 * which the chunk reader allocated for this message alone.
 */
export function splitAggregate(payload: Buffer, timestamp: number, visit: SubMessageVisitor): void {
  let offset = 0;
  let base: number | undefined;
  while (offset < payload.length) {
    if (payload.length - offset < SUB_HEADER_BYTES) {
      throw new ProtocolError('ERR_RTMP_AGGREGATE', `aggregate sub-message header truncated at ${offset}`);
    }
    const typeId = payload[offset] as number;
    const size = payload.readUIntBE(offset + 1, 3);
    const subTimestamp = (payload.readUIntBE(offset + 4, 3) | ((payload[offset + 7] as number) << 24)) >>> 0;
    const bodyStart = offset + SUB_HEADER_BYTES;
    if (bodyStart + size > payload.length) {
      throw new ProtocolError('ERR_RTMP_AGGREGATE', `aggregate sub-message of ${size} bytes overruns the message`);
    }
    base ??= subTimestamp;
    visit(typeId, (timestamp + (subTimestamp - base)) >>> 0, payload.subarray(bodyStart, bodyStart + size));
    // Some muxers drop the last back pointer; it carries nothing we need.
    offset = Math.min(payload.length, bodyStart + size + BACK_POINTER_BYTES);
  }
}
