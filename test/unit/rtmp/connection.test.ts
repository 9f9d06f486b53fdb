import { describe, expect, it } from 'vitest';
import { encodeAmf0 } from '../../../src/rtmp/amf0.js';
import { Amf3Value } from '../../../src/rtmp/amf-value.js';
import { RtmpServerConnection } from '../../../src/rtmp/connection.js';
import { encodeMessageChunks, MEDIA_CSID } from '../../../src/rtmp/chunk-writer.js';
import { HandshakeState, answerServerHello, createClientHello } from '../../../src/rtmp/handshake.js';
import { bool, ecma, NULL, num, object, str } from './amf-hex.js';
import { ClientSide, amfOf, command, counterRandom, type ReceivedMessage } from './rtmp-test-kit.js';

const hex = (text: string): string => text.replace(/\s+/g, '');
const u24 = (value: number): string => value.toString(16).padStart(6, '0');
/** A message body cut into 128-byte chunks with fmt 3 basic headers (0xc0 | csid) in between. */
const chunked = (body: string, csid: number): string => {
  const bytes = hex(body);
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 256) parts.push(bytes.slice(i, i + 256));
  return parts.join((0xc0 | csid).toString(16));
};

/** [csid, typeId, streamId, AMF values] of received messages, for compact assertions. */
const summary = (messages: ReceivedMessage[]): unknown[] =>
  messages.map((m) => [m.csid, m.typeId, m.streamId, m.typeId === 20 || m.typeId === 18 ? amfOf(m) : m.payload.toString('hex')]);

const status = (level: string, code: string, description: string, extra: Record<string, string> = {}) => ({ level, code, description, ...extra });

describe('RtmpServerConnection handshake', () => {
  it('answers C0C1 with S0S1S2 and reports handshake-done after C2', () => {
    const server = new RtmpServerConnection({ clientId: 'x', randomBytes: counterRandom(7) });
    const hello = createClientHello(true, counterRandom(3));
    expect(server.feed(hello.c0c1.subarray(0, 100))).toEqual([]);
    expect(server.takeOutput()).toBeUndefined();
    expect(server.feed(hello.c0c1.subarray(100))).toEqual([]);
    const s0s1s2 = server.takeOutput();
    expect(s0s1s2?.length).toBe(3073);
    expect(server.handshakeDone).toBe(false);
    expect(server.feed(Buffer.alloc(1536))).toEqual([{ type: 'handshake-done' }]);
    expect(server.handshakeDone).toBe(true);
    expect(server.handshakeInfo).toEqual({ isComplex: true, isC2Verified: false });
  });

  it("draws S1/S2 from a shared HandshakeState's pool and teaches its digest hint the clients' schema", () => {
    const state = new HandshakeState();
    for (let i = 0; i < 30; i += 1) {
      const server = new RtmpServerConnection({ clientId: 'x', handshakeState: state, verifyC2: true });
      const hello = createClientHello(true);
      server.feed(hello.c0c1);
      const { c2, isVerified } = answerServerHello(server.takeOutput() as Buffer, hello);
      expect(isVerified).toBe(true);
      expect(server.feed(c2)).toEqual([{ type: 'handshake-done' }]);
      expect(server.handshakeInfo).toEqual({ isComplex: true, isC2Verified: true });
    }
    // createClientHello signs schema 1, as ffmpeg does.
    expect(state.digestHint.schema).toBe(1);
  });
});

