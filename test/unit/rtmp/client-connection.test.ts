import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import { amfProperties } from '../../../src/rtmp/amf-value.js';
import { ChunkWriter } from '../../../src/rtmp/chunk-writer.js';
import { RtmpClientConnection, type RtmpClientEvent } from '../../../src/rtmp/client-connection.js';
import { RtmpServerConnection, type RtmpEvent } from '../../../src/rtmp/connection.js';
import { UserControlType } from '../../../src/rtmp/constants.js';
import { userControlMessage, windowAckSizeMessage } from '../../../src/rtmp/messages.js';
import { WireReader, counterRandom } from './rtmp-test-kit.js';

const CONNECT_REPLY = { windowAckSize: 2_500_000, peerBandwidth: 2_500_000, chunkSize: 60_000, serverIp: '127.0.0.1', pid: 1, clientId: 'c1' };

/** Our client and our server, both sans-I/O, wired to each other in memory. */
/** What a client sink was told, in order: results and statuses as events, media as `media` entries. */
type Told = RtmpClientEvent | { type: 'media'; kind: string; timestamp: number; payload: Buffer };

function recordingClient(told: Told[], options = { app: 'live', tcUrl: 'rtmp://127.0.0.1/live', connectArgs: { srs_ts_via: 'a b' } }): RtmpClientConnection {
  return new RtmpClientConnection(options, { event: (event) => told.push(event), media: (kind, timestamp, payload) => told.push({ type: 'media', kind, timestamp, payload }) });
}

class Pair {
  clientEvents: Told[] = [];
  readonly client = recordingClient(this.clientEvents);
  readonly server = new RtmpServerConnection({ clientId: 'c1', randomBytes: counterRandom(1) });
  serverEvents: RtmpEvent[] = [];

  /** Moves the client's output to the server and the server's answers back until both are quiet. */
  pump(serverBytes?: Buffer): void {
    let toClient = serverBytes;
    for (;;) {
      const toServer = this.client.takeOutput();
      if (toServer !== undefined) this.serverEvents.push(...this.server.feed(toServer));
      const answer = this.server.takeOutput();
      const bytes = toClient === undefined ? answer : answer === undefined ? toClient : Buffer.concat([toClient, answer]);
      toClient = undefined;
      if (bytes === undefined && toServer === undefined) return;
      if (bytes !== undefined) this.client.feed(bytes);
    }
  }

  connect(): void {
    this.serverEvents.push(...this.server.feed(this.client.start()));
    this.pump();
    this.pump(this.server.acceptConnect(CONNECT_REPLY));
  }

  takeClientEvents(): Told[] {
    return this.clientEvents.splice(0);
  }
}

