import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HookExecutor } from '../../../../src/hooks/executor.js';
import { HookDispatcher } from '../../../../src/hooks/dispatcher.js';
import { HandlerList } from '../../../../src/hooks/handlers/handler-list.js';
import { HandlerSystem } from '../../../../src/hooks/handlers/handler-system.js';
import type { PublishSite } from '../../../../src/hooks/handlers/types.js';
import type { GateSink } from '../../../../src/hooks/events.js';
import { Stream } from '../../../../src/core/stream.js';
import { audio, inter, key, packet } from '../../core/helpers.js';
import { makeEvent } from '../helpers.js';

const silent = pino({ level: 'silent' });

function system(options: { timeoutMs?: number; onAuthorizerFailure?: 'deny' | 'allow' } = {}): { handlers: HandlerSystem; closed: Array<[string, string]>; executor: HookExecutor } {
  const closed: Array<[string, string]> = [];
  const executor = new HookExecutor(() => ({ concurrency: 4, queueSize: 100 }));
  const handlers = new HandlerSystem({ logger: silent, executor, closeClient: (id, detail) => closed.push([id, detail]), timeoutMs: options.timeoutMs ?? 100, ...(options.onAuthorizerFailure === undefined ? {} : { onAuthorizerFailure: options.onAuthorizerFailure }) });
  return { handlers, closed, executor };
}

const abort = (): AbortSignal => new AbortController().signal;

describe('HandlerList', () => {
  it('orders ascending, ties in registration order, and unregisters once', () => {
    const list = new HandlerList<string>();
    const offB = list.add('b', 1);
    list.add('a', 0);
    list.add('c', 1);
    list.add('z', -5);
    expect(list.items).toEqual(['z', 'a', 'b', 'c']);
    const before = list.items;
    offB();
    offB();
    expect(list.items).toEqual(['z', 'a', 'c']);
    // A snapshot handed out before a change is not mutated under its reader.
    expect(before).toEqual(['z', 'a', 'b', 'c']);
  });
});

describe('HandlerSystem: authorizers', () => {
  it('runs in order; the first deny wins with its reason; renames chain into the next authorizer', async () => {
    const { handlers } = system();
    const seen: string[] = [];
    handlers.addAuthorizer({ order: 2, authorizePublish: (_ctx, r) => (seen.push(`second:${r.stream}`), { allow: false, reason: 'nope' }) });
    handlers.addAuthorizer({ order: 1, authorizePublish: (_ctx, r) => (seen.push(`first:${r.stream}`), { allow: true, stream: 'renamed', maxDurationSec: 9 }) });
    handlers.addAuthorizer({ order: 3, authorizePublish: () => (seen.push('third'), { allow: true }) });
    const verdict = await handlers.gate(makeEvent({ type: 'publish', stream: 'orig' }), abort());
    expect(verdict).toEqual({ allow: false, hook: 'authorizer', reason: 'nope' });
    expect(seen).toEqual(['first:orig', 'second:renamed']);
  });

  it('returns the merged control of the allows', async () => {
    const { handlers } = system();
    handlers.addAuthorizer({ authorizePlay: () => ({ allow: true, stream: 's2' }) });
    handlers.addAuthorizer({ authorizePlay: async () => ({ allow: true, maxDurationSec: 3 }) });
    expect(await handlers.gate(makeEvent({ type: 'play' }), abort())).toEqual({ allow: true, control: { stream: 's2', maxDurationSec: 3 } });
    expect(handlers.wantsGate(makeEvent({ type: 'publish' }))).toBe(false);
    expect(handlers.wantsGate(makeEvent({ type: 'play' }))).toBe(true);
  });

  it('a throw, a rejection or a hang denies by default and allows when configured', async () => {
    for (const authorizePublish of [
      () => {
        throw new Error('x');
      },
      () => Promise.reject(new Error('y')),
      () => new Promise<never>(() => undefined),
      () => undefined as never,
    ]) {
      const closed = system();
      closed.handlers.addAuthorizer({ authorizePublish });
      expect(await closed.handlers.gate(makeEvent({ type: 'publish' }), abort())).toMatchObject({ allow: false });
    }
    const open = system({ onAuthorizerFailure: 'allow' });
    open.handlers.addAuthorizer({ authorizePublish: () => Promise.reject(new Error('down')) });
    expect(await open.handlers.gate(makeEvent({ type: 'publish' }), abort())).toEqual({ allow: true });
  });

  it('the dispatcher shows a gate sink\'s rename to the gates after it and merges control', async () => {
    const asked: string[] = [];
    const first: GateSink = { name: 'a', gate: async () => ({ allow: true, control: { stream: 'b', redirect: 'rtmp://h/x/y' } }) };
    const second: GateSink = { name: 'b', gate: async (event) => (asked.push(`${event.stream} ${event.streamUrl}`), { allow: true, control: { maxDurationSec: 1 } }) };
    const dispatcher = new HookDispatcher([first, second], [], silent);
    const verdict = await dispatcher.gate(makeEvent({ type: 'publish', stream: 'a', streamUrl: '/live/a' }), abort());
    expect(asked).toEqual(['b /live/b']);
    expect(verdict).toEqual({ allow: true, control: { stream: 'b', redirect: 'rtmp://h/x/y', maxDurationSec: 1 } });
  });
});