describe('connect', () => {
  it('reports connect with tcUrl, pageUrl, swfUrl, app, objectEncoding and the optional args', () => {
    const client = new ClientSide();
    client.handshake();
    const events = client.send(
      3,
      command(0, 'connect', 1, { app: 'live', tcUrl: 'rtmp://h/live', pageUrl: 'http://p', swfUrl: 'http://s', flashVer: 'FMLE/3.0 (compatible; test)', objectEncoding: 3 }, { token: 'abc' }),
    );
    expect(events).toEqual([
      {
        type: 'connect',
        info: {
          transactionId: 1,
          tcUrl: 'rtmp://h/live',
          pageUrl: 'http://p',
          swfUrl: 'http://s',
          app: 'live',
          flashVer: 'FMLE/3.0 (compatible; test)',
          objectEncoding: 3,
          args: { token: 'abc' },
          hasArgs: true,
          commandObject: { app: 'live', tcUrl: 'rtmp://h/live', pageUrl: 'http://p', swfUrl: 'http://s', flashVer: 'FMLE/3.0 (compatible; test)', objectEncoding: 3 },
        },
      },
    ]);
  });

  it("acceptConnect writes SRS's replies in order as golden bytes: WindowAckSize, SetPeerBandwidth, SetChunkSize, _result, onBWDone", () => {
    const client = new ClientSide();
    client.handshake();
    client.send(3, command(0, 'connect', 1, { app: 'live', tcUrl: 'rtmp://127.0.0.1/live', objectEncoding: 0 }));
    const bytes = client.server.acceptConnect({
      windowAckSize: 2_500_000,
      peerBandwidth: 2_500_000,
      chunkSize: 60_000,
      serverIp: '10.0.0.1',
      pid: 42,
      clientId: 'cid1',
    });
    const result =
      str('_result') +
      num(1) +
      object(['fmsVer', str('FMS/3,5,3,888')], ['capabilities', num(127)], ['mode', num(1)]) +
      object(
        ['level', str('status')],
        ['code', str('NetConnection.Connect.Success')],
        ['description', str('Connection succeeded')],
        ['objectEncoding', num(0)],
        [
          'data',
          ecma(
            ['version', str('3,5,3,888')],
            ['srs_sig', str('SRS')],
            ['srs_server', str('SRS/7.0.18(Hang)')],
            ['srs_license', str('MIT')],
            ['srs_url', str('https://github.com/ossrs/srs')],
            ['srs_version', str('7.0.18')],
            ['srs_authors', str('srs')],
            ['srs_server_ip', str('10.0.0.1')],
            ['srs_pid', num(42)],
            ['srs_id', str('cid1')],
          ),
        ],
      );
    const bwDone = str('onBWDone') + num(0) + NULL;
    expect(bytes.toString('hex')).toBe(
      hex(
        '02 000000 000004 05 00000000 002625a0' + // Window Acknowledgement Size 2500000
          '42 000000 000005 06 002625a0 02' + // Set Peer Bandwidth 2500000, dynamic (fmt 1)
          '42 000000 000004 01 0000ea60' + // Set Chunk Size 60000 (fmt 1)
          `03 000000 ${u24(result.length / 2)} 14 00000000 ${result}` +
          `43 000000 ${u24(bwDone.length / 2)} 14 ${bwDone}`,
      ),
    );
    expect(client.server.outChunkSize).toBe(60_000);
  });

  it('skips Window Acknowledgement Size when out_ack_size is 0 and echoes objectEncoding 3', () => {
    const client = new ClientSide();
    client.handshake();
    client.send(3, command(0, 'connect', 1, { tcUrl: 'rtmp://h/live', objectEncoding: 3 }));
    const replies = client.wire.feed(
      client.server.acceptConnect({ windowAckSize: 0, peerBandwidth: 1000, chunkSize: 4096, serverIp: '', pid: 1, clientId: 'c' }),
    );
    expect(replies.map((m) => m.typeId)).toEqual([6, 1, 20, 20]);
    const info = amfOf(replies[2]!)[3] as Record<string, unknown>;
    expect(info['objectEncoding']).toBe(3);
    expect(Object.keys((info['data'] as { properties: object }).properties)).not.toContain('srs_server_ip');
  });

  it('holds automatic replies made before acceptConnect so they follow the connect replies', () => {
    const client = new ClientSide();
    client.handshake();
    const events = client.send(3, command(0, 'connect', 1, { tcUrl: 'rtmp://h/live' }), command(0, 'createStream', 2, null));
    expect(events.map((e) => e.type)).toEqual(['connect']);
    expect(client.wire.messages).toEqual([]);
    const replies = client.wire.feed(
      client.server.acceptConnect({ windowAckSize: 1, peerBandwidth: 1, chunkSize: 128, serverIp: '', pid: 1, clientId: 'c' }),
    );
    expect(replies.map((m) => (m.typeId === 20 ? amfOf(m)[0] : m.typeId))).toEqual([5, 6, 1, '_result', 'onBWDone', '_result']);
    expect(amfOf(replies[5]!)).toEqual(['_result', 2, null, 1]);
  });

  it('ignores commands before connect (SRS expect_message), except control messages', () => {
    const client = new ClientSide();
    client.handshake();
    expect(client.send(3, command(0, 'createStream', 2, null))).toEqual([]);
    expect(client.wire.messages).toEqual([]);
  });

  it('decodes connect sent as an AMF3 command (type 17) with AMF3 values', () => {
    const client = new ClientSide();
    client.handshake();
    const payload = Buffer.concat([Buffer.from([0]), encodeAmf0('connect', 1, new Amf3Value({ tcUrl: 'rtmp://h/a', app: 'a' }))]);
    const events = client.send(3, { typeId: 17, timestamp: 0, streamId: 0, payload });
    expect(events).toMatchObject([{ type: 'connect', info: { tcUrl: 'rtmp://h/a', app: 'a' } }]);
  });
});

