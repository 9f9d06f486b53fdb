/** Shared helpers for the RTMP unit tests: the client side of a conversation with RtmpServerConnection. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeAmf0, encodeAmf0 } from '../../../src/rtmp/amf0.js';
import type { AmfValue } from '../../../src/rtmp/amf-value.js';
import { ChunkReader } from '../../../src/rtmp/chunk-reader.js';
import { ChunkWriter, type RtmpMessage } from '../../../src/rtmp/chunk-writer.js';
import { DEFAULT_RTMP_LIMITS, RtmpServerConnection, type RtmpEvent } from '../../../src/rtmp/connection.js';
import { createClientHello } from '../../../src/rtmp/handshake.js';

/** A deterministic "random" source: byte i of every request is (seed + i) & 0xff. */
export function counterRandom(seed = 0): (size: number) => Buffer {
  return (size) => Buffer.from(Array.from({ length: size }, (_, i) => (seed + i) & 0xff));
}

/** A received message with its csid. */
export interface ReceivedMessage extends RtmpMessage {
  csid: number;
}

/**
 * Parses what the server wrote (after the handshake) like a client would,
 * applying Set Chunk Size as it goes.
 */
export class WireReader {
  readonly messages: ReceivedMessage[] = [];
  private readonly reader = new ChunkReader({ ...DEFAULT_RTMP_LIMITS, minChunkSize: 1, maxChunkSize: 0x7fffffff });

  feed(bytes: Buffer | undefined): ReceivedMessage[] {
    const start = this.messages.length;
    if (bytes === undefined) return [];
    this.reader.feed(bytes, {
      onMessage: (typeId, timestamp, streamId, payload, csid) => {
        if (typeId === 1) this.reader.setChunkSize(payload.readUInt32BE(0));
        this.messages.push({ typeId, timestamp, streamId, payload, csid });
      },
    });
    return this.messages.slice(start);
  }
}

/** Decodes a command/data message payload into its AMF0 values. */
export function amfOf(message: RtmpMessage): AmfValue[] {
  return decodeAmf0(message.payload);
}

/** A command message (type 20) as a client sends it. */
export function command(streamId: number, ...values: AmfValue[]): RtmpMessage {
  return { typeId: 20, timestamp: 0, streamId, payload: encodeAmf0(...values) };
}

/** The client half of a session driving one RtmpServerConnection. */
export class ClientSide {
  readonly server: RtmpServerConnection;
  readonly writer = new ChunkWriter();
  readonly wire = new WireReader();
  readonly events: RtmpEvent[] = [];

  constructor(options: { inAckSize?: number; limits?: Partial<typeof DEFAULT_RTMP_LIMITS> } = {}) {
    this.server = new RtmpServerConnection({ clientId: 'cid1', randomBytes: counterRandom(7), ...options });
  }

  /** Runs a digest handshake; returns the S0S1S2 bytes. */
  handshake(): Buffer {
    const hello = createClientHello(true, counterRandom(3));
    this.events.push(...this.server.feed(hello.c0c1));
    const s0s1s2 = this.server.takeOutput() as Buffer;
    this.events.push(...this.server.feed(Buffer.from(s0s1s2.subarray(1, 1537))));
    return s0s1s2;
  }

  /** Sends messages; returns the new events. Server output is parsed into `wire`. */
  send(csid: number, ...messages: RtmpMessage[]): RtmpEvent[] {
    const bytes = Buffer.concat(messages.map((message) => this.writer.encode(message, csid)));
    const events = this.server.feed(bytes);
    this.events.push(...events);
    this.wire.feed(this.server.takeOutput());
    return events;
  }

  /** Sends `connect` and accepts it with SRS defaults; returns the reply messages. */
  connect(tcUrl = 'rtmp://127.0.0.1:1935/live'): ReceivedMessage[] {
    this.send(3, command(0, 'connect', 1, { app: 'live', tcUrl, objectEncoding: 0 }));
    return this.wire.feed(
      this.server.acceptConnect({ windowAckSize: 2_500_000, peerBandwidth: 2_500_000, chunkSize: 60_000, serverIp: '10.0.0.1', pid: 42, clientId: 'cid1' }),
    );
  }
}

/** Reads a `.hex` fixture: one TCP read per line, `#` comments. */
export function readHexFixture(name: string): Buffer[] {
  const path = fileURLToPath(new URL(`../../fixtures/rtmp/${name}`, import.meta.url));
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => Buffer.from(line, 'hex'));
}

/** Events with media payloads replaced by their hex, for deep comparison. */
export function comparable(events: RtmpEvent[]): unknown[] {
  return events.map((event) => (event.type === 'media' ? { ...event, payload: event.payload.toString('hex') } : event));
}