describe('HandlerSystem: notifications', () => {
  it('calls in order per client, one state bag per client, disconnect deferred and idempotent', async () => {
    const { handlers, closed, executor } = system();
    const calls: string[] = [];
    const bags = new Set<unknown>();
    handlers.addConnectionHandler({
      onCreated: (ctx) => void (calls.push('created'), bags.add(ctx.state), ctx.state.set('k', 1)),
      onHandshakeComplete: async (ctx) => {
        calls.push('handshake');
        bags.add(ctx.state);
        ctx.client.disconnect('why');
        ctx.client.disconnect('again');
        // Deferred: nothing closed while the handler runs.
        expect(closed).toEqual([]);
      },
      onDisposed: (ctx, close) => void (calls.push(`disposed ${close.reason} ${String(ctx.state.get('k'))}`), bags.add(ctx.state)),
    });
    handlers.clientCreated(() => makeEvent({ type: 'accept', clientId: 'c1' }));
    handlers.notify(makeEvent({ type: 'accept', clientId: 'c1' }));
    handlers.notify(makeEvent({ type: 'close', clientId: 'c1', reason: 'kicked' }));
    await executor.drain(1_000);
    expect(calls).toEqual(['created', 'handshake', 'disposed kicked 1']);
    expect(bags.size).toBe(1);
    expect(closed).toEqual([['c1', 'why']]);
  });

  it('aborts the signal of a call past its timeout and when the client goes; a hung handler does not block the next', async () => {
    const { handlers, executor } = system({ timeoutMs: 50 });
    const signals: AbortSignal[] = [];
    const order: string[] = [];
    handlers.addStreamHandler({ order: 0, onPublished: (ctx) => (signals.push(ctx.signal), new Promise<void>(() => undefined)) });
    handlers.addStreamHandler({ order: 1, onPublished: () => void order.push('next') });
    handlers.addStreamHandler({ order: 2, onUnpublished: (ctx) => void signals.push(ctx.signal) });
    handlers.notify(makeEvent({ type: 'publish', clientId: 'c2' }));
    await executor.drain(1_000);
    expect(order).toEqual(['next']);
    expect(signals[0]?.aborted).toBe(true);
    handlers.notify(makeEvent({ type: 'unpublish', clientId: 'c2' }));
    await executor.drain(1_000);
    expect(signals[1]?.aborted).toBe(false);
    handlers.notify(makeEvent({ type: 'close', clientId: 'c2' }));
    expect(signals[1]?.aborted).toBe(true);
  });

  it('keeps nothing per client when no handler is registered', () => {
    const { handlers } = system();
    let built = 0;
    handlers.clientCreated(() => (built++, makeEvent({ type: 'accept', clientId: 'c3' })));
    expect(built).toBe(0);
    handlers.notify(makeEvent({ type: 'accept', clientId: 'c3' }));
    expect((handlers as unknown as { clients: Map<string, unknown> }).clients.size).toBe(0);
  });
});