/** A handshaken, connected client; wire messages cleared. */
function connected(): ClientSide {
  const client = new ClientSide();
  client.handshake();
  client.connect();
  client.wire.messages.length = 0;
  return client;
}

describe('publish (FMLE: OBS/ffmpeg) and its SRS replies', () => {
  it('releaseStream, FCPublish, createStream, publish, then acceptPublish', () => {
    const client = connected();
    client.send(3, command(0, 'releaseStream', 2, null, 'livestream'));
    client.send(3, command(0, 'FCPublish', 3, null, 'livestream'));
    client.send(3, command(0, 'createStream', 4, null));
    const events = client.send(5, command(1, 'publish', 5, null, 'livestream', 'live'));
    expect(events).toEqual([{ type: 'publish', streamId: 1, streamName: 'livestream', publishType: 'live', fmle: true }]);
    const start = client.server.acceptPublish(1);
    client.wire.feed(start);
    expect(summary(client.wire.messages)).toEqual([
      [3, 20, 0, ['_result', 2, null, undefined]],
      [3, 20, 0, ['_result', 3, null, undefined]],
      [3, 20, 0, ['_result', 4, null, 1]],
      [5, 20, 1, ['onFCPublish', 0, null, { code: 'NetStream.Publish.Start', description: 'Started publishing stream.' }]],
      [5, 20, 1, ['onStatus', 0, null, status('status', 'NetStream.Publish.Start', 'Started publishing stream.', { clientid: 'ASAICiss' })]],
    ]);
  });

  it('acceptPublish is exactly onStatus(NetStream.Publish.Start) on csid 5 (golden)', () => {
    const server = new RtmpServerConnection({ clientId: 'x' });
    const body =
      str('onStatus') +
      num(0) +
      NULL +
      object(
        ['level', str('status')],
        ['code', str('NetStream.Publish.Start')],
        ['description', str('Started publishing stream.')],
        ['clientid', str('ASAICiss')],
      );
    expect(server.acceptPublish(1).toString('hex')).toBe(hex(`05 000000 ${u24(body.length / 2)} 14 01000000 ${chunked(body, 5)}`));
  });

  it('a Flash publish (no releaseStream/FCPublish) has fmle false and no onFCPublish; record/append are kept', () => {
    const client = connected();
    client.send(3, command(0, 'createStream', 2, null));
    const events = client.send(5, command(1, 'publish', 3, null, 'cam', 'record'));
    expect(events).toEqual([{ type: 'publish', streamId: 1, streamName: 'cam', publishType: 'record', fmle: false }]);
    expect(client.wire.messages.map((m) => amfOf(m)[0])).toEqual(['_result']);
    expect(client.send(5, command(1, 'publish', 4, null, 'cam', 'append'))).toMatchObject([{ publishType: 'append' }]);
    expect(client.send(5, command(1, 'publish', 5, null, 'cam', 'weird'))).toMatchObject([{ publishType: 'live' }]);
  });

  it('reports media: audio, video, data (18), AMF3 data (15) without its format byte, and split aggregates', () => {
    const client = connected();
    client.send(5, command(1, 'publish', 5, null, 's'));
    const audio = { typeId: 8, timestamp: 10, streamId: 1, payload: Buffer.from('af01', 'hex') };
    const video = { typeId: 9, timestamp: 20, streamId: 1, payload: Buffer.from('1701', 'hex') };
    const data = { typeId: 18, timestamp: 0, streamId: 1, payload: encodeAmf0('@setDataFrame', 'onMetaData') };
    const amf3Data = { typeId: 15, timestamp: 0, streamId: 1, payload: Buffer.concat([Buffer.from([0]), encodeAmf0('onCuePoint')]) };
    // Aggregate: two FLV-shaped sub-messages with timestamps 1000 and 1040, rebased onto the aggregate's 500.
    const sub = (type: number, ts: number, body: string): string => {
      const size = body.length / 2;
      return type.toString(16).padStart(2, '0') + u24(size) + u24(ts) + '00' + '000000' + body + (11 + size).toString(16).padStart(8, '0');
    };
    const aggregate = { typeId: 22, timestamp: 500, streamId: 1, payload: Buffer.from(sub(9, 1000, '2701') + sub(8, 1040, 'af01'), 'hex') };
    const events = client.send(6, audio, video, data, amf3Data, aggregate);
    expect(events.map((e) => (e.type === 'media' ? [e.kind, e.timestamp, e.streamId, e.payload.toString('hex')] : e))).toEqual([
      ['audio', 10, 1, 'af01'],
      ['video', 20, 1, '1701'],
      ['data', 0, 1, encodeAmf0('@setDataFrame', 'onMetaData').toString('hex')],
      ['data', 0, 1, encodeAmf0('onCuePoint').toString('hex')],
      ['video', 500, 1, '2701'],
      ['audio', 540, 1, 'af01'],
    ]);
  });

  it('FCUnpublish answers onFCUnpublish, _result, onStatus(Unpublish.Success) and allows a republish', () => {
    const client = connected();
    client.send(3, command(0, 'FCPublish', 2, null, 's'));
    client.send(5, command(1, 'publish', 3, null, 's'));
    client.wire.messages.length = 0;
    const events = client.send(3, command(0, 'FCUnpublish', 4, null, 's'));
    expect(events).toEqual([{ type: 'unpublish', streamId: 1 }]);
    expect(summary(client.wire.messages)).toEqual([
      [5, 20, 1, ['onFCUnpublish', 0, null, { code: 'NetStream.Unpublish.Success', description: 'Stop publishing stream.' }]],
      [3, 20, 1, ['_result', 4, null, undefined]],
      [5, 20, 1, ['onStatus', 0, null, status('status', 'NetStream.Unpublish.Success', 'Stream is now unpublished', { clientid: 'ASAICiss' })]],
    ]);
    // ffmpeg follows with deleteStream: nothing more to end.
    expect(client.send(3, command(0, 'deleteStream', 5, null, 1))).toEqual([]);
    client.send(3, command(0, 'releaseStream', 6, null, 's'));
    expect(client.send(5, command(1, 'publish', 7, null, 's'))).toEqual([
      { type: 'publish', streamId: 1, streamName: 's', publishType: 'live', fmle: true },
    ]);
  });

  it('deleteStream or closeStream while publishing is an unpublish', () => {
    const client = connected();
    client.send(5, command(1, 'publish', 3, null, 's'));
    expect(client.send(3, command(0, 'deleteStream', 4, null, 1))).toEqual([{ type: 'unpublish', streamId: 1 }]);
    client.send(5, command(1, 'publish', 5, null, 's'));
    expect(client.send(5, command(1, 'closeStream', 0, null))).toEqual([{ type: 'unpublish', streamId: 1 }]);
  });
});

