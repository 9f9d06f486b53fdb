import { describe, expect, it } from 'vitest';
import {
  abortMessage,
  acknowledgementMessage,
  decodeControlMessage,
  setBufferLengthMessage,
  setChunkSizeMessage,
  setPeerBandwidthMessage,
  userControlMessage,
  windowAckSizeMessage,
  type ControlMessage,
} from '../../../src/rtmp/messages.js';
import type { RtmpMessage } from '../../../src/rtmp/chunk-writer.js';

/** [name, built message, type id, payload hex, decoded]: both directions. */
const GOLDEN: Array<[string, RtmpMessage, number, string, ControlMessage]> = [
  ['Set Chunk Size 4096', setChunkSizeMessage(4096), 1, '00001000', { type: 'set-chunk-size', chunkSize: 4096 }],
  ['Abort csid 6', abortMessage(6), 2, '00000006', { type: 'abort', csid: 6 }],
  ['Acknowledgement', acknowledgementMessage(0x12345678), 3, '12345678', { type: 'acknowledgement', sequenceNumber: 0x12345678 }],
  ['Window Ack Size 2500000', windowAckSizeMessage(2_500_000), 5, '002625a0', { type: 'window-ack-size', windowBytes: 2_500_000 }],
  ['Set Peer Bandwidth dynamic', setPeerBandwidthMessage(2_500_000, 2), 6, '002625a002', { type: 'set-peer-bandwidth', windowBytes: 2_500_000, limitType: 2 }],
  ['StreamBegin 1', userControlMessage(0, 1), 4, '000000000001', { type: 'stream-begin', streamId: 1 }],
  ['StreamEOF 1', userControlMessage(1, 1), 4, '000100000001', { type: 'stream-eof', streamId: 1 }],
  ['StreamDry 1', userControlMessage(2, 1), 4, '000200000001', { type: 'stream-dry', streamId: 1 }],
  ['SetBufferLength 1, 3000 ms', setBufferLengthMessage(1, 3000), 4, '00030000000100000bb8', { type: 'set-buffer-length', streamId: 1, bufferMs: 3000 }],
  ['StreamIsRecorded 1', userControlMessage(4, 1), 4, '000400000001', { type: 'stream-is-recorded', streamId: 1 }],
  ['PingRequest', userControlMessage(6, 1337), 4, '000600000539', { type: 'ping-request', timestamp: 1337 }],
  ['PingResponse', userControlMessage(7, 1337), 4, '000700000539', { type: 'ping-response', timestamp: 1337 }],
];

describe('protocol and user control messages', () => {
  it.each(GOLDEN)('%s encodes', (_name, message, typeId, payload) => {
    expect(message).toEqual({ typeId, timestamp: 0, streamId: 0, payload: Buffer.from(payload, 'hex') });
  });

  it.each(GOLDEN)('%s decodes', (_name, _message, typeId, payload, decoded) => {
    expect(decodeControlMessage(typeId, Buffer.from(payload, 'hex'))).toEqual(decoded);
  });

  it('keeps bit 31 of a Set Chunk Size so the range check rejects it', () => {
    expect(decodeControlMessage(1, Buffer.from('80000000', 'hex'))).toEqual({ type: 'set-chunk-size', chunkSize: 2 ** 31 });
  });

  it('accepts Set Peer Bandwidth without its limit type byte', () => {
    expect(decodeControlMessage(6, Buffer.from('00001000', 'hex'))).toEqual({ type: 'set-peer-bandwidth', windowBytes: 4096, limitType: 2 });
  });

  it('reports unknown user control events instead of failing (Flash buffer events 31/32)', () => {
    expect(decodeControlMessage(4, Buffer.from('001f00000001', 'hex'))).toEqual({ type: 'user-control-unknown', eventType: 31 });
  });

  it.each([
    [1, '0000'],
    [3, ''],
    [4, '00'],
    [4, '000000'],
    [4, '0003000000010000'],
  ])('rejects a truncated type %i payload', (typeId, payload) => {
    expect(() => decodeControlMessage(typeId, Buffer.from(payload, 'hex'))).toThrowError(
      expect.objectContaining({ code: 'ERR_RTMP_CONTROL_MESSAGE' }) as Error,
    );
  });
});