describe('RtmpClientConnection against RtmpServerConnection (both sans-I/O)', () => {
  it('handshakes, connects with its command object and arguments, and reads the connect result', () => {
    const pair = new Pair();
    pair.connect();
    const connect = pair.serverEvents.find((event) => event.type === 'connect');
    expect(connect).toMatchObject({ type: 'connect', info: { app: 'live', tcUrl: 'rtmp://127.0.0.1/live', flashVer: 'FMLE/3.0 (compatible; srs-ts)', args: { srs_ts_via: 'a b' } } });
    const [result] = pair.takeClientEvents();
    expect(result).toMatchObject({ type: 'result', transactionId: 1, ok: true });
    expect(amfProperties((result as { command: { args: never[] } }).command.args[0] ?? null)).toMatchObject({ code: 'NetConnection.Connect.Success' });
  });

  it('plays: createStream answers a stream id, play gets Play.Reset and Play.Start, media arrives as events', () => {
    const pair = new Pair();
    pair.connect();
    pair.takeClientEvents();
    const created = pair.client.createStream();
    pair.pump();
    const [result] = pair.takeClientEvents();
    expect(result).toMatchObject({ type: 'result', transactionId: created, ok: true, command: { args: [1] } });
    pair.client.play(1, 'livestream?token=x');
    pair.pump();
    expect(pair.serverEvents.at(-1)).toMatchObject({ type: 'play', streamId: 1, streamName: 'livestream?token=x', start: -2 });
    pair.pump(pair.server.acceptPlay(1));
    expect(pair.takeClientEvents().filter((e) => e.type === 'status').map((e) => (e as { status: { code: string } }).status.code)).toEqual([
      'NetStream.Play.Reset',
      'NetStream.Play.Start',
    ]);

    // Media the way the server's players write it: chunks at the connect reply's chunk size, aggregates split.
    const media = new ChunkWriter(60_000);
    const frame = Buffer.from([0x17, 0x01, 0, 0, 0, 1, 2, 3]);
    pair.client.feed(media.encode({ typeId: 9, timestamp: 40, streamId: 1, payload: frame }, 6));
    expect(pair.takeClientEvents()).toEqual([{ type: 'media', kind: 'video', timestamp: 40, payload: frame }]);

    // A status and media in one read reach the sink in wire order (an edge pull unpublishes on UnpublishNotify, then republishes on media).
    pair.client.feed(Buffer.concat([pair.server.playStatus(1, 'NetStream.Play.UnpublishNotify', 'gone'), media.encode({ typeId: 9, timestamp: 80, streamId: 1, payload: frame }, 6)]));
    expect(pair.takeClientEvents().map((e) => (e.type === 'status' ? e.status.code : e.type))).toEqual(['NetStream.Play.UnpublishNotify', 'media']);
  });

  it('publishes: releaseStream, FCPublish and createStream leave together, publish is answered with Publish.Start', () => {
    const pair = new Pair();
    pair.connect();
    pair.takeClientEvents();
    pair.client.preparePublish('s');
    pair.client.createStream();
    // One buffer for the three calls (one write, as ffmpeg's leave in one segment).
    const out = pair.client.takeOutput() as Buffer;
    expect(pair.client.takeOutput()).toBeUndefined();
    pair.serverEvents.push(...pair.server.feed(out));
    pair.pump();
    expect(pair.takeClientEvents().filter((e) => e.type === 'result').map((e) => (e as { transactionId: number }).transactionId)).toEqual([2, 3, 4]);
    pair.client.publish(1, 's');
    pair.pump();
    expect(pair.serverEvents.at(-1)).toMatchObject({ type: 'publish', streamId: 1, streamName: 's', publishType: 'live', fmle: true });
    pair.pump(pair.server.acceptPublish(1));
    expect(pair.takeClientEvents().find((e) => e.type === 'status')).toMatchObject({ status: { level: 'status', code: 'NetStream.Publish.Start' } });
    const sent = pair.server.feed(pair.client.encodeMedia('audio', 23, 1, Buffer.from([0xaf, 0x01, 9])));
    expect(sent).toEqual([{ type: 'media', kind: 'audio', timestamp: 23, streamId: 1, payload: Buffer.from([0xaf, 0x01, 9]) }]);
  });

  it('answers a ping and acknowledges per the window the server sets (the shared channel)', () => {
    const pair = new Pair();
    pair.connect();
    pair.takeClientEvents();
    const control = new ChunkWriter(60_000);
    pair.client.feed(control.encode(userControlMessage(UserControlType.PingRequest, 1234), 2));
    const wire = new WireReader();
    const [pong] = wire.feed(pair.client.takeOutput());
    expect(pong?.typeId).toBe(4);
    expect(pong?.payload.readUInt16BE(0)).toBe(UserControlType.PingResponse);
    expect(pong?.payload.readUInt32BE(2)).toBe(1234);
    pair.client.feed(control.encode(windowAckSizeMessage(5_000), 2));
    pair.client.feed(control.encode({ typeId: 8, timestamp: 0, streamId: 1, payload: Buffer.alloc(6_000) }, 4));
    const [ack] = wire.feed(pair.client.takeOutput());
    expect(ack?.typeId).toBe(3);
    expect(ack?.payload.readUInt32BE(0)).toBe(pair.client.bytesReceived);
  });

  it('refuses bytes before start, a second start, and an S0 of another version, as ProtocolErrors', () => {
    const ignore = { event: () => undefined, media: () => undefined };
    expect(() => new RtmpClientConnection({ app: 'a', tcUrl: 'rtmp://h/a' }, ignore).feed(Buffer.alloc(1))).toThrow(ProtocolError);
    const client = new RtmpClientConnection({ app: 'a', tcUrl: 'rtmp://h/a' }, ignore);
    client.start();
    expect(() => client.start()).toThrow(ProtocolError);
    const s0s1s2 = Buffer.alloc(3073);
    s0s1s2[0] = 9;
    expect(() => client.feed(s0s1s2)).toThrow(ProtocolError);
  });
});