describe('play and its SRS replies', () => {
  it('play reports start/duration/reset (SRS defaults -2, -1, true)', () => {
    const client = connected();
    expect(client.send(5, command(1, 'play', 3, null, 'livestream'))).toEqual([
      { type: 'play', streamId: 1, streamName: 'livestream', start: -2, duration: -1, reset: true },
    ]);
    client.send(5, command(1, 'closeStream', 0, null));
    expect(client.send(5, command(1, 'play', 4, null, 'vod', 1000, 500, false))).toEqual([
      { type: 'play', streamId: 1, streamName: 'vod', start: 1000, duration: 500, reset: false },
    ]);
  });

  it('acceptPlay: StreamBegin, Play.Reset, Play.Start, |RtmpSampleAccess (golden)', () => {
    const server = new RtmpServerConnection({ clientId: 'x' });
    const info = (code: string, description: string): string =>
      object(['level', str('status')], ['code', str(code)], ['description', str(description)], ['details', str('stream')], ['clientid', str('ASAICiss')]);
    const reset = str('onStatus') + num(0) + NULL + info('NetStream.Play.Reset', 'Playing and resetting stream.');
    const start = str('onStatus') + num(0) + NULL + info('NetStream.Play.Start', 'Started playing stream.');
    const access = str('|RtmpSampleAccess') + bool(true) + bool(true);
    expect(server.acceptPlay(1).toString('hex')).toBe(
      hex(
        '02 000000 000006 04 00000000 0000 00000001' + // User Control StreamBegin(1) on stream 0
          `05 000000 ${u24(reset.length / 2)} 14 01000000 ${chunked(reset, 5)}` +
          `45 000000 ${u24(start.length / 2)} 14 ${chunked(start, 5)}` + // same stream, new length: fmt 1
          `45 000000 ${u24(access.length / 2)} 12 ${access}`, // data message on the stream csid
      ),
    );
  });

  it('closeStream or deleteStream while playing is stop-play, and a new play may follow', () => {
    const client = connected();
    client.send(5, command(1, 'play', 3, null, 'a'));
    expect(client.send(5, command(1, 'closeStream', 0, null))).toEqual([{ type: 'stop-play', streamId: 1 }]);
    client.send(5, command(1, 'play', 4, null, 'b'));
    expect(client.send(3, command(0, 'deleteStream', 5, null, 1))).toEqual([{ type: 'stop-play', streamId: 1 }]);
    expect(client.send(3, command(0, 'deleteStream', 6, null, 1))).toEqual([]);
  });

  it('pause answers Pause.Notify + StreamEOF, unpause answers Unpause.Notify + StreamBegin', () => {
    const client = connected();
    client.send(5, command(1, 'play', 3, null, 'a'));
    client.wire.messages.length = 0;
    expect(client.send(5, command(1, 'pause', 0, null, true, 1234))).toEqual([{ type: 'pause', streamId: 1, paused: true, timestamp: 1234 }]);
    expect(client.send(5, command(1, 'pause', 0, null, false, 1234))).toEqual([{ type: 'pause', streamId: 1, paused: false, timestamp: 1234 }]);
    expect(summary(client.wire.messages)).toEqual([
      [5, 20, 1, ['onStatus', 0, null, status('status', 'NetStream.Pause.Notify', 'Paused stream.', { clientid: 'ASAICiss' })]],
      [2, 4, 0, '000100000001'],
      [5, 20, 1, ['onStatus', 0, null, status('status', 'NetStream.Unpause.Notify', 'Unpaused stream.', { clientid: 'ASAICiss' })]],
      [2, 4, 0, '000000000001'],
    ]);
  });

  it('replies interleaved with shared fmt 0 media on csids 4/6/7 stay readable for the player', () => {
    const client = connected();
    client.send(5, command(1, 'play', 3, null, 'a'));
    client.wire.feed(client.server.acceptPlay(1));
    client.wire.messages.length = 0;
    const chunkSize = client.server.outChunkSize;
    const media = (typeId: number, timestamp: number, size: number, csid: number): Buffer =>
      encodeMessageChunks({ typeId, timestamp, streamId: 1, payload: Buffer.alloc(size, typeId) }, chunkSize, csid);
    client.wire.feed(media(18, 0, 30, MEDIA_CSID.data));
    client.wire.feed(media(9, 0, 70_000, MEDIA_CSID.video));
    client.wire.feed(client.server.playStatus(1, 'NetStream.Play.UnpublishNotify', 'gone'));
    client.wire.feed(media(8, 20, 300, MEDIA_CSID.audio));
    client.send(5, command(1, 'pause', 0, null, true, 20));
    client.wire.feed(media(9, 40, 500, MEDIA_CSID.video));
    client.wire.feed(client.server.playStatus(1, 'NetStream.Play.PublishNotify', 'back'));
    client.wire.feed(media(18, 40, 10, MEDIA_CSID.data));
    expect(client.wire.messages.map((m) => [m.csid, m.typeId, m.timestamp, m.typeId === 20 ? (amfOf(m)[3] as { code: string }).code : m.payload.length])).toEqual([
      [4, 18, 0, 30],
      [6, 9, 0, 70_000],
      [5, 20, 0, 'NetStream.Play.UnpublishNotify'],
      [7, 8, 20, 300],
      [5, 20, 0, 'NetStream.Pause.Notify'],
      [2, 4, 0, 6],
      [6, 9, 40, 500],
      [5, 20, 0, 'NetStream.Play.PublishNotify'],
      [4, 18, 40, 10],
    ]);
  });

  it('receiveAudio / receiveVideo are reported', () => {
    const client = connected();
    client.send(5, command(1, 'play', 3, null, 'a'));
    expect(client.send(5, command(1, 'receiveAudio', 0, null, false), command(1, 'receiveVideo', 0, null, true))).toEqual([
      { type: 'receive', streamId: 1, audio: false, video: undefined },
      { type: 'receive', streamId: 1, audio: undefined, video: true },
    ]);
  });

  it('rejectWithStatus, playStatus and streamEof build the messages the session sends', () => {
    const client = connected();
    const messages = client.wire.feed(
      Buffer.concat([
        client.server.rejectWithStatus(1, 'NetStream.Publish.BadName', 'stream busy'),
        client.server.playStatus(1, 'NetStream.Play.UnpublishNotify', 'gone'),
        client.server.streamEof(1),
      ]),
    );
    expect(summary(messages)).toEqual([
      [5, 20, 1, ['onStatus', 0, null, status('error', 'NetStream.Publish.BadName', 'stream busy')]],
      [5, 20, 1, ['onStatus', 0, null, status('status', 'NetStream.Play.UnpublishNotify', 'gone', { clientid: 'ASAICiss' })]],
      [2, 4, 0, '000100000001'],
    ]);
  });
});

