/**
 * The typed in-process handler API (issue 15) on a real server with real
 * ffmpeg: every callback once and in the documented order for an RTMP
 * publisher, an RTMP player and an HTTP-FLV viewer; authorizers that deny
 * (ffmpeg prints the reason) and rename; the seed's PublishingTimeLimiter;
 * isolation of handlers that throw or hang; media and cache interceptors;
 * unregister; bad input. Waits for events, never for time.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Authorizer, CacheInterceptor, ConnectionHandler, HandlerContext, MediaInfo, NotifySink, SessionEvent, StreamHandler } from '../../src/index.js';
import type { Stream } from '../../src/core/stream.js';
import type { GopCache } from '../../src/core/gop-cache.js';
import { PublishingTimeLimiter } from '../../research/examples/publishing-time-limiter.js';
import { publishArgs, runFfmpeg, startCallbackServer, startTestServer, stopProcess, waitFor, type CallbackServer, type FfmpegRun, type TestServer } from './harness.js';

const HTTP_CONF = 'listen 0; http_server { enabled on; listen 0; } vhost __defaultVhost__ { play { mw_latency 100; } http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } }';

/** Plays `url` for `seconds` of media, copying, into nothing: what a viewer does. */
function playArgs(url: string, seconds: number): string[] {
  return ['-i', url, '-t', String(seconds), '-c', 'copy', '-f', 'null', '-'];
}

interface Call {
  readonly id: string;
  readonly name: string;
  readonly detail?: unknown;
}

