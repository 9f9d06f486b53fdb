import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../../src/config/schema.js';
import { DEFAULT_PLAYER_LIMITS } from '../../../../src/core/player.js';
import { Hub } from '../../../../src/core/hub.js';
import { ALLOW } from '../../../../src/hooks/events.js';
import type { AmfValue } from '../../../../src/rtmp/amf-value.js';
import { ChunkWriter, type RtmpMessage } from '../../../../src/rtmp/chunk-writer.js';
import { answerServerHello, createClientHello } from '../../../../src/rtmp/handshake.js';
import { DEFAULT_SESSION_TIMEOUTS, RtmpSession, type RtmpSessionContext } from '../../../../src/server/rtmp/rtmp-session.js';
import { Client } from '../../../../src/session/client.js';
import { ClientRegistry } from '../../../../src/session/client-registry.js';
import { makeConfig, makeVhost, waitFor } from '../../hooks/helpers.js';
import { amfOf, command, counterRandom, WireReader, type ReceivedMessage } from '../../rtmp/rtmp-test-kit.js';
import { denyAt, FakeHooks, hangAt, heldGates } from '../../session/fake-hooks.js';

/**
 * What RtmpSession uses of a net.Socket. Writes made while corked are held
 * and leave together at the last uncork (or at end), as Node does, so a test
 * sees what the client would receive and when.
 */
class FakeSocket extends EventEmitter {
  /** Bytes that left the socket, one entry per flush. */
  readonly flushed: Buffer[] = [];
  private held: Buffer[] = [];
  private corks = 0;
  destroyed = false;
  ended = false;
  paused = false;
  noDelay = false;
  bytesWritten = 0;
  writableLength = 0;
  writable = true;

  setNoDelay(noDelay = true): this {
    this.noDelay = noDelay;
    return this;
  }
  cork(): void {
    this.corks++;
  }
  uncork(): void {
    if (this.corks === 0) return;
    this.corks--;
    if (this.corks === 0) this.flush();
  }
  write(bytes: Buffer): boolean {
    if (this.ended || this.destroyed) throw new Error('write after end');
    this.bytesWritten += bytes.length;
    this.held.push(bytes);
    if (this.corks === 0) this.flush();
    return true;
  }
  end(bytes?: Buffer): this {
    if (bytes !== undefined) this.write(bytes);
    // Writable.end uncorks.
    this.corks = 0;
    this.flush();
    this.ended = true;
    this.writable = false;
    return this;
  }
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    // What was still corked never leaves a destroyed socket.
    this.held = [];
    this.writable = false;
    setImmediate(() => this.emit('close', false));
    return this;
  }
  /** The client's bytes arrive. */
  receive(bytes: Buffer): void {
    this.emit('data', bytes);
  }
  private flush(): void {
    if (this.held.length === 0 || this.destroyed) return;
    this.flushed.push(Buffer.concat(this.held));
    this.held = [];
  }
}

/** The client end of one session: a handshake, chunked commands and media, and a parser of what came back. */
class Peer {
  readonly socket = new FakeSocket();
  private readonly writer = new ChunkWriter();
  private readonly reader = new WireReader();
  private parsedBytes = 0;
  private handshakeBytes = 0;

  handshake(): void {
    const hello = createClientHello(true, counterRandom(3));
    this.socket.receive(hello.c0c1);
    const s0s1s2 = Buffer.concat(this.socket.flushed);
    expect(s0s1s2.length).toBe(3073);
    this.handshakeBytes = s0s1s2.length;
    this.parsedBytes = s0s1s2.length;
    this.socket.receive(answerServerHello(s0s1s2, hello, counterRandom(9)).c2);
  }

  /** Sends messages on `csid` in one TCP read. */
  send(csid: number, ...messages: RtmpMessage[]): void {
    this.socket.receive(Buffer.concat(messages.map((message) => this.writer.encode(message, csid))));
  }