describe('other calls and control messages', () => {
  it('answers getStreamLength and unknown calls with _result(null, null); ignores notifications and responses', () => {
    const client = connected();
    client.send(3, command(0, 'getStreamLength', 7, null, 's'), command(0, 'FCSubscribe', 8, null, 's'));
    client.send(3, command(0, '_checkbw', 9, null), command(0, 'someNotify', 0, null), command(0, '_result', 10, null));
    expect(summary(client.wire.messages)).toEqual([
      [3, 20, 0, ['_result', 7, null, null]],
      [3, 20, 0, ['_result', 8, null, null]],
    ]);
  });

  it('answers a ping request with a ping response carrying the same timestamp', () => {
    const client = connected();
    client.send(2, { typeId: 4, timestamp: 0, streamId: 0, payload: Buffer.from('000600000539', 'hex') });
    expect(summary(client.wire.messages)).toEqual([[2, 4, 0, '000700000539']]);
  });

  it('applies the peer Set Chunk Size to the chunks that follow', () => {
    const client = connected();
    client.send(2, { typeId: 1, timestamp: 0, streamId: 0, payload: Buffer.from('00001000', 'hex') });
    client.writer.setChunkSize(4096);
    client.send(5, command(1, 'publish', 2, null, 's'));
    const big = Buffer.alloc(3000, 0x27);
    const events = client.send(6, { typeId: 9, timestamp: 0, streamId: 1, payload: big });
    expect(events).toMatchObject([{ type: 'media', kind: 'video' }]);
    expect((events[0] as { payload: Buffer }).payload).toEqual(big);
  });

  it('acknowledges each window of received bytes once the peer set a window', () => {
    const client = connected();
    client.send(2, { typeId: 5, timestamp: 0, streamId: 0, payload: Buffer.from('00001000', 'hex') });
    client.send(5, command(1, 'publish', 2, null, 's'));
    client.wire.messages.length = 0;
    for (let i = 0; i < 3; i++) client.send(6, { typeId: 9, timestamp: i, streamId: 1, payload: Buffer.alloc(3000, 1) });
    const acks = client.wire.messages.filter((m) => m.typeId === 3);
    expect(acks.length).toBe(2);
    const sequence = acks.map((m) => m.payload.readUInt32BE(0));
    expect(sequence[1]! - sequence[0]!).toBeGreaterThanOrEqual(4096);
  });

  it('acknowledges from the start with inAckSize (SRS in_ack_size)', () => {
    const client = new ClientSide({ inAckSize: 2000 });
    client.handshake();
    // C0C1 + C2 = 3073 bytes received: past the 2000-byte window, counted as SRS counts them (handshake included).
    expect(summary(client.wire.feed(client.server.takeOutput()))).toEqual([[2, 3, 0, '00000c01']]);
  });

  it('drops empty messages and unknown message types silently', () => {
    const client = connected();
    expect(client.send(3, { typeId: 20, timestamp: 0, streamId: 0, payload: Buffer.alloc(0) })).toEqual([]);
    expect(client.send(3, { typeId: 19, timestamp: 0, streamId: 0, payload: Buffer.from('00', 'hex') })).toEqual([]);
    expect(client.send(3, { typeId: 99, timestamp: 0, streamId: 0, payload: Buffer.from('00', 'hex') })).toEqual([]);
  });

  it('throws typed errors on a command without a name or a publish without a stream name', () => {
    const client = connected();
    expect(() => client.send(3, { typeId: 20, timestamp: 0, streamId: 0, payload: encodeAmf0(1, 2) })).toThrowError(
      expect.objectContaining({ code: 'ERR_RTMP_COMMAND' }) as Error,
    );
    const other = connected();
    expect(() => other.send(5, command(1, 'publish', 2, null))).toThrowError(expect.objectContaining({ code: 'ERR_RTMP_COMMAND' }) as Error);
  });
});
