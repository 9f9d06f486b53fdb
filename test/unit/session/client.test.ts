import { pino } from 'pino';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config, VhostConfig } from '../../../src/config/schema.js';
import { Hub } from '../../../src/core/hub.js';
import type { Stream } from '../../../src/core/stream.js';
import { ALLOW, type ClientProtocol, type CloseReason, type SessionEvent } from '../../../src/hooks/events.js';
import type { MediaPacket } from '../../../src/media/packet.js';
import { Client, type Admission, type Lease, type LeasePlayer, type LifecycleContext, type PlayIntent, type PublishIntent, type StreamRequest } from '../../../src/session/client.js';
import { ClientRegistry } from '../../../src/session/client-registry.js';
import { makeConfig, makeVhost } from '../hooks/helpers.js';
import { denyAt, FakeHooks, hangAt } from './fake-hooks.js';

/** Client ids the registry draws, when a test queues some; otherwise the real random ones. */
const forcedIds = vi.hoisted(() => [] as string[]);
vi.mock('../../../src/core/ids.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/core/ids.js')>();
  return { ...original, randomClientId: () => forcedIds.shift() ?? original.randomClientId() };
});

interface Harness {
  hooks: FakeHooks;
  hub: Hub;
  registry: ClientRegistry;
  config: Config;
  ctx: LifecycleContext;
  wireCloses: Array<{ id: string; reason: CloseReason; detail: string }>;
  open(protocol?: ClientProtocol, ip?: string): Client;
}

function harness(config: Config = makeConfig()): Harness {
  const hooks = new FakeHooks();
  const hub = new Hub();
  const registry = new ClientRegistry();
  const wireCloses: Harness['wireCloses'] = [];
  const ctx: LifecycleContext = { getConfig: () => config, hub, hooks, registry, logger: pino({ level: 'silent' }) };
  let connIds = 0;
  return {
    hooks,
    hub,
    registry,
    config,
    ctx,
    wireCloses,
    open(protocol = 'rtmp', ip = '10.1.2.3') {
      const id = registry.newId();
      const client = new Client(
        ctx,
        {
          protocol,
          connId: `c${String(++connIds).padStart(6, '0')}`,
          ip,
          port: 50000 + connIds,
          serverIp: '127.0.0.1',
          serverPort: 1935,
          bytes: () => ({ sendBytes: 0, recvBytes: 0 }),
          closeWire: (reason, detail) => wireCloses.push({ id, reason, detail }),
        },
        id,
      );
      client.accept();
      if (protocol === 'rtmp') connectInfo(client);
      return client;
    },
  };
}

function connectInfo(client: Client, pageUrl = ''): void {
  client.setConnectInfo({ vhost: '127.0.0.1', app: 'live', param: '', tcUrl: 'rtmp://127.0.0.1/live', pageUrl });
}

const request = (overrides: Partial<StreamRequest> = {}): StreamRequest => ({ vhost: '127.0.0.1', app: 'live', stream: 'livestream', param: '', ...overrides });
const KEY = Hub.keyOf('__defaultVhost__', 'live', 'livestream');

/** A publish intent recording the lease it was started with. */
function publishIntent(onStarted: (lease: Lease) => void = () => undefined): PublishIntent & { started: (lease: Lease) => void } {
  return { kind: 'publish', clientType: 'fmle-publish', publishType: 'live', started: onStarted };
}

class FakePlayer implements LeasePlayer {
  readonly followsBatch = false;
  readonly pushed: MediaPacket[] = [];
  sentPackets = 0;
  dropped = 0;
  detachedCount = 0;
  push(packet: MediaPacket): void {
    this.pushed.push(packet);
  }
  flush(): void {}
  publisherLeft(): void {}
  publisherArrived(): void {}
  detached(): void {
    this.detachedCount++;
  }
}

function playIntent(players: FakePlayer[] = [], clientType: PlayIntent['clientType'] = 'rtmp-play'): PlayIntent {
  return {
    kind: 'play',
    clientType,
    createPlayer: (_stream: Stream, _vhost: VhostConfig) => {
      const player = new FakePlayer();
      players.push(player);
      return player;
    },
  };
}