  connect(tcUrl = 'rtmp://127.0.0.1/live', pageUrl?: string): void {
    this.send(3, command(0, 'connect', 1, { app: 'live', tcUrl, objectEncoding: 0, ...(pageUrl === undefined ? {} : { pageUrl }) }));
  }

  /** ffmpeg's publish: releaseStream, FCPublish, createStream (each answered), then publish on stream 1. */
  publish(name = 'livestream'): void {
    this.send(3, command(0, 'releaseStream', 2, null, name), command(0, 'FCPublish', 3, null, name), command(0, 'createStream', 4, null));
    this.send(8, command(1, 'publish', 5, null, name, 'live'));
  }

  play(name = 'livestream'): void {
    this.send(3, command(0, 'createStream', 2, null));
    this.send(8, command(1, 'play', 3, null, name, -2000));
  }

  /** Everything received after the handshake, parsed. */
  messages(): ReceivedMessage[] {
    const all = Buffer.concat(this.socket.flushed);
    this.reader.feed(all.subarray(this.parsedBytes));
    this.parsedBytes = all.length;
    return this.reader.messages;
  }

  /** [name, code, description, level] of every onStatus / onFCPublish received. */
  statuses(): Array<[string, string, string, string]> {
    return this.messages()
      .filter((message) => message.typeId === 20)
      .map((message) => amfOf(message))
      .filter((values) => values[0] === 'onStatus' || values[0] === 'onFCPublish')
      .map((values) => {
        const info = values[3] as Record<string, AmfValue>;
        return [values[0] as string, info.code as string, info.description as string, (info.level as string | undefined) ?? ''];
      });
  }

  codes(): string[] {
    return this.statuses().map((status) => status[1]);
  }

  get received(): number {
    return Buffer.concat(this.socket.flushed).length - this.handshakeBytes;
  }
}

interface World {
  hooks: FakeHooks;
  hub: Hub;
  registry: ClientRegistry;
  open(): { peer: Peer; session: RtmpSession; client: Client };
}

const sessions: RtmpSession[] = [];
afterEach(() => {
  for (const session of sessions.splice(0)) session.close('server_shutdown', 'test over');
});

function world(config: Config = makeConfig({ vhosts: [{ ...makeVhost('__defaultVhost__'), minLatency: true }] })): World {
  const hooks = new FakeHooks();
  const hub = new Hub();
  const registry = new ClientRegistry();
  const lifecycle = { getConfig: () => config, hub, hooks, registry, logger: pino({ level: 'silent' }) };
  const context: RtmpSessionContext = {
    getConfig: () => config,
    limits: {},
    timeouts: { ...DEFAULT_SESSION_TIMEOUTS, lingerMs: 5 },
    playerLimits: DEFAULT_PLAYER_LIMITS,
    pid: 4242,
  };
  let conns = 0;
  return {
    hooks,
    hub,
    registry,
    open() {
      const peer = new Peer();
      let session: RtmpSession | undefined;
      const client = new Client(
        lifecycle,
        {
          protocol: 'rtmp',
          connId: `c${String(++conns).padStart(6, '0')}`,
          ip: '10.0.0.7',
          port: 40000 + conns,
          serverIp: '10.0.0.1',
          serverPort: 1935,
          bytes: () => session?.bytes() ?? { sendBytes: 0, recvBytes: 0 },
          closeWire: (reason, detail) => session?.closeWire(reason, detail),
        },
        registry.newId(),
      );
      session = new RtmpSession(peer.socket as unknown as Socket, context, client);
      session.start();
      sessions.push(session);
      return { peer, session, client };
    },
  };
}

const KEY = Hub.keyOf('__defaultVhost__', 'live', 'livestream');
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const video = (timestamp: number, key = true): RtmpMessage => ({ typeId: 9, timestamp, streamId: 1, payload: Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0, 0xaa]) });