describe('HandlerSystem: media and cache taps', () => {
  function site(stream: Stream): PublishSite {
    return { stream, interceptor: undefined };
  }
  const owner = { clientId: 'pub', vhost: '__defaultVhost__', app: 'live', stream: 's' };

  it('wires a live publish only while an interceptor is registered', () => {
    const { handlers } = system();
    const stream = new Stream('k', { gopCache: true, gopCacheMaxFrames: 0, batchWindowMs: 0, statId: 'vid-1' });
    const s = site(stream);
    const detach = handlers.attach(s, owner);
    expect(s.interceptor).toBeUndefined();
    const off = handlers.addMediaInterceptor({ onMedia: () => undefined });
    expect(s.interceptor).toBeDefined();
    off();
    expect(s.interceptor).toBeUndefined();
    handlers.addMediaInterceptor({ onMedia: () => undefined });
    detach();
    expect(s.interceptor).toBeUndefined();
  });

  it('drops only data messages, sees flags, and the cache calls mirror the GOP cache', () => {
    const { handlers } = system();
    const stream = new Stream('k', { gopCache: true, gopCacheMaxFrames: 0, batchWindowMs: 0, statId: 'vid-1' });
    stream.startPublish({ clientId: 'pub' }, { gopCache: true, gopCacheMaxFrames: 0, batchWindowMs: 0, statId: 'vid-1' });
    const s = site(stream);
    handlers.attach(s, owner);
    const kinds: string[] = [];
    handlers.addMediaInterceptor({ onMedia: (info) => (kinds.push(`${info.kind}${info.isKeyframe ? '!' : ''}${info.isSequenceHeader ? 'h' : ''}`), 'drop') });
    let mirror: unknown[] = [];
    const headers: string[] = [];
    handlers.addCacheInterceptor({ onGopFrame: (_i, p) => void mirror.push(p), onGopCleared: () => void (mirror = []), onSequenceHeader: (i) => void headers.push(i.kind) });
    const feed = [packet('video', 0, { isSequenceHeader: true }), packet('audio', 0, { isSequenceHeader: true }), packet('data', 0, { isMetadata: true }), key(0), inter(40), audio(41), key(80), inter(120)];
    for (const p of feed) if (s.interceptor === undefined || s.interceptor(p)) stream.publish(p);
    expect(kinds).toEqual(['videoh', 'audioh', 'data', 'video!', 'video', 'audio', 'video!', 'video']);
    expect(stream.cachedMetadata).toBeUndefined();
    expect(headers).toEqual(['video', 'audio']);
    const gop = (stream as unknown as { gop: { snapshot(): readonly { payload: Buffer }[] } }).gop.snapshot();
    expect(mirror).toEqual(gop.map((p) => p.payload));
    expect(mirror).toHaveLength(2);
  });

  it('an interceptor that throws is switched off for the publish; the others and the packet go on', () => {
    const { handlers } = system();
    const stream = new Stream('k', { gopCache: false, gopCacheMaxFrames: 0, batchWindowMs: 0, statId: 'vid-1' });
    const s = site(stream);
    handlers.attach(s, owner);
    let throws = 0;
    let seen = 0;
    handlers.addMediaInterceptor({
      onMedia: () => {
        throws++;
        throw new Error('bad');
      },
    });
    handlers.addMediaInterceptor({ onMedia: () => void seen++ });
    expect(s.interceptor!(key(0))).toBe(true);
    expect(s.interceptor!(inter(40))).toBe(true);
    expect([throws, seen]).toEqual([1, 2]);
  });
});

describe('HandlerSystem: a client that never got past its hello', () => {
  it('gets onDisposed after onCreated, and its record is dropped', async () => {
    const { handlers, executor } = system();
    const calls: string[] = [];
    handlers.addConnectionHandler({ onCreated: () => void calls.push('created'), onDisposed: (_ctx, close) => void calls.push(`disposed ${close.reason}`) });
    handlers.clientCreated(() => makeEvent({ type: 'accept', clientId: 'h1' }));
    handlers.clientDiscarded(() => makeEvent({ type: 'close', clientId: 'h1', reason: 'timeout', detail: 'handshake timeout' }));
    await executor.drain(1_000);
    expect(calls).toEqual(['created', 'disposed timeout']);
    expect((handlers as unknown as { clients: Map<string, unknown> }).clients.size).toBe(0);
  });
});