describe('typed in-process handlers', () => {
  let server: TestServer | undefined;
  const runs: FfmpegRun[] = [];
  const closers: Array<() => Promise<void>> = [];

  afterEach(async () => {
    for (const run of runs.splice(0)) stopProcess(run.child);
    await server?.stop();
    server = undefined;
    for (const close of closers.splice(0)) await close();
  });

  it('fire every callback once, in the documented order, for an RTMP publisher, an RTMP player and an HTTP-FLV viewer', async () => {
    server = await startTestServer(HTTP_CONF);
    const calls: Call[] = [];
    const states = new Map<string, Map<string | symbol, unknown>>();
    const note = (ctx: HandlerContext, name: string, detail?: unknown): void => {
      calls.push({ id: ctx.client.id, name, detail });
      const seen = states.get(ctx.client.id);
      if (seen === undefined) states.set(ctx.client.id, ctx.state);
      // One bag per client from the first call to the last.
      else if (seen !== ctx.state) calls.push({ id: ctx.client.id, name: 'STATE BAG CHANGED' });
    };
    const connection: ConnectionHandler = {
      onCreated: (ctx) => note(ctx, 'created'),
      onHandshakeComplete: (ctx) => note(ctx, 'handshake'),
      onConnected: (ctx, command) => note(ctx, 'connected', { app: command.commandObject['app'], tcUrl: command.commandObject['tcUrl'] }),
      onDisposed: (ctx, close) => note(ctx, 'disposed', close.reason),
    };
    const streams: StreamHandler = {
      onPublished: (ctx, s) => note(ctx, 'published', s.streamPath),
      onUnpublished: (ctx, s) => note(ctx, 'unpublished', s.streamPath),
      onSubscribed: (ctx, s) => note(ctx, 'subscribed', s.streamPath),
      onUnsubscribed: (ctx, s) => note(ctx, 'unsubscribed', s.streamPath),
      onMetadata: (ctx, s, metadata) => note(ctx, 'metadata', { path: s.streamPath, width: metadata['width'] }),
    };
    const authorizer: Authorizer = {
      authorizeConnect: (ctx) => (note(ctx, 'authorizeConnect'), { allow: true }),
      authorizePublish: (ctx, r) => (note(ctx, 'authorizePublish', r.args['k']), { allow: true }),
      authorizePlay: (ctx) => (note(ctx, 'authorizePlay'), { allow: true }),
    };
    server.app.handlers.addConnectionHandler(connection);
    server.app.handlers.addStreamHandler(streams);
    server.app.handlers.addAuthorizer(authorizer);

    const publisher = runFfmpeg(publishArgs(server.url('live/order?k=v'), 6));
    runs.push(publisher);
    await waitFor('live', () => calls.some((c) => c.name === 'published'));
    const rtmpPlayer = runFfmpeg(playArgs(server.url('live/order'), 1));
    const flvPlayer = runFfmpeg(playArgs(server.httpUrl('live/order.flv'), 1));
    runs.push(rtmpPlayer, flvPlayer);
    expect(await rtmpPlayer.exited, rtmpPlayer.stderr()).toBe(0);
    expect(await flvPlayer.exited, flvPlayer.stderr()).toBe(0);
    expect(await publisher.exited, publisher.stderr()).toBe(0);
    await waitFor('three clients disposed', () => calls.filter((c) => c.name === 'disposed').length === 3);

    const publisherId = calls.find((c) => c.name === 'published')!.id;
    const subscribers = calls.filter((c) => c.name === 'subscribed').map((c) => c.id);
    expect(subscribers).toHaveLength(2);
    const rtmpId = subscribers.find((id) => calls.some((c) => c.id === id && c.name === 'connected'))!;
    const flvId = subscribers.find((id) => id !== rtmpId)!;
    const sequence = (id: string): string[] => calls.filter((c) => c.id === id).map((c) => c.name);
    const notified = (id: string): string[] => sequence(id).filter((name) => !name.startsWith('authorize'));
    const authorized = (id: string): string[] => sequence(id).filter((name) => name.startsWith('authorize'));

    expect(notified(publisherId)).toEqual(['created', 'handshake', 'connected', 'published', 'metadata', 'unpublished', 'disposed']);
    expect(authorized(publisherId)).toEqual(['authorizeConnect', 'authorizePublish']);
    expect(notified(rtmpId)).toEqual(['created', 'handshake', 'connected', 'subscribed', 'unsubscribed', 'disposed']);
    expect(authorized(rtmpId)).toEqual(['authorizeConnect', 'authorizePlay']);
    // HTTP has no connect command and no on_connect: no onConnected, no authorizeConnect.
    expect(notified(flvId)).toEqual(['created', 'handshake', 'subscribed', 'unsubscribed', 'disposed']);
    expect(authorized(flvId)).toEqual(['authorizePlay']);
    // Causal order: the gate runs before the client is answered, the notification after.
    const index = (id: string, name: string): number => calls.findIndex((c) => c.id === id && c.name === name);
    expect(index(publisherId, 'authorizePublish')).toBeLessThan(index(publisherId, 'published'));
    expect(index(rtmpId, 'authorizePlay')).toBeLessThan(index(rtmpId, 'subscribed'));
    expect(index(flvId, 'authorizePlay')).toBeLessThan(index(flvId, 'subscribed'));

    const detail = (id: string, name: string): unknown => calls.find((c) => c.id === id && c.name === name)?.detail;
    expect(detail(publisherId, 'connected')).toEqual({ app: 'live', tcUrl: `rtmp://127.0.0.1:${server.port}/live` });
    expect(detail(publisherId, 'authorizePublish')).toBe('v');
    expect(detail(publisherId, 'published')).toBe('/live/order');
    expect(detail(publisherId, 'metadata')).toEqual({ path: '/live/order', width: 320 });
    expect(detail(publisherId, 'disposed')).toBe('client_close');
    expect(calls.some((c) => c.name === 'STATE BAG CHANGED')).toBe(false);
  });

  it('deny a publish with a reason ffmpeg prints, and rename another so players find it under the new name', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { play { mw_latency 100; } }');
    server.app.handlers.addAuthorizer({
      authorizePublish: (_ctx, request) => {
        if (request.stream === 'blocked') return { allow: false, reason: 'publishing here needs a key' };
        if (request.stream === 'alias') return { allow: true, stream: 'real' };
        return { allow: true };
      },
    });
    const denied = runFfmpeg(publishArgs(server.url('live/blocked'), 3));
    runs.push(denied);
    expect(await denied.exited).not.toBe(0);
    expect(denied.stderr()).toContain('publishing here needs a key');

    const renamed = runFfmpeg(publishArgs(server.url('live/alias'), 5));
    runs.push(renamed);
    await waitFor('publish under the new name', () => server!.app.clients().some((c) => c.activity === 'publish' && c.stream === 'real'));
    const player = runFfmpeg(playArgs(server.url('live/real'), 1));
    runs.push(player);
    expect(await player.exited, player.stderr()).toBe(0);
    expect(player.stderr()).toMatch(/Video: h264/);
  });

  it('the PublishingTimeLimiter example disconnects a publisher; every sink sees the close with its reason', async () => {
    const stdout: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        stdout.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
        callback();
      },
    });
    const legacy: SessionEvent[] = [];
    const legacySink: NotifySink = { name: 'legacy', notify: (event) => legacy.push(event) };
    const srs: CallbackServer = await startCallbackServer();
    closers.push(srs.close);
    server = await startTestServer(`listen 0; hooks { stdio_format json; } vhost __defaultVhost__ { http_hooks { enabled on; on_close ${srs.url('/close')}; on_unpublish ${srs.url('/unpublish')}; } }`, {
      handlers: [legacySink],
      stdout: out,
    });
    const limiter = new PublishingTimeLimiter(server.app, { limitSeconds: 1 });
    server.app.handlers.addStreamHandler(limiter);
    const disposed: Array<{ reason: string; detail: string }> = [];
    server.app.handlers.addConnectionHandler({ onDisposed: (_ctx, close) => void disposed.push(close) });

    // 30 s of media: only the limiter ends it.
    const publisher = runFfmpeg(publishArgs(server.url('live/limited'), 30));
    runs.push(publisher);
    const code = await publisher.exited;
    expect(code, publisher.stderr()).not.toBe(0);
    await waitFor('typed close', () => disposed.length === 1);
    expect(disposed[0]!.reason).toBe('kicked');
    expect(disposed[0]!.detail).toBe('publishing time limit of 1 s reached on /live/limited');
    await waitFor('legacy close', () => legacy.some((e) => e.type === 'close'));
    expect(legacy.find((e) => e.type === 'close')).toMatchObject({ reason: 'kicked', detail: 'publishing time limit of 1 s reached on /live/limited' });
    await waitFor('stdio close', () => stdout.some((l) => l.includes('connection_close')));
    expect(JSON.parse(stdout.find((l) => l.includes('connection_close'))!)).toMatchObject({ data: { reason: 'kicked' } });
    await waitFor('SRS on_unpublish and on_close', () => srs.calls.some((c) => c.path === '/close') && srs.calls.some((c) => c.path === '/unpublish'));
    expect(srs.calls.find((c) => c.path === '/close')!.json).toMatchObject({ action: 'on_close' });
    expect(limiter.active).toBe(0);
    limiter.dispose();
  });

  it('isolate a handler that throws and one that hangs: the others run, the stream goes on', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { play { mw_latency 100; } }', { handlerTimeoutMs: 300 });
    const reached: string[] = [];
    let hungSignal: AbortSignal | undefined;
    server.app.handlers.addStreamHandler({ order: -2, onPublished: () => { throw new Error('boom'); } });
    server.app.handlers.addStreamHandler({ order: -1, onPublished: (ctx) => { hungSignal = ctx.signal; return new Promise<void>(() => undefined); } });
    server.app.handlers.addStreamHandler({ order: 0, onPublished: () => Promise.reject(new Error('rejected')) });
    server.app.handlers.addStreamHandler({ order: 1, onPublished: () => void reached.push('published'), onUnpublished: () => void reached.push('unpublished') });
    server.app.handlers.addMediaInterceptor({ order: 0, onMedia: () => { throw new Error('interceptor boom'); } });
    let frames = 0;
    server.app.handlers.addMediaInterceptor({ order: 1, onMedia: (info) => void (info.kind === 'video' && frames++) });

    const publisher = runFfmpeg(publishArgs(server.url('live/isolated'), 4));
    runs.push(publisher);
    await waitFor('the well-behaved handler ran', () => reached.includes('published'));
    expect(hungSignal?.aborted).toBe(true);
    const player = runFfmpeg(playArgs(server.url('live/isolated'), 1));
    runs.push(player);
    expect(await player.exited, player.stderr()).toBe(0);
    expect(await publisher.exited, publisher.stderr()).toBe(0);
    await waitFor('unpublished reached', () => reached.includes('unpublished'));
    expect(frames).toBeGreaterThan(50);
    const logs = server.logs;
    expect(logs.some((l) => l.msg === 'handler failed, skipped' && l['code'] === 'ERR_HANDLER_THROW' && String(l['err']).includes('boom'))).toBe(true);
    expect(logs.some((l) => l.msg === 'handler failed, skipped' && String(l['err']).includes('rejected'))).toBe(true);
    expect(logs.some((l) => l.msg === 'handler timed out, skipped' && l['code'] === 'ERR_HANDLER_TIMEOUT')).toBe(true);
    // The throwing interceptor is switched off for the publish after its first throw: one line.
    expect(logs.filter((l) => String(l.msg).startsWith('media interceptor failed')).length).toBe(1);
  });

  it('a media interceptor sees every message with correct flags and can drop data messages; cache interceptor calls mirror the GOP cache', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { play { mw_latency 100; } }');
    const seen: MediaInfo[] = [];
    server.app.handlers.addMediaInterceptor({ onMedia: (info) => void seen.push(info) });
    const dropper = server.app.handlers.addMediaInterceptor({ filter: (info) => info.kind === 'data', onMedia: () => 'drop' });
    // Returning 'drop' for audio/video is ignored: decoders need every frame.
    server.app.handlers.addMediaInterceptor({ filter: (info) => info.kind === 'audio', onMedia: () => 'drop' });
    const metadata: unknown[] = [];
    server.app.handlers.addStreamHandler({ onMetadata: (_ctx, _s, m) => void metadata.push(m) });
    let mirror: Buffer[] = [];
    const headers: MediaInfo[] = [];
    let clears = 0;
    const cache: CacheInterceptor = {
      onSequenceHeader: (info) => void headers.push(info),
      onGopFrame: (_info, payload) => void mirror.push(payload),
      onGopCleared: () => {
        clears++;
        mirror = [];
      },
    };
    server.app.handlers.addCacheInterceptor(cache);

    const publisher = runFfmpeg(publishArgs(server.url('live/media'), 4));
    runs.push(publisher);
    const stream = (): Stream | undefined => server!.app.hub.get('__defaultVhost__/live/media');
    await waitFor('two GOPs', () => clears >= 2 && stream() !== undefined);
    // Between two reads of the socket the mirror must equal the cache, packet for packet.
    const gop = (stream() as unknown as { gop: GopCache }).gop;
    expect(mirror.length).toBe(gop.size);
    expect(mirror.every((payload, i) => payload === gop.snapshot()[i]!.payload)).toBe(true);
    const counted = stream()!.counters.frames;
    const seenNow = seen.length;
    expect(await publisher.exited, publisher.stderr()).toBe(0);

    // Every message the stream took went through the interceptor first; the dropped data message never reached it.
    const data = seen.filter((m) => m.kind === 'data');
    expect(data.length).toBe(1);
    expect(data[0]!.isMetadata).toBe(true);
    expect(counted).toBeLessThanOrEqual(seenNow - 1);
    expect(metadata).toEqual([]);
    const video = seen.filter((m) => m.kind === 'video');
    const audio = seen.filter((m) => m.kind === 'audio');
    expect(video[0]).toMatchObject({ isSequenceHeader: true, isKeyframe: false, streamPath: '/live/media' });
    expect(audio[0]).toMatchObject({ isSequenceHeader: true });
    expect(video.filter((m) => m.isSequenceHeader)).toHaveLength(1);
    // testsrc 25 fps with -g 25: 4 s → 4 key frames and 100 frames (plus, at the end, AVC's end of sequence).
    expect(video.filter((m) => m.isKeyframe).length).toBe(4);
    const pictures = video.filter((m) => !m.isSequenceHeader).length;
    expect(pictures === 100 || pictures === 101, `video messages ${pictures}`).toBe(true);
    expect(audio.length).toBeGreaterThan(100);
    expect(video.every((m, i) => i === 0 || m.timestamp >= video[i - 1]!.timestamp)).toBe(true);
    expect(headers.map((h) => h.kind).sort()).toEqual(['audio', 'video']);
    // The GOP restarts at each key frame but the first (the cache was empty).
    expect(clears).toBe(3);

    // Without the dropper, metadata is cached and stream handlers hear it.
    dropper();
    const again = runFfmpeg(publishArgs(server.url('live/media'), 1));
    runs.push(again);
    expect(await again.exited, again.stderr()).toBe(0);
    await waitFor('metadata handler', () => metadata.length === 1);
    expect(metadata[0]).toMatchObject({ width: 320, height: 240 });
  });

  it('unregister stops the calls, at once and for live publishes too', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { }');
    let media = 0;
    let created = 0;
    const offMedia = server.app.handlers.addMediaInterceptor({ onMedia: () => void media++ });
    const offConnection = server.app.handlers.addConnectionHandler({ onCreated: () => void created++ });
    const publisher = runFfmpeg(publishArgs(server.url('live/off'), 4));
    runs.push(publisher);
    await waitFor('media seen', () => media > 20);
    offMedia();
    offMedia(); // idempotent
    const after = media;
    const other = runFfmpeg(publishArgs(server.url('live/off2'), 1));
    await waitFor('created seen', () => created === 1);
    offConnection();
    runs.push(other);
    expect(await other.exited, other.stderr()).toBe(0);
    expect(await publisher.exited, publisher.stderr()).toBe(0);
    expect(media).toBe(after);
    expect(created).toBe(1);
  });

  it('bad input: disconnect twice from inside a handler, an authorizer that never settles, an interceptor keeping the borrowed buffer', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { }', { handlerTimeoutMs: 300 });
    const disposed: Array<{ reason: string; detail: string }> = [];
    server.app.handlers.addConnectionHandler({ onDisposed: (_ctx, close) => void disposed.push(close) });
    server.app.handlers.addStreamHandler({
      onPublished: (ctx, s) => {
        if (s.stream !== 'twice') return;
        ctx.client.disconnect('first');
        ctx.client.disconnect('second');
      },
    });
    server.app.handlers.addAuthorizer({ authorizePublish: (_ctx, r) => (r.stream === 'never' ? new Promise(() => undefined) : { allow: true }) });
    const kept: Array<{ payload: Buffer; copy: Buffer }> = [];
    server.app.handlers.addMediaInterceptor({ onMedia: (_info, payload) => void (kept.length < 500 && kept.push({ payload, copy: Buffer.from(payload) })) });

    const twice = runFfmpeg(publishArgs(server.url('live/twice'), 10));
    runs.push(twice);
    expect(await twice.exited).not.toBe(0);
    await waitFor('one close', () => disposed.length === 1);
    expect(disposed[0]).toEqual({ reason: 'kicked', detail: 'first' });

    // A hanging authorizer times out and denies (fail closed); ffmpeg is told.
    const never = runFfmpeg(publishArgs(server.url('live/never'), 10));
    runs.push(never);
    expect(await never.exited).not.toBe(0);
    expect(never.stderr()).toContain('authorizer failed');
    await waitFor('two closes', () => disposed.length === 2);
    expect(disposed[1]!.reason).toBe('rejected');

    const ok = runFfmpeg(publishArgs(server.url('live/ok'), 2));
    runs.push(ok);
    expect(await ok.exited, ok.stderr()).toBe(0);
    // The borrowed payloads a handler kept are never reused by the server: they still hold what they held.
    expect(kept.length).toBeGreaterThan(10);
    expect(kept.every(({ payload, copy }) => payload.equals(copy))).toBe(true);
    expect(server.app.registry.size).toBe(0);
  });
});
