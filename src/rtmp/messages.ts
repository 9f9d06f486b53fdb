import { ProtocolError } from '../errors.js';
import { MessageType, UserControlType } from './constants.js';
import type { RtmpMessage } from './chunk-writer.js';

/** A decoded protocol control message (RTMP 5.4) or user control event (RTMP 7.1.7). */
export type ControlMessage =
  | { type: 'set-chunk-size'; chunkSize: number }
  | { type: 'abort'; csid: number }
  | { type: 'acknowledgement'; sequenceNumber: number }
  | { type: 'window-ack-size'; windowBytes: number }
  | { type: 'set-peer-bandwidth'; windowBytes: number; limitType: number }
  | { type: 'stream-begin' | 'stream-eof' | 'stream-dry' | 'stream-is-recorded'; streamId: number }
  | { type: 'set-buffer-length'; streamId: number; bufferMs: number }
  | { type: 'ping-request' | 'ping-response'; timestamp: number }
  | { type: 'user-control-unknown'; eventType: number };

const STREAM_EVENTS: Record<number, 'stream-begin' | 'stream-eof' | 'stream-dry' | 'stream-is-recorded'> = {
  [UserControlType.StreamBegin]: 'stream-begin',
  [UserControlType.StreamEof]: 'stream-eof',
  [UserControlType.StreamDry]: 'stream-dry',
  [UserControlType.StreamIsRecorded]: 'stream-is-recorded',
};

/** True for the message types {@link decodeControlMessage} understands (1-6). */
export function isControlMessage(typeId: number): boolean {
  return typeId >= MessageType.SetChunkSize && typeId <= MessageType.SetPeerBandwidth;
}

function need(payload: Buffer, bytes: number, what: string): void {
  if (payload.length < bytes) {
    throw new ProtocolError('ERR_RTMP_CONTROL_MESSAGE', `${what}: ${payload.length} bytes, need ${bytes}`);
  }
}

/** Decodes a protocol control (types 1, 2, 3, 5, 6) or user control (type 4) payload. */
export function decodeControlMessage(typeId: number, payload: Buffer): ControlMessage {
  switch (typeId) {
    case MessageType.SetChunkSize:
      need(payload, 4, 'set chunk size');
      // RTMP 5.4.1: bit 31 must be 0; keep it so an out-of-range value is rejected, not masked.
      return { type: 'set-chunk-size', chunkSize: payload.readUInt32BE(0) };
    case MessageType.Abort:
      need(payload, 4, 'abort');
      return { type: 'abort', csid: payload.readUInt32BE(0) };
    case MessageType.Acknowledgement:
      need(payload, 4, 'acknowledgement');
      return { type: 'acknowledgement', sequenceNumber: payload.readUInt32BE(0) };
    case MessageType.WindowAckSize:
      need(payload, 4, 'window acknowledgement size');
      return { type: 'window-ack-size', windowBytes: payload.readUInt32BE(0) };
    case MessageType.SetPeerBandwidth:
      // Some encoders omit the limit type byte; SRS reads it only when present.
      need(payload, 4, 'set peer bandwidth');
      return { type: 'set-peer-bandwidth', windowBytes: payload.readUInt32BE(0), limitType: payload.length > 4 ? (payload[4] as number) : 2 };
    case MessageType.UserControl:
      return decodeUserControl(payload);
    default:
      throw new ProtocolError('ERR_RTMP_CONTROL_MESSAGE', `message type ${typeId} is not a control message`);
  }
}

function decodeUserControl(payload: Buffer): ControlMessage {
  need(payload, 2, 'user control');
  const eventType = payload.readUInt16BE(0);
  const streamEvent = STREAM_EVENTS[eventType];
  if (streamEvent !== undefined) {
    need(payload, 6, streamEvent);
    return { type: streamEvent, streamId: payload.readUInt32BE(2) };
  }
  switch (eventType) {
    case UserControlType.SetBufferLength:
      need(payload, 10, 'set buffer length');
      return { type: 'set-buffer-length', streamId: payload.readUInt32BE(2), bufferMs: payload.readUInt32BE(6) };
    case UserControlType.PingRequest:
      need(payload, 6, 'ping request');
      return { type: 'ping-request', timestamp: payload.readUInt32BE(2) };
    case UserControlType.PingResponse:
      need(payload, 6, 'ping response');
      return { type: 'ping-response', timestamp: payload.readUInt32BE(2) };
    default:
      // Flash sends events we have no use for (e.g. 31/32 buffer empty/ready); they are ignored, not fatal.
      return { type: 'user-control-unknown', eventType };
  }
}

function control(typeId: number, payload: Buffer): RtmpMessage {
  return { typeId, timestamp: 0, streamId: 0, payload };
}

function u32(value: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(value >>> 0, 0);
  return payload;
}

/** Set Chunk Size (RTMP 5.4.1). */
export function setChunkSizeMessage(chunkSize: number): RtmpMessage {
  return control(MessageType.SetChunkSize, u32(chunkSize & 0x7fffffff));
}

/** Abort Message (RTMP 5.4.2). */
export function abortMessage(csid: number): RtmpMessage {
  return control(MessageType.Abort, u32(csid));
}

/** Acknowledgement (RTMP 5.4.3): total bytes received so far, modulo 2^32. */
export function acknowledgementMessage(sequenceNumber: number): RtmpMessage {
  return control(MessageType.Acknowledgement, u32(sequenceNumber));
}

/** Window Acknowledgement Size (RTMP 5.4.4). */
export function windowAckSizeMessage(windowBytes: number): RtmpMessage {
  return control(MessageType.WindowAckSize, u32(windowBytes));
}

/** Set Peer Bandwidth (RTMP 5.4.5). */
export function setPeerBandwidthMessage(windowBytes: number, limitType: number): RtmpMessage {
  const payload = Buffer.allocUnsafe(5);
  payload.writeUInt32BE(windowBytes >>> 0, 0);
  payload[4] = limitType;
  return control(MessageType.SetPeerBandwidth, payload);
}

/** A user control event with 4-byte data (StreamBegin, StreamEOF, StreamDry, IsRecorded, ping request/response). */
export function userControlMessage(eventType: number, data: number): RtmpMessage {
  const payload = Buffer.allocUnsafe(6);
  payload.writeUInt16BE(eventType, 0);
  payload.writeUInt32BE(data >>> 0, 2);
  return control(MessageType.UserControl, payload);
}

/** SetBufferLength (user control 3): a player's buffer for `streamId`. */
export function setBufferLengthMessage(streamId: number, bufferMs: number): RtmpMessage {
  const payload = Buffer.allocUnsafe(10);
  payload.writeUInt16BE(UserControlType.SetBufferLength, 0);
  payload.writeUInt32BE(streamId >>> 0, 2);
  payload.writeUInt32BE(bufferMs >>> 0, 6);
  return control(MessageType.UserControl, payload);
}