describe('RtmpSession: handshake and connect', () => {
  it('the handshake completes -> accept; nothing else yet', () => {
    const w = world();
    const { peer, session, client } = w.open();
    expect(peer.socket.noDelay).toBe(true);
    expect(session.phase).toBe('handshake');
    expect(w.hooks.events).toEqual([]);
    peer.handshake();
    expect(session.phase).toBe('connecting');
    expect(w.hooks.typesOf(client)).toEqual(['accept']);
    expect(w.hooks.events[0]).toMatchObject({ seq: 1, ip: '10.0.0.7', protocol: 'rtmp' });
  });

  it("connect -> WindowAckSize, SetPeerBandwidth, SetChunkSize, _result (Connect.Success), onBWDone; on_connect waits for publish/play (SRS)", () => {
    const w = world();
    const { peer, session, client } = w.open();
    peer.handshake();
    peer.connect('rtmp://127.0.0.1/live?token=abc');
    const messages = peer.messages();
    expect(messages.map((message) => message.typeId)).toEqual([5, 6, 1, 20, 20]);
    expect(messages[2]?.payload.readUInt32BE(0)).toBe(60000);
    const result = amfOf(messages[3] as ReceivedMessage);
    expect(result.slice(0, 2)).toEqual(['_result', 1]);
    expect(result[3]).toMatchObject({ level: 'status', code: 'NetConnection.Connect.Success' });
    expect(amfOf(messages[4] as ReceivedMessage)[0]).toBe('onBWDone');
    expect(session.phase).toBe('identifying');
    expect(client.facts).toMatchObject({ tcUrl: 'rtmp://127.0.0.1/live?token=abc', app: 'live', param: '?token=abc' });
    expect(w.hooks.asked).toEqual([]);
    expect(w.hooks.typesOf(client)).toEqual(['accept']);
  });
});

