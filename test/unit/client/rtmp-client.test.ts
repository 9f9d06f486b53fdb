/**
 * RtmpClient against a tiny in-test net.Server driving RtmpServerConnection:
 * publish and play round trips, refusals, timeouts and closes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { RtmpClient, RtmpClientError } from '../../../src/relay/rtmp-client.js';
import { LoopbackServer } from './loopback-server.js';

interface Received {
  kind: string;
  timestamp: number;
  payload: Buffer;
}

/** Resolves when `count` media messages arrived at `client`; rejects after `timeoutMs`. */
function collect(client: RtmpClient, count: number, timeoutMs = 5000): Promise<Received[]> {
  const got: Received[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length}/${count} messages`)), timeoutMs);
    client.onMessage = (kind, timestamp, payload) => {
      got.push({ kind, timestamp, payload });
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    };
  });
}

describe('RtmpClient', () => {
  let server: LoopbackServer | undefined;
  const clients: RtmpClient[] = [];
  const rawServers: Server[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const raw of rawServers.splice(0)) raw.close();
    await server?.stop();
    server = undefined;
  });

  async function open(path: string, options?: Parameters<typeof RtmpClient.connect>[1]): Promise<RtmpClient> {
    const client = await RtmpClient.connect((server as LoopbackServer).url(path), options);
    clients.push(client);
    return client;
  }

  it('publishes and plays a round trip: big frames, every kind, extended timestamps', async () => {
    server = await LoopbackServer.start();
    const publisher = await open('live/round');
    expect(publisher.streamName).toBe('round');
    expect(publisher.connectResult).toMatchObject({ level: 'status', code: 'NetConnection.Connect.Success' });
    const statuses: string[] = [];
    publisher.onStatus = (info) => statuses.push(info.code);
    await publisher.publish();
    expect(statuses).toEqual(['NetStream.Publish.Start']);

    const player = await open('live/round');
    await player.play();
    const sent: Received[] = [
      { kind: 'data', timestamp: 0, payload: Buffer.from('02000a6f6e4d65746144617461', 'hex') },
      { kind: 'video', timestamp: 0, payload: Buffer.alloc(150_000, 0x17) },
      { kind: 'audio', timestamp: 0, payload: Buffer.from('af00', 'hex') },
      { kind: 'audio', timestamp: 23, payload: Buffer.alloc(300, 0xaf) },
      { kind: 'audio', timestamp: 46, payload: Buffer.alloc(300, 0xae) },
      { kind: 'audio', timestamp: 69, payload: Buffer.alloc(300, 0xad) },
      { kind: 'video', timestamp: 40, payload: Buffer.alloc(5000, 0x27) },
      { kind: 'video', timestamp: 0xfffff0, payload: Buffer.alloc(9000, 0x27) },
      { kind: 'video', timestamp: 0x1000010, payload: Buffer.alloc(9000, 0x28) },
    ];
    const received = collect(player, sent.length);
    for (const message of sent) publisher.sendMedia(message.kind as 'audio', message.timestamp, message.payload);
    // Compare as hex: a deep Buffer comparison of 150 kB is needlessly slow.
    const asHex = (list: Received[]) => list.map((m) => ({ ...m, payload: m.payload.toString('hex') }));
    expect(asHex(await received)).toEqual(asHex(sent));

    const session = server.sessions[0]!;
    expect(session.events.find((e) => e.type === 'publish')).toEqual({ type: 'publish', streamId: 1, streamName: 'round', publishType: 'live', fmle: true });
    expect(session.connection.handshakeInfo.isComplex).toBe(true);
    expect(player.bytesReceived).toBeGreaterThan(150_000 + 3073);
  });

  it('tells a player when the publisher leaves (onStatus)', async () => {
    server = await LoopbackServer.start();
    const publisher = await open('live/leave');
    await publisher.publish();
    const player = await open('live/leave');
    await player.play();
    const notified = new Promise<string>((resolve) => (player.onStatus = (info) => resolve(info.code)));
    publisher.close();
    expect(await publisher.closed).toBeUndefined();
    expect(await notified).toBe('NetStream.Play.UnpublishNotify');
  });

  it('works with the simple handshake and a small chunk size', async () => {
    server = await LoopbackServer.start({ chunkSize: 128 });
    const publisher = await open('live/simple', { complexHandshake: false, chunkSize: 128 });
    await publisher.publish('record');
    expect(server.sessions[0]!.connection.handshakeInfo.isComplex).toBe(false);
    expect(server.sessions[0]!.events.find((e) => e.type === 'publish')).toMatchObject({ publishType: 'record' });
    const player = await open('live/simple', { complexHandshake: false });
    await player.play();
    const received = collect(player, 1);
    publisher.sendMedia('video', 7, Buffer.alloc(1000, 1));
    expect((await received)[0]).toEqual({ kind: 'video', timestamp: 7, payload: Buffer.alloc(1000, 1) });
  });

  it('sends the tcUrl and pageUrl it is given', async () => {
    server = await LoopbackServer.start();
    await open('live/s?token=1', { tcUrl: 'rtmp://example.com/live?vhost=v', pageUrl: 'http://page' });
    const connect = server.sessions[0]!.events.find((e) => e.type === 'connect');
    expect(connect).toMatchObject({ info: { tcUrl: 'rtmp://example.com/live?vhost=v', pageUrl: 'http://page', app: 'live' } });
  });

  it('rejects publish with the status code and description of an error onStatus', async () => {
    server = await LoopbackServer.start({ rejectPublish: { code: 'NetStream.Publish.BadName', description: 'stream busy' } });
    const publisher = await open('live/busy');
    const error = await publisher.publish().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RtmpClientError);
    expect(error).toMatchObject({ code: 'NetStream.Publish.BadName', description: 'stream busy' });
    expect(await publisher.closed).toBeUndefined();
  });

  it('rejects connect when nothing listens', async () => {
    const raw = createServer();
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const { port } = raw.address() as { port: number };
    await new Promise<void>((resolve) => raw.close(() => resolve()));
    const error = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/s`).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_RTMP_CLIENT_CLOSED' });
  });

  it('rejects connect with ERR_TIMEOUT when the server never answers, and closes', async () => {
    const raw = createServer(() => undefined);
    rawServers.push(raw);
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const { port } = raw.address() as { port: number };
    const error = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/s`, { timeoutMs: 300 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_TIMEOUT' });
  });

  it('rejects connect when the server closes during the handshake', async () => {
    const raw = createServer((socket) => socket.destroy());
    rawServers.push(raw);
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const { port } = raw.address() as { port: number };
    await expect(RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/s`)).rejects.toMatchObject({ code: 'ERR_RTMP_CLIENT_CLOSED' });
  });

  it('closes with a ProtocolError when the server sends garbage, and rejects what was pending', async () => {
    const raw = createServer((socket) => socket.write(Buffer.alloc(3073, 9)));
    rawServers.push(raw);
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const { port } = raw.address() as { port: number };
    await expect(RtmpClient.connect(`rtmp://127.0.0.1:${port}/live/s`)).rejects.toMatchObject({ code: 'ERR_RTMP_PLAIN_REQUIRED' });
  });
});