function refusalOf(admission: Admission): { code: string; description: string; reason: CloseReason } {
  if (admission.ok) throw new Error('expected a refusal');
  return admission.refusal;
}

function leaseOf(admission: Admission): Lease {
  if (!admission.ok) throw new Error(`expected a lease, got ${admission.refusal.code}: ${admission.refusal.description}`);
  return admission.lease;
}

/** Lets pending promise callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Client lifecycle: an allowed publish', () => {
  it('emits accept, connect, publish numbered 1, 2, 3; lease.end -> unpublish; close -> close once with its reason', async () => {
    const h = harness();
    const client = h.open();
    let eventsAtStart = -1;
    const lease = leaseOf(await client.admit(publishIntent(() => (eventsAtStart = h.hooks.events.length)), request()));
    // The client is answered (Publish.Start) before the publish event goes out.
    expect(eventsAtStart).toBe(2);
    expect(h.hooks.events.map((event) => [event.type, event.seq])).toEqual([
      ['accept', 1],
      ['connect', 2],
      ['publish', 3],
    ]);
    // A gate sees the number its event takes if allowed.
    expect(h.hooks.asked.map((event) => [event.type, event.seq])).toEqual([
      ['connect', 2],
      ['publish', 3],
    ]);
    const publish = h.hooks.events[2] as SessionEvent;
    expect(publish).toMatchObject({ vhost: '__defaultVhost__', app: 'live', stream: 'livestream', streamUrl: '/live/livestream', clientType: 'fmle-publish', publishType: 'live' });
    expect(publish.streamId).toMatch(/^vid-[0-9a-z]{7}$/);
    expect(h.hub.isBusy(KEY)).toBe(true);
    expect(client.current).toBe(lease);

    expect(lease.end()).toBe(true);
    expect(lease.end()).toBe(false);
    expect(h.hub.isBusy(KEY)).toBe(false);
    expect(client.current).toBeUndefined();

    client.close('client_close', 'socket closed');
    client.close('error', 'again');
    expect(h.hooks.events.map((event) => [event.type, event.seq])).toEqual([
      ['accept', 1],
      ['connect', 2],
      ['publish', 3],
      ['unpublish', 4],
      ['close', 5],
    ]);
    expect(h.hooks.events[4]).toMatchObject({ reason: 'client_close', detail: 'socket closed' });
    expect(h.wireCloses).toEqual([{ id: client.id, reason: 'client_close', detail: 'socket closed' }]);
  });

  it('close with a lease in force ends it first: unpublish, then close', async () => {
    const h = harness();
    const client = h.open();
    leaseOf(await client.admit(publishIntent(), request()));
    client.close('kicked', 'bye');
    expect(h.hooks.typesOf(client)).toEqual(['accept', 'connect', 'publish', 'unpublish', 'close']);
    expect(h.hub.get(KEY)).toBeUndefined();
  });

  it('media through a publish lease reaches the stream; a play lease ignores it', async () => {
    const h = harness();
    const publisher = h.open();
    const lease = leaseOf(await publisher.admit(publishIntent(), request()));
    const viewer = h.open();
    const players: FakePlayer[] = [];
    const playLease = leaseOf(await viewer.admit(playIntent(players), request()));
    const packet: MediaPacket = { kind: 'video', timestamp: 0, payload: Buffer.from([0x17, 1]), isKeyframe: true, isSequenceHeader: false, isMetadata: false };
    lease.publish(packet);
    playLease.publish(packet);
    expect(lease.stream.counters.frames).toBe(1);
    expect(players[0]?.pushed).toEqual([packet]);
    lease.end();
    lease.publish(packet);
    expect(lease.stream.counters.frames).toBe(1);
  });
});

describe('Client lifecycle: gates', () => {
  it('deny at on_connect: connect_denied with the gate reason, no connect/publish event, close still once', async () => {
    const h = harness();
    h.hooks.answer = denyAt('connect', 'token expired');
    const client = h.open();
    const refusal = refusalOf(await client.admit(publishIntent(), request()));
    expect(refusal).toEqual({ code: 'connect_denied', description: 'token expired', reason: 'rejected' });
    expect(h.hooks.askedOf(client)).toEqual(['connect']);
    expect(h.hub.get(KEY)).toBeUndefined();
    client.close(refusal.reason, refusal.description);
    client.close(refusal.reason, refusal.description);
    expect(h.hooks.typesOf(client)).toEqual(['accept', 'close']);
    expect(h.hooks.events[1]).toMatchObject({ seq: 2, reason: 'rejected', detail: 'token expired' });
  });

  it("deny at on_publish: 'denied', the stream is not claimed", async () => {
    const h = harness();
    h.hooks.answer = denyAt('publish', 'no such token');
    const client = h.open();
    let started = false;
    const refusal = refusalOf(await client.admit(publishIntent(() => (started = true)), request()));
    expect(refusal).toEqual({ code: 'denied', description: 'no such token', reason: 'rejected' });
    expect(started).toBe(false);
    expect(h.hub.isBusy(KEY)).toBe(false);
    expect(h.hub.get(KEY)).toBeUndefined();
    expect(client.current).toBeUndefined();
    expect(h.hooks.typesOf(client)).toEqual(['accept', 'connect']);
  });

  it("deny at on_play: 'denied', no player created, no play event", async () => {
    const h = harness();
    h.hooks.answer = denyAt('play', 'nope');
    const client = h.open();
    const players: FakePlayer[] = [];
    expect(refusalOf(await client.admit(playIntent(players), request()))).toMatchObject({ code: 'denied', description: 'nope' });
    expect(players).toEqual([]);
    expect(h.hub.get(KEY)).toBeUndefined();
    expect(h.hooks.typesOf(client)).toEqual(['accept', 'connect']);
  });

  for (const at of ['connect', 'publish'] as const) {
    it(`a gate that hangs at on_${at}, then the client closes: the signal fires, admit resolves 'closed', no lease, close once`, async () => {
      const h = harness();
      h.hooks.answer = hangAt(at);
      const client = h.open();
      let started = false;
      const admitting = client.admit(publishIntent(() => (started = true)), request());
      await settle();
      expect(h.hooks.askedOf(client).at(-1)).toBe(at);
      const signal = h.hooks.signals.at(-1) as AbortSignal;
      expect(signal.aborted).toBe(false);

      client.close('client_close', 'socket closed');
      expect(signal.aborted).toBe(true);
      const refusal = refusalOf(await admitting);
      expect(refusal).toEqual({ code: 'closed', description: 'client closed', reason: 'client_close' });
      expect(started).toBe(false);
      expect(client.current).toBeUndefined();
      expect(h.hub.get(KEY)).toBeUndefined();
      expect(h.hooks.typesOf(client)).toEqual(at === 'connect' ? ['accept', 'close'] : ['accept', 'connect', 'close']);
      expect(h.wireCloses).toHaveLength(1);
    });
  }

  it("a play gate that hangs, then the client closes: 'closed', no player, no play or stop event", async () => {
    const h = harness();
    h.hooks.answer = hangAt('play');
    const client = h.open();
    const players: FakePlayer[] = [];
    const admitting = client.admit(playIntent(players), request());
    await settle();
    client.close('client_close', 'gone');
    expect(refusalOf(await admitting).code).toBe('closed');
    expect(players).toEqual([]);
    expect(h.hub.get(KEY)).toBeUndefined();
    expect(h.hooks.typesOf(client)).toEqual(['accept', 'connect', 'close']);
  });

  it('admit on a client already closed: refused as closed, no gate asked', async () => {
    const h = harness();
    const client = h.open();
    client.close('client_close', 'gone');
    expect(refusalOf(await client.admit(publishIntent(), request())).code).toBe('closed');
    expect(h.hooks.asked).toEqual([]);
    expect(h.hub.get(KEY)).toBeUndefined();
    expect(h.hooks.typesOf(client)).toEqual(['accept', 'close']);
  });

  it("a busy stream is refused 'busy' before its on_publish gate is asked", async () => {
    const h = harness();
    const first = h.open();
    leaseOf(await first.admit(publishIntent(), request()));
    const second = h.open();
    const refusal = refusalOf(await second.admit(publishIntent(), request()));
    expect(refusal).toEqual({ code: 'busy', description: 'stream /live/livestream is busy', reason: 'busy' });
    expect(h.hooks.askedOf(second)).toEqual(['connect']);
    expect(h.hooks.typesOf(second)).toEqual(['accept', 'connect']);
    expect(h.hub.get(KEY)?.publisher).toBeDefined();
  });

  it("a stream claimed while the on_publish gate waited is refused 'busy' after it", async () => {
    const h = harness();
    const pending: Array<() => void> = [];
    h.hooks.answer = (event) => (event.type === 'publish' ? new Promise((resolve) => pending.push(() => resolve(ALLOW))) : Promise.resolve(ALLOW));
    const a = h.open();
    const b = h.open();
    const admitA = a.admit(publishIntent(), request());
    const admitB = b.admit(publishIntent(), request());
    await settle();
    expect(pending).toHaveLength(2);
    for (const release of pending) release();
    const [resultA, resultB] = await Promise.all([admitA, admitB]);
    leaseOf(resultA);
    expect(refusalOf(resultB).code).toBe('busy');
    expect(h.hooks.typesOf(b)).toEqual(['accept', 'connect']);
  });

  it("a second publish or play on the same client while one is in force: 'active'", async () => {
    const h = harness();
    const client = h.open();
    leaseOf(await client.admit(publishIntent(), request()));
    expect(refusalOf(await client.admit(playIntent(), request({ stream: 'other' })))).toMatchObject({ code: 'active', reason: 'rejected' });
  });

  it('RTMP: after endLease a second publish/play asks on_connect no more and emits no second connect (SRS: once per connection)', async () => {
    const h = harness();
    const client = h.open();
    leaseOf(await client.admit(publishIntent(), request()));
    expect(client.endLease()).toBe(true);
    expect(client.endLease()).toBe(false);
    leaseOf(await client.admit(publishIntent(), request({ stream: 'again' })));
    client.endLease();
    leaseOf(await client.admit(playIntent(), request()));
    client.close('client_close', 'done');
    expect(h.hooks.askedOf(client)).toEqual(['connect', 'publish', 'publish', 'play']);
    expect(h.hooks.typesOf(client)).toEqual(['accept', 'connect', 'publish', 'unpublish', 'publish', 'unpublish', 'play', 'stop', 'close']);
    expect(h.hooks.events.filter((event) => event.clientId === client.id).map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('a gate sink that has nothing to do is skipped: no signal, the client is admitted', async () => {
    const h = harness();
    vi.spyOn(h.hooks, 'wantsGate').mockReturnValue(false);
    const gate = vi.spyOn(h.hooks, 'gate');
    const client = h.open();
    leaseOf(await client.admit(publishIntent(), request()));
    expect(gate).not.toHaveBeenCalled();
    expect(h.hooks.typesOf(client)).toEqual(['accept', 'connect', 'publish']);
  });
});

describe('Client lifecycle: HTTP clients', () => {
  it("'http-flv': no connect gate or event at all, play admitted, stop and close on close", async () => {
    const h = harness();
    const client = h.open('http-flv');
    const players: FakePlayer[] = [];
    const lease = leaseOf(await client.admit(playIntent(players, 'flv-play'), request({ tcUrl: 'rtmp://__defaultVhost__/live' })));
    expect(h.hooks.askedOf(client)).toEqual(['play']);
    expect(h.hooks.typesOf(client)).toEqual(['accept', 'play']);
    expect(h.hooks.events.at(-1)).toMatchObject({ seq: 2, protocol: 'http-flv', clientType: 'flv-play', tcUrl: 'rtmp://__defaultVhost__/live' });
    expect(client.type).toBe('flv-play');
    expect(h.hub.get(KEY)?.players.has(players[0] as FakePlayer)).toBe(true);
    expect(lease.attachedPlayer).toBe(players[0]);

    client.close('client_close', 'response closed');
    expect(h.hooks.typesOf(client)).toEqual(['accept', 'play', 'stop', 'close']);
    expect(players[0]?.detachedCount).toBe(1);
    expect(h.hub.get(KEY)).toBeUndefined();
  });

  it('an HTTP client never accepted emits nothing, even on close', () => {
    const h = harness();
    const client = new Client(
      h.ctx,
      { protocol: 'http-ts', connId: 'c1', ip: '1.2.3.4', port: 1, serverIp: '127.0.0.1', serverPort: 8080, bytes: () => ({ sendBytes: 0, recvBytes: 0 }), closeWire: () => undefined },
      h.registry.newId(),
    );
    client.close('client_close', 'x');
    expect(h.hooks.events).toEqual([]);
    expect(h.registry.size).toBe(0);
  });
});

describe('Client lifecycle: refusals before the gates', () => {
  it('vhost not found (no default vhost) and vhost disabled', async () => {
    const h = harness(makeConfig({ vhosts: [makeVhost('a.com'), { ...makeVhost('off.com'), enabled: false }] }));
    const client = h.open();
    expect(refusalOf(await client.admit(publishIntent(), request({ vhost: 'b.com' })))).toEqual({
      code: 'vhost_not_found',
      description: 'vhost b.com not found',
      reason: 'rejected',
    });
    expect(refusalOf(await client.admit(playIntent(), request({ vhost: 'off.com' })))).toEqual({
      code: 'vhost_disabled',
      description: 'vhost off.com disabled',
      reason: 'rejected',
    });
    expect(h.hooks.asked).toEqual([]);
    // A known vhost is admitted under its own name.
    leaseOf(await client.admit(publishIntent(), request({ vhost: 'a.com' })));
    expect(h.hooks.events.at(-1)).toMatchObject({ vhost: 'a.com', streamUrl: 'a.com/live/livestream' });
  });

  it('an empty stream name: empty_stream (after on_connect, before on_publish)', async () => {
    const h = harness();
    const client = h.open();
    expect(refusalOf(await client.admit(publishIntent(), request({ stream: '' })))).toMatchObject({ code: 'empty_stream', reason: 'rejected' });
    expect(h.hooks.askedOf(client)).toEqual(['connect']);
  });

  it('security: a deny rule for the ip refuses the publish; others and play pass', async () => {
    const rules = [
      { action: 'deny', method: 'publish', target: '10.1.0.0/16' },
      { action: 'allow', method: 'publish', target: 'all' },
      { action: 'allow', method: 'play', target: 'all' },
    ] as const;
    const vhost: VhostConfig = { ...makeVhost('__defaultVhost__'), security: { enabled: true, rules } };
    const h = harness(makeConfig({ vhosts: [vhost] }));
    const client = h.open('rtmp', '10.1.2.3');
    const refusal = refusalOf(await client.admit(publishIntent(), request()));
    expect(refusal).toEqual({ code: 'security', description: 'security: publish denied for 10.1.2.3', reason: 'rejected' });
    expect(h.hooks.askedOf(client)).toEqual(['connect']);
    const viewer = h.open('rtmp', '10.1.2.4');
    leaseOf(await viewer.admit(playIntent(), request()));
    const other = h.open('rtmp', '192.168.0.9');
    leaseOf(await other.admit(publishIntent(), request()));
  });

  it('refer: with `all` domains, a pageUrl of another domain is refused; one of the domain is admitted', async () => {
    const vhost: VhostConfig = { ...makeVhost('__defaultVhost__'), refer: { enabled: true, all: ['example.com'], publish: [], play: [] } };
    const h = harness(makeConfig({ vhosts: [vhost] }));
    const bad = h.open();
    connectInfo(bad, 'http://evil.org/player.html');
    expect(refusalOf(await bad.admit(playIntent(), request()))).toEqual({
      code: 'refer',
      description: 'refer: pageUrl http://evil.org/player.html not allowed',
      reason: 'rejected',
    });
    expect(h.hooks.askedOf(bad)).toEqual(['connect']);
    const none = h.open();
    expect(refusalOf(await none.admit(publishIntent(), request())).description).toBe('refer: empty pageUrl not allowed');
    const good = h.open();
    connectInfo(good, 'http://www.example.com:8080/live.html');
    leaseOf(await good.admit(playIntent(), request()));
    // An HTTP request's pageUrl (Referer) counts the same.
    const http = h.open('http-flv');
    expect(refusalOf(await http.admit(playIntent([], 'flv-play'), request({ pageUrl: 'https://other.net/' }))).code).toBe('refer');
  });
});

describe('ClientRegistry', () => {
  beforeEach(() => {
    forcedIds.length = 0;
  });

  it('ids are 8 chars of [0-9a-z] and unique among live clients', () => {
    const h = harness();
    const clients = Array.from({ length: 200 }, () => h.open());
    const ids = clients.map((client) => client.id);
    for (const id of ids) expect(id).toMatch(/^[0-9a-z]{8}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('newId draws again when the id is taken by a live client', () => {
    const h = harness();
    forcedIds.push('aaaaaaaa');
    const first = h.open();
    expect(first.id).toBe('aaaaaaaa');
    forcedIds.push('aaaaaaaa', 'aaaaaaaa', 'bbbbbbbb');
    expect(h.registry.newId()).toBe('bbbbbbbb');
    // Once the client left, its id may be drawn again.
    first.close('client_close', 'x');
    forcedIds.push('aaaaaaaa');
    expect(h.registry.newId()).toBe('aaaaaaaa');
  });

  it('lists in arrival order; a client is removed on close', () => {
    const h = harness();
    const a = h.open();
    const b = h.open('http-flv');
    const c = h.open('http-ts');
    expect(h.registry.list()).toEqual([a, b, c]);
    expect(h.registry.get(b.id)).toBe(b);
    b.close('client_close', 'x');
    expect(h.registry.list()).toEqual([a, c]);
    expect(h.registry.get(b.id)).toBeUndefined();
    expect(h.registry.size).toBe(2);
  });

  it("kick closes the client with reason 'kicked' through its ordinary teardown; unknown ids are false", async () => {
    const h = harness();
    const client = h.open();
    leaseOf(await client.admit(publishIntent(), request()));
    expect(h.registry.kick(client.id)).toBe(true);
    expect(h.registry.kick(client.id)).toBe(false);
    expect(h.registry.kick('zzzzzzzz')).toBe(false);
    expect(h.hooks.typesOf(client)).toEqual(['accept', 'connect', 'publish', 'unpublish', 'close']);
    expect(h.hooks.events.at(-1)).toMatchObject({ reason: 'kicked', detail: 'kicked by operator' });
    expect(h.wireCloses).toEqual([{ id: client.id, reason: 'kicked', detail: 'kicked by operator' }]);
    expect(h.registry.size).toBe(0);
    expect(h.hub.isBusy(KEY)).toBe(false);
  });

  it('closeAll closes every client once with the reason and empties the registry', async () => {
    const h = harness();
    const publisher = h.open();
    leaseOf(await publisher.admit(publishIntent(), request()));
    const viewer = h.open('http-flv');
    leaseOf(await viewer.admit(playIntent([], 'flv-play'), request()));
    const idle = h.open();
    h.registry.closeAll('server_shutdown', 'shutting down');
    expect(h.registry.size).toBe(0);
    const closes = h.hooks.events.filter((event) => event.type === 'close');
    expect(closes.map((event) => event.clientId)).toEqual([publisher.id, viewer.id, idle.id]);
    for (const close of closes) expect(close).toMatchObject({ reason: 'server_shutdown', detail: 'shutting down' });
    expect(h.hooks.typesOf(publisher)).toEqual(['accept', 'connect', 'publish', 'unpublish', 'close']);
    expect(h.hooks.typesOf(viewer)).toEqual(['accept', 'play', 'stop', 'close']);
    expect(h.hub.get(KEY)).toBeUndefined();
  });
});

describe('Client lifecycle: control from an allowing gate (issue 17)', () => {
  it('a rename moves the publish to the new stream name: hub key, facts and later events', async () => {
    const h = harness();
    h.hooks.answer = (event) => Promise.resolve(event.type === 'publish' ? { allow: true, control: { stream: 'renamed' } } : ALLOW);
    const client = h.open();
    const lease = leaseOf(await client.admit(publishIntent(), request()));
    expect(h.hub.isBusy(Hub.keyOf('__defaultVhost__', 'live', 'renamed'))).toBe(true);
    expect(h.hub.get(KEY)).toBeUndefined();
    expect(client.facts).toMatchObject({ stream: 'renamed', streamUrl: '/live/renamed' });
    lease.end();
    expect(h.hooks.events.filter((e) => e.type === 'publish' || e.type === 'unpublish').map((e) => e.stream)).toEqual(['renamed', 'renamed']);
  });

  it('a rename onto a stream someone publishes is busy', async () => {
    const h = harness();
    const first = h.open();
    leaseOf(await first.admit(publishIntent(), request({ stream: 'taken' })));
    h.hooks.answer = (event) => Promise.resolve(event.type === 'publish' ? { allow: true, control: { stream: 'taken' } } : ALLOW);
    const second = h.open();
    expect(refusalOf(await second.admit(publishIntent(), request()))).toMatchObject({ code: 'busy', reason: 'busy' });
  });

  it('a redirect (at connect or at publish/play) is a refusal carrying the URL', async () => {
    const h = harness();
    h.hooks.answer = (event) => Promise.resolve(event.type === 'play' ? { allow: true, control: { redirect: 'rtmp://other/live/s' } } : ALLOW);
    const client = h.open();
    expect(refusalOf(await client.admit(playIntent(), request()))).toEqual({ code: 'redirect', description: 'RTMP 302 Redirect', reason: 'rejected', redirect: 'rtmp://other/live/s' });
    const h2 = harness();
    h2.hooks.answer = (event) => Promise.resolve(event.type === 'connect' ? { allow: true, control: { redirect: 'rtmp://o/a/b' } } : ALLOW);
    const other = h2.open();
    expect(refusalOf(await other.admit(publishIntent(), request()))).toMatchObject({ code: 'redirect' });
    expect(h2.hooks.askedOf(other)).toEqual(['connect']);
  });

  it('max_duration ends the client with reason expired; an earlier end disarms it', async () => {
    vi.useFakeTimers();
    try {
      const h = harness();
      h.hooks.answer = (event) => Promise.resolve(event.type === 'connect' ? ALLOW : { allow: true, control: { maxDurationSec: 2 } });
      const client = h.open();
      leaseOf(await client.admit(publishIntent(), request()));
      const early = h.open();
      const lease = leaseOf(await early.admit(playIntent(), request()));
      lease.end();
      vi.advanceTimersByTime(2_000);
      expect(client.isClosed).toBe(true);
      expect(h.hooks.events.filter((e) => e.clientId === client.id).at(-1)).toMatchObject({ type: 'close', reason: 'expired', detail: 'max_duration 2 s reached' });
      expect(early.isClosed).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a rename is ignored for a client whose hub name differs from its hook name (an HLS viewer)', async () => {
    const h = harness();
    h.hooks.answer = () => Promise.resolve({ allow: true, control: { stream: 'x' } });
    const viewer = h.open('hls');
    leaseOf(await viewer.admit({ kind: 'play', clientType: 'hls-play' }, request({ stream: 'livestream.m3u8', hubStream: 'livestream' })));
    expect(viewer.facts.stream).toBe('livestream.m3u8');
  });
});