describe('RtmpSession: publish', () => {
  it('NetStream.Publish.Start is written after the gates resolve, not before; the socket is paused meanwhile', async () => {
    const w = world();
    const gates = heldGates();
    w.hooks.answer = gates.answer;
    const { peer, session, client } = w.open();
    peer.handshake();
    peer.connect();
    peer.publish();
    expect(session.phase).toBe('admitting');
    expect(peer.socket.paused).toBe(true);
    expect(gates.held.map((gate) => gate.event.type)).toEqual(['connect']);
    expect(peer.codes()).toEqual([]);

    gates.held[0]?.resolve(ALLOW);
    await settle();
    expect(gates.held.map((gate) => gate.event.type)).toEqual(['connect', 'publish']);
    expect(peer.codes()).toEqual([]);
    expect(w.hub.isBusy(KEY)).toBe(false);

    gates.held[1]?.resolve(ALLOW);
    await settle();
    expect(session.phase).toBe('publishing');
    expect(peer.socket.paused).toBe(false);
    // onFCPublish was held (corked) with the verdict and leaves in the same write as the status.
    expect(peer.statuses()).toEqual([
      ['onFCPublish', 'NetStream.Publish.Start', 'Started publishing stream.', ''],
      ['onStatus', 'NetStream.Publish.Start', 'Started publishing stream.', 'status'],
    ]);
    expect(w.hub.isBusy(KEY)).toBe(true);
    expect(w.hooks.typesOf(client)).toEqual(['accept', 'connect', 'publish']);
    expect(w.hooks.events.at(-1)).toMatchObject({ clientType: 'fmle-publish', publishType: 'live', stream: 'livestream' });
  });

  it('a denied publish: onStatus NetStream.Publish.BadName (level error) with the description, then the socket ends', async () => {
    const w = world();
    w.hooks.answer = denyAt('publish', 'on_publish denied: bad token');
    const { peer, session, client } = w.open();
    peer.handshake();
    peer.connect();
    peer.publish();
    await settle();
    expect(peer.statuses().at(-1)).toEqual(['onStatus', 'NetStream.Publish.BadName', 'on_publish denied: bad token', 'error']);
    // onFCPublish went out with the verdict (it carries Publish.Start, as SRS), but no onStatus Publish.Start did.
    expect(peer.statuses().filter((status) => status[0] === 'onStatus')).toEqual([['onStatus', 'NetStream.Publish.BadName', 'on_publish denied: bad token', 'error']]);
    expect(peer.socket.ended).toBe(true);
    expect(session.phase).toBe('closed');
    expect(w.hub.isBusy(KEY)).toBe(false);
    const closes = w.hooks.events.filter((event) => event.type === 'close');
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ reason: 'rejected', detail: 'on_publish denied: bad token' });
    expect(w.hooks.typesOf(client)).toEqual(['accept', 'connect', 'close']);
    // The half-closed socket is destroyed after the linger, and its close adds nothing.
    await waitFor('linger destroy', () => peer.socket.destroyed);
    await settle();
    expect(w.hooks.typesOf(client)).toEqual(['accept', 'connect', 'close']);
  });

  it('a denied on_connect: onStatus NetConnection.Connect.Rejected, no publish gate', async () => {
    const w = world();
    w.hooks.answer = denyAt('connect', 'on_connect denied');
    const { peer, client } = w.open();
    peer.handshake();
    peer.connect();
    peer.publish();
    await settle();
    expect(peer.statuses().at(-1)).toEqual(['onStatus', 'NetConnection.Connect.Rejected', 'on_connect denied', 'error']);
    expect(w.hooks.askedOf(client)).toEqual(['connect']);
    expect(peer.socket.ended).toBe(true);
  });

  it('a busy stream: BadName naming the stream, close reason busy', async () => {
    const w = world();
    const first = w.open();
    first.peer.handshake();
    first.peer.connect();
    first.peer.publish();
    await settle();
    expect(first.session.phase).toBe('publishing');
    const second = w.open();
    second.peer.handshake();
    second.peer.connect();
    second.peer.publish();
    await settle();
    expect(second.peer.statuses().at(-1)).toEqual(['onStatus', 'NetStream.Publish.BadName', 'stream /live/livestream is busy', 'error']);
    expect(w.hooks.events.filter((event) => event.clientId === second.client.id && event.type === 'close')[0]?.reason).toBe('busy');
    expect(first.session.phase).toBe('publishing');
  });

  it.each(['connect', 'publish'])('a gate that hangs at on_%s while the socket closes: the gate is aborted, no status written, close once', async (at) => {
    const w = world();
    w.hooks.answer = hangAt(at);
    const { peer, session, client } = w.open();
    peer.handshake();
    peer.connect();
    peer.publish();
    await settle();
    expect(session.phase).toBe('admitting');
    const received = peer.received;
    const signal = w.hooks.signals.at(-1) as AbortSignal;
    peer.socket.emit('close', false);
    expect(signal.aborted).toBe(true);
    await settle();
    expect(session.phase).toBe('closed');
    expect(peer.received).toBe(received);
    expect(peer.codes()).toEqual([]);
    expect(peer.socket.ended).toBe(false);
    expect(w.hub.get(KEY)).toBeUndefined();
    const types = at === 'connect' ? ['accept', 'close'] : ['accept', 'connect', 'close'];
    expect(w.hooks.typesOf(client)).toEqual(types);
    expect(w.hooks.events.at(-1)).toMatchObject({ reason: 'client_close' });
    // The destroy's own close event changes nothing.
    await settle();
    expect(w.hooks.typesOf(client)).toEqual(types);
    expect(w.registry.size).toBe(0);
  });

  it('events that arrive during admission are processed after it, in order (same read and later reads)', async () => {
    const w = world();
    const gates = heldGates();
    w.hooks.answer = gates.answer;
    const { peer, session } = w.open();
    peer.handshake();
    peer.connect();
    peer.send(3, command(0, 'releaseStream', 2, null, 'livestream'), command(0, 'FCPublish', 3, null, 'livestream'), command(0, 'createStream', 4, null));
    // The publish and a first video message in one read...
    peer.send(8, command(1, 'publish', 5, null, 'livestream', 'live'), video(0));
    // ...and two more reads while the gates wait.
    peer.send(6, video(40, false));
    peer.send(6, video(80, false));
    expect(session.phase).toBe('admitting');
    for (let i = 0; i < 2; i++) {
      await settle();
      gates.held[i]?.resolve(ALLOW);
    }
    await settle();
    expect(session.phase).toBe('publishing');
    const stream = w.hub.get(KEY);
    expect(stream?.counters.frames).toBe(3);

    // A player on the same hub gets them from the GOP cache, in order, after its own gate.
    gates.held.length = 0;
    w.hooks.answer = () => Promise.resolve(ALLOW);
    const viewer = w.open();
    viewer.peer.handshake();
    viewer.peer.connect();
    viewer.peer.play();
    await settle();
    expect(viewer.session.phase).toBe('playing');
    expect(viewer.peer.codes()).toEqual(['NetStream.Play.Reset', 'NetStream.Play.Start']);
    expect(
      viewer.peer
        .messages()
        .filter((message) => message.typeId === 9)
        .map((message) => message.timestamp),
    ).toEqual([0, 40, 80]);
  });

  it('FCUnpublish ends the lease (unpublish) and the connection may publish again without a second on_connect', async () => {
    const w = world();
    const { peer, session, client } = w.open();
    peer.handshake();
    peer.connect();
    peer.publish();
    await settle();
    peer.send(3, command(0, 'FCUnpublish', 6, null, 'livestream'));
    expect(session.phase).toBe('identifying');
    expect(w.hub.isBusy(KEY)).toBe(false);
    peer.send(3, command(0, 'releaseStream', 7, null, 'again'), command(0, 'FCPublish', 8, null, 'again'));
    peer.send(8, command(1, 'publish', 9, null, 'again', 'live'));
    await settle();
    expect(session.phase).toBe('publishing');
    expect(w.hooks.askedOf(client)).toEqual(['connect', 'publish', 'publish']);
    expect(w.hooks.typesOf(client)).toEqual(['accept', 'connect', 'publish', 'unpublish', 'publish']);
  });
});

