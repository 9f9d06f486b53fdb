/**
 * The RTMP issue's bad-input list sent over real sockets to the real server
 * while a stream is live: each bad session ends with a logged reason naming
 * the violated bound, and the publisher, its player and new clients go on.
 * (test/unit/rtmp/bounds.test.ts checks the same inputs against the pure
 * protocol code.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { encodeAmf0 } from '../../src/rtmp/amf0.js';
import { ChunkWriter } from '../../src/rtmp/chunk-writer.js';
import { startTestServer, waitFor, type LogLine, type TestServer } from './harness.js';

const HANDSHAKE_PACKET = 1536;

interface RawClient {
  socket: Socket;
  /** The client's port, which the server logs in `session start` (a closed socket forgets it). */
  port: number;
}

/** A raw client past a simple (plain) handshake: C0C1, read S0S1S2, echo S1 as C2. */
async function handshaken(serverPort: number): Promise<RawClient> {
  const socket = connect(serverPort, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve).once('error', reject);
  });
  socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(HANDSHAKE_PACKET)]));
  const s0s1s2 = await new Promise<Buffer>((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 1 + 2 * HANDSHAKE_PACKET) return;
      socket.off('data', onData);
      resolve(received);
    };
    socket.on('data', onData).once('error', reject);
  });
  socket.write(s0s1s2.subarray(1, 1 + HANDSHAKE_PACKET));
  // From here on the test only cares that the server hangs up.
  socket.on('data', () => undefined).on('error', () => undefined);
  return { socket, port: socket.localPort ?? 0 };
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

const writer = (): ChunkWriter => new ChunkWriter();
const connectCommand = (): Buffer =>
  writer().encode({ typeId: 20, timestamp: 0, streamId: 0, payload: encodeAmf0('connect', 1, { app: 'live', tcUrl: 'rtmp://127.0.0.1/live' }) }, 3);

function chunkSize(size: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(size >>> 0);
  return writer().encode({ typeId: 1, timestamp: 0, streamId: 0, payload }, 2);
}

/** Every first chunk of a fresh chunk stream: 3-byte basic headers from csid 64 up to 65599, then more. */
function manyChunkStreams(count: number): Buffer {
  const pieces: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const csidMinus64 = i % (65599 - 64 + 1);
    pieces.push(Buffer.from([1, csidMinus64 & 0xff, csidMinus64 >> 8, 0, 0, 0, 0, 0, 1, 9, 1, 0, 0, 0, 0x27]));
  }
  return Buffer.concat(pieces);
}

/** A `ping` command whose argument is an object nested `depth` times. */
function deepAmfCommand(depth: number): Buffer {
  const payload = Buffer.concat([
    encodeAmf0('ping', 2),
    Buffer.from('0300016f'.repeat(depth), 'hex'),
    Buffer.from('05', 'hex'),
  ]);
  return writer().encode({ typeId: 20, timestamp: 0, streamId: 0, payload }, 3);
}

interface BadCase {
  name: string;
  /** Bytes sent after the handshake. */
  bytes: () => Buffer;
  /** What the server's `session end` detail must name. */
  code: string;
}

const CASES: BadCase[] = [
  { name: 'a chunk size of 0', bytes: () => chunkSize(0), code: 'ERR_RTMP_CHUNK_SIZE' },
  { name: 'a chunk size of 2^31', bytes: () => chunkSize(2 ** 31), code: 'ERR_RTMP_CHUNK_SIZE' },
  {
    name: 'a message length of 16 MB',
    // fmt 0 on csid 6: timestamp 0, length 0xffffff, type 9, stream 1.
    bytes: () => Buffer.concat([connectCommand(), Buffer.from('06000000ffffff0901000000', 'hex')]),
    code: 'ERR_RTMP_MESSAGE_TOO_LARGE',
  },
  { name: 'a 10,000-deep AMF object', bytes: () => Buffer.concat([connectCommand(), deepAmfCommand(10_000)]), code: 'ERR_AMF_DEPTH' },
  { name: '70,000 chunk streams', bytes: () => Buffer.concat([connectCommand(), manyChunkStreams(70_000)]), code: 'ERR_RTMP_CHUNK_STREAMS' },
  {
    name: 'a connect without tcUrl',
    bytes: () => writer().encode({ typeId: 20, timestamp: 0, streamId: 0, payload: encodeAmf0('connect', 1, { app: 'live' }) }, 3),
    code: 'ERR_RTMP_REQ_CONNECT',
  },
];

/** An AVC frame of `size` bytes; key frames every 25 frames. */
function videoFrame(index: number, size = 2_000): Buffer {
  const payload = Buffer.alloc(size, index & 0xff);
  payload[0] = index % 25 === 0 ? 0x17 : 0x27;
  payload[1] = 1;
  return payload;
}

describe('bad RTMP input against the live server: only that session ends, with a logged reason', () => {
  let server: TestServer;
  let publisher: RtmpClient;
  let player: RtmpClient;
  let played = 0;
  let timer: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { }');
    publisher = await RtmpClient.connect(server.url('live/steady'));
    await publisher.publish();
    let index = 0;
    timer = setInterval(() => publisher.sendMedia('video', index * 40, videoFrame(index++)), 40);
    player = await RtmpClient.connect(server.url('live/steady'));
    player.onMessage = (kind) => {
      if (kind === 'video') played++;
    };
    await player.play();
    await waitFor('the player receives video', () => played > 5);
  });

  afterAll(async () => {
    clearInterval(timer);
    player?.close();
    publisher?.close();
    await server?.stop();
  });

  function sessionEndOf(client: RawClient): LogLine | undefined {
    const start = server.logs.find((l) => l.msg === 'session start' && l.port === client.port);
    return start && server.logs.find((l) => l.msg === 'session end' && l.cid === start.cid);
  }

  it.each(CASES)('$name', async ({ bytes, code }) => {
    const client = await handshaken(server.port);
    const before = played;
    client.socket.write(bytes());
    await closed(client.socket);
    const end = await waitFor(`session end for ${code}`, () => sessionEndOf(client));
    expect(end.reason).toBe('error');
    expect(String(end.detail)).toContain(code);
    // The live stream never noticed.
    await waitFor('the player keeps receiving video', () => played > before + 3);
    expect(server.logs.filter((l) => l.msg === 'session end' && l.cid !== end.cid && l.reason !== 'error')).toEqual([]);
  });

  it('all of them at once, then a new player still joins the stream', async () => {
    const clients = await Promise.all(CASES.map(() => handshaken(server.port)));
    clients.forEach((client, i) => client.socket.write(CASES[i]!.bytes()));
    await Promise.all(clients.map((client) => closed(client.socket)));
    for (const [i, client] of clients.entries()) {
      const end = await waitFor(`session end for ${CASES[i]!.code}`, () => sessionEndOf(client));
      expect(String(end.detail)).toContain(CASES[i]!.code);
    }
    const late = await RtmpClient.connect(server.url('live/steady'));
    let lateFrames = 0;
    late.onMessage = (kind) => {
      if (kind === 'video') lateFrames++;
    };
    try {
      await late.play();
      await waitFor('the late player receives video', () => lateFrames > 3);
    } finally {
      late.close();
    }
  });
});
