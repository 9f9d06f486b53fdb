/**
 * The bad-input list against RtmpServerConnection: every case is a
 * ProtocolError with a stable code (the session closes with it), never a
 * RangeError, a stack overflow or unbounded memory.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import { RtmpServerConnection } from '../../../src/rtmp/connection.js';
import { ClientSide, command } from './rtmp-test-kit.js';

function protocolErrorOf(action: () => unknown): ProtocolError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

/** A connected ClientSide. */
function connected(): ClientSide {
  const client = new ClientSide();
  client.handshake();
  client.connect();
  return client;
}

describe('bad input closes the session with a typed error', () => {
  it('garbage instead of a handshake (an HTTP request) fails on the first byte', () => {
    const server = new RtmpServerConnection({ clientId: 'x' });
    const error = protocolErrorOf(() => server.feed(Buffer.from('GET / HTTP/1.1\r\n\r\n')));
    expect(error.code).toBe('ERR_RTMP_PLAIN_REQUIRED');
  });

  it.each([
    ['0', 0],
    ['2^31', 2 ** 31],
    ['127', 127],
    ['65537', 65537],
  ])('a peer chunk size of %s', (_name, size) => {
    const client = connected();
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(size >>> 0);
    const error = protocolErrorOf(() => client.send(2, { typeId: 1, timestamp: 0, streamId: 0, payload }));
    expect(error.code).toBe('ERR_RTMP_CHUNK_SIZE');
  });

  it('a message length of 16 MB is refused from its header, before any body arrives', () => {
    const client = connected();
    const header = Buffer.from('06 000000 ffffff 09 01000000'.replace(/ /g, ''), 'hex');
    const error = protocolErrorOf(() => client.server.feed(header));
    expect(error.code).toBe('ERR_RTMP_MESSAGE_TOO_LARGE');
  });

  it('a message just under the limit is accepted', () => {
    const client = new ClientSide({ limits: { maxMessageBytes: 1000 } });
    client.handshake();
    client.connect();
    client.send(5, command(1, 'publish', 2, null, 's'));
    expect(client.send(6, { typeId: 9, timestamp: 0, streamId: 1, payload: Buffer.alloc(1000, 0x17) })).toHaveLength(1);
    expect(protocolErrorOf(() => client.send(6, { typeId: 9, timestamp: 0, streamId: 1, payload: Buffer.alloc(1001) })).code).toBe(
      'ERR_RTMP_MESSAGE_TOO_LARGE',
    );
  });

  it('a 10,000-deep AMF object in a command', () => {
    const client = connected();
    const deep = Buffer.concat([
      Buffer.from('02000470696e67', 'hex'), // "ping"
      Buffer.from('003ff0000000000000', 'hex'), // tid 1
      Buffer.from('0300016f'.repeat(10_000), 'hex'),
      Buffer.from('05', 'hex'),
    ]);
    const error = protocolErrorOf(() => client.send(3, { typeId: 20, timestamp: 0, streamId: 0, payload: deep }));
    expect(error.code).toBe('ERR_AMF_DEPTH');
  });

  it('70,000 chunk streams', () => {
    const client = connected();
    const pieces: Buffer[] = [];
    for (let csid = 64; csid < 64 + 70_000 && csid <= 65599; csid++) {
      const header = Buffer.from([1, (csid - 64) & 0xff, (csid - 64) >> 8, 0, 0, 0, 0, 0, 1, 9, 1, 0, 0, 0, 0x27]);
      pieces.push(header);
    }
    const error = protocolErrorOf(() => client.server.feed(Buffer.concat(pieces)));
    expect(error.code).toBe('ERR_RTMP_CHUNK_STREAMS');
  });

  it.each([
    ['no tcUrl', { app: 'live' }],
    ['a numeric tcUrl', { app: 'live', tcUrl: 5 }],
  ])('connect with %s is SRS error 2005 (ERR_RTMP_REQ_CONNECT)', (_name, commandObject) => {
    const client = new ClientSide();
    client.handshake();
    const error = protocolErrorOf(() => client.send(3, command(0, 'connect', 1, commandObject)));
    expect(error.code).toBe('ERR_RTMP_REQ_CONNECT');
  });

  it('connect without a command object', () => {
    const client = new ClientSide();
    client.handshake();
    expect(protocolErrorOf(() => client.send(3, command(0, 'connect', 1, null))).code).toBe('ERR_RTMP_REQ_CONNECT');
  });

  it('a truncated control message', () => {
    const client = connected();
    expect(protocolErrorOf(() => client.send(2, { typeId: 5, timestamp: 0, streamId: 0, payload: Buffer.from([1]) })).code).toBe(
      'ERR_RTMP_CONTROL_MESSAGE',
    );
  });

  it('a truncated aggregate message', () => {
    const client = connected();
    client.send(5, command(1, 'publish', 2, null, 's'));
    const payload = Buffer.from('09 0000ff 000000 00 000000 17'.replace(/ /g, ''), 'hex');
    expect(protocolErrorOf(() => client.send(6, { typeId: 22, timestamp: 0, streamId: 1, payload })).code).toBe('ERR_RTMP_AGGREGATE');
  });
});