describe('RtmpSession: play', () => {
  it('NetStream.Play.Start only after on_play passed; a denied play is NetStream.Play.Failed', async () => {
    const w = world();
    const gates = heldGates();
    w.hooks.answer = gates.answer;
    const { peer, session } = w.open();
    peer.handshake();
    peer.connect();
    peer.play();
    gates.held[0]?.resolve(ALLOW);
    await settle();
    expect(gates.held.map((gate) => gate.event.type)).toEqual(['connect', 'play']);
    expect(peer.codes()).toEqual([]);
    gates.held[1]?.resolve(ALLOW);
    await settle();
    expect(session.phase).toBe('playing');
    expect(peer.codes()).toEqual(['NetStream.Play.Reset', 'NetStream.Play.Start']);

    w.hooks.answer = denyAt('play', 'on_play denied');
    const refused = w.open();
    refused.peer.handshake();
    refused.peer.connect();
    refused.peer.play();
    await settle();
    expect(refused.peer.statuses().at(-1)).toEqual(['onStatus', 'NetStream.Play.Failed', 'on_play denied', 'error']);
    expect(refused.peer.socket.ended).toBe(true);
  });

  it('a player closed by its socket ends with stop then close, once', async () => {
    const w = world();
    const { peer, client } = w.open();
    peer.handshake();
    peer.connect();
    peer.play();
    await settle();
    peer.socket.emit('close', false);
    peer.socket.emit('error', new Error('ECONNRESET'));
    await settle();
    expect(w.hooks.typesOf(client)).toEqual(['accept', 'connect', 'play', 'stop', 'close']);
    expect(w.hub.get(KEY)).toBeUndefined();
  });
});

describe('RtmpSession: bad input', () => {
  it('a broken handshake closes the session with an error', async () => {
    const w = world();
    const { peer, session, client } = w.open();
    peer.socket.receive(Buffer.from([0x09, ...Buffer.alloc(1536)]));
    await settle();
    expect(session.phase).toBe('closed');
    expect(peer.socket.destroyed).toBe(true);
    // Never accepted: no event at all.
    expect(w.hooks.typesOf(client)).toEqual([]);
  });
});
