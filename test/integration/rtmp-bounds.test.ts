import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { startTestServer, waitFor, type TestServer } from './harness.js';

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.on('close', () => resolve())));
}

/** An AVC key frame or inter frame as FLV video payload, `size` bytes. */
function videoFrame(key: boolean, size: number): Buffer {
  const payload = randomBytes(size);
  payload[0] = key ? 0x17 : 0x27;
  payload[1] = 1;
  return payload;
}

describe('session bounds: bad input closes only that session', () => {
  let server: TestServer | undefined;
  const clients: RtmpClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server?.stop();
    server = undefined;
  });

  it('closes a garbage handshake and a stalled handshake with a logged reason; others go on', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { }', { rtmp: { timeouts: { connectMs: 500 } } });
    const publisher = await RtmpClient.connect(server.url('live/ok'));
    clients.push(publisher);
    await publisher.publish();

    const garbage = await rawSocket(server.port);
    garbage.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.padEnd(1537, 'x')));
    await closed(garbage);

    const stalled = await rawSocket(server.port);
    stalled.write(Buffer.from([3]));
    await closed(stalled);

    // A connect whose tcUrl is no URL (SRS ERROR_RTMP_REQ_TCURL): only that session ends.
    await expect(RtmpClient.connect(server.url('live/x'), { tcUrl: 'not a url', timeoutMs: 3000 })).rejects.toThrow();
    await waitFor('bad tcUrl session end', () => server?.logs.find((l) => l.msg === 'session end' && String(l.detail).includes('ERR_RTMP_REQ_TCURL')));

    const ends = server.logs.filter((l) => l.msg === 'session end');
    expect(ends.some((l) => l.reason === 'error')).toBe(true);
    expect(ends.some((l) => l.reason === 'timeout' && String(l.detail).includes('handshake'))).toBe(true);
    // The publisher is untouched.
    expect(publisher.sendMedia('video', 0, videoFrame(true, 100))).toBe(true);
    const watcher = await RtmpClient.connect(server.url('live/ok'));
    clients.push(watcher);
    await watcher.play();
  });

  it('drops connections beyond max_connections at accept', async () => {
    server = await startTestServer('listen 0; max_connections 1; vhost __defaultVhost__ { }');
    const first = await RtmpClient.connect(server.url('live/a'));
    clients.push(first);
    await expect(RtmpClient.connect(server.url('live/b'), { timeoutMs: 3000 })).rejects.toThrow();
    expect(server.logs.some((l) => l.msg === 'drop connection: max_connections reached')).toBe(true);
  });

  it('drops a stalled player without slowing the publisher or the other player', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { play { queue_length 2; mw_latency 50; } }', {
      rtmp: { playerLimits: { maxWritableBytes: 256 * 1024 } },
    });
    const publisher = await RtmpClient.connect(server.url('live/fat'));
    clients.push(publisher);
    await publisher.publish();
    const healthy = await RtmpClient.connect(server.url('live/fat'));
    clients.push(healthy);
    let healthyFrames = 0;
    healthy.onMessage = (kind) => {
      if (kind === 'video') healthyFrames++;
    };
    await healthy.play();
    // A player that reads nothing: its socket is paused right after Play.Start.
    const stalled = await RtmpClient.connect(server.url('live/fat'));
    clients.push(stalled);
    await stalled.play();
    (stalled as unknown as { socket: Socket }).socket.pause();
    let ts = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 4; i++) {
        publisher.sendMedia('video', ts, videoFrame(ts % 1000 === 0, 60_000));
        ts += 40;
      }
    }, 40);
    try {
      const dropped = await waitFor('stalled player dropped', () => server?.logs.find((l) => l.msg === 'session end' && String(l.detail).includes('stalled')), 25_000);
      expect(dropped.reason).toBe('timeout');
      const before = healthyFrames;
      await waitFor('healthy player still fed', () => healthyFrames > before + 20);
    } finally {
      clearInterval(timer);
    }
  });
});
