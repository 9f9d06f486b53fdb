import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { publishArgs, runFfmpeg, TestResources, waitFor, type CallbackServer, type TestServer } from './harness.js';

const MPEGURL = 'application/vnd.apple.mpegurl';

/** The ctx SRS's master playlist names in its one variant line. */
function ctxOf(master: string): string {
  const ctx = /^s\.m3u8\?hls_ctx=([0-9a-z]+)/m.exec(master)?.[1];
  if (ctx === undefined) throw new Error(`no hls_ctx in ${JSON.stringify(master)}`);
  return ctx;
}

function hookCalls(hooks: CallbackServer, action: string, clientId?: string): Record<string, unknown>[] {
  return hooks.calls.map((call) => call.json).filter((json) => json.action === action && (clientId === undefined || json.client_id === clientId));
}

describe('HLS viewers are sessions: on_play once, on_stop once, kick, forged ctx', () => {
  const used = new TestResources();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'srs-hls-viewers-'));
  });
  afterEach(async () => {
    await used.release();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A server with HLS of 1 s fragments (viewer timeout: its 10 s floor) and an on_play that denies `token=bad`. */
  async function start(): Promise<{ server: TestServer; hooks: CallbackServer }> {
    const hooks = await used.startHooks((call, res) => res.end(call.json.action === 'on_play' && String(call.json.param).includes('token=bad') ? '1' : '0'));
    const server = await used.startServer(
      `listen 0; http_api { enabled on; listen 0; } http_server { enabled on; listen 0; dir ${dir}; }
       vhost __defaultVhost__ { hls { enabled on; hls_path ${dir}; hls_fragment 1; hls_window 4; }
         http_hooks { enabled on; on_play ${hooks.url('/play')}; on_stop ${hooks.url('/stop')}; } }`,
    );
    const publisher = runFfmpeg(publishArgs(server.url('live/s'), 90));
    used.children.push(publisher);
    await waitFor('the first playlist', () => existsSync(path.join(dir, 'live/s.m3u8')), 20_000);
    return { server, hooks };
  }

  it('admits through on_play with the master playlist, serves its segments, shows hls-play, ends each viewer once when it stops fetching', async () => {
    const { server, hooks } = await start();

    // A viewer's first request: on_play, then SRS's master playlist naming its ctx, the query kept.
    const first = await fetch(server.httpUrl('live/s.m3u8?token=good'));
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe(MPEGURL);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const master = await first.text();
    const ctx = ctxOf(master);
    expect(master).toBe(`#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1\ns.m3u8?hls_ctx=${ctx}&token=good\n`);
    const [onPlay] = hookCalls(hooks, 'on_play', ctx);
    expect(onPlay).toMatchObject({ client_id: ctx, app: 'live', stream: 's.m3u8', param: '?token=good', tcUrl: 'rtmp://127.0.0.1/live', stream_url: '/live/s' });

    // Its media playlist: the segment URIs carry the ctx; a segment of that ctx is served and counted.
    const media = await (await fetch(server.httpUrl(`live/s.m3u8?hls_ctx=${ctx}&token=good`))).text();
    const uri = media.split('\n').find((line) => line.endsWith(`.ts?hls_ctx=${ctx}`));
    expect(uri).toMatch(/^s-\d+\.ts\?hls_ctx=/);
    const segment = await fetch(server.httpUrl(`live/${uri}`));
    expect(segment.status).toBe(200);
    expect(segment.headers.get('content-type')).toBe('video/MP2T');
    const segmentBytes = (await segment.arrayBuffer()).byteLength;
    expect(segmentBytes).toBeGreaterThan(1000);
    // A segment without a ctx, or with one that is not a session, is refused.
    const bare = uri!.slice(0, uri!.indexOf('?'));
    expect((await fetch(server.httpUrl(`live/${bare}`))).status).toBe(403);
    expect((await fetch(server.httpUrl(`live/${bare}?hls_ctx=nosuchctx`))).status).toBe(403);

    // The API lists it as an HLS player with its bytes; the vhost shows HLS as SRS does.
    const listed = (await (await fetch(server.apiUrl(`api/v1/clients/${ctx}`))).json()) as { client: Record<string, unknown> };
    expect(listed.client).toMatchObject({ id: ctx, type: 'hls-play', name: 's.m3u8', publish: false, url: '/live/s' });
    expect(listed.client.send_bytes).toBeGreaterThan(segmentBytes);
    const vhosts = await (await fetch(server.apiUrl('api/v1/vhosts/'))).text();
    expect(vhosts).toContain('"hls":{"enabled":true,"fragment":1.00}');

    // Denied: 403 naming the hook, nothing served, no session, so no on_stop later.
    const denied = await fetch(server.httpUrl('live/s.m3u8?token=bad'));
    expect(denied.status).toBe(403);
    const deniedText = await denied.text();
    expect(deniedText).toContain('on_play');
    expect(deniedText).not.toContain('#EXTM3U');
    const deniedId = String(hookCalls(hooks, 'on_play').find((json) => json.param === '?token=bad')?.client_id);

    // A ctx that is not ours is a new viewer: on_play again, with the token it brought, under a ctx we chose.
    const forged = await (await fetch(server.httpUrl('live/s.m3u8?hls_ctx=forged1&token=good'))).text();
    const forgedCtx = ctxOf(forged);
    expect(forgedCtx).not.toBe('forged1');
    expect(hookCalls(hooks, 'on_play', forgedCtx)).toMatchObject([{ param: '?token=good' }]);

    // ffmpeg plays through the master playlist and its ctx, then stops: a viewer that left mid-stream.
    const player = runFfmpeg(['-i', server.httpUrl('live/s.m3u8?token=good'), '-t', '3', '-c', 'copy', '-f', 'null', '-']);
    used.children.push(player);
    expect(await player.exited).toBe(0);
    expect(player.stderr()).toMatch(/Video: h264/);
    const ffmpegIds = hookCalls(hooks, 'on_play').map((json) => String(json.client_id)).filter((id) => id !== ctx && id !== forgedCtx && id !== deniedId);
    expect(ffmpegIds).toHaveLength(1);
    const ffmpegCtx = ffmpegIds[0]!;
    const ffmpegClient = (await (await fetch(server.apiUrl(`api/v1/clients/${ffmpegCtx}`))).json()) as { client?: { send_bytes: number } };
    expect(ffmpegClient.client?.send_bytes).toBeGreaterThan(10_000);

    // Nobody asks again: each viewer ends once, by timeout (10 s here), with on_stop; the denied one never.
    const stoppedAt = Date.now();
    await waitFor('every viewer ended', () => [ctx, forgedCtx, ffmpegCtx].every((id) => hookCalls(hooks, 'on_stop', id).length === 1), 25_000);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const id of [ctx, forgedCtx, ffmpegCtx]) expect(hookCalls(hooks, 'on_stop', id)).toHaveLength(1);
    expect(hookCalls(hooks, 'on_stop', deniedId)).toHaveLength(0);
    expect(hookCalls(hooks, 'on_stop', ctx)[0]).toMatchObject({ stream: 's.m3u8', param: '?token=good' });
    expect((await (await fetch(server.apiUrl(`api/v1/clients/${ctx}`))).json()) as { code: number }).toMatchObject({ code: 2049 });

    // A stale ctx is a new viewer too, asked on_play again.
    const plays = hookCalls(hooks, 'on_play').length;
    const stale = await (await fetch(server.httpUrl(`live/s.m3u8?hls_ctx=${ctx}&token=good`))).text();
    expect(ctxOf(stale)).not.toBe(ctx);
    expect(hookCalls(hooks, 'on_play')).toHaveLength(plays + 1);
  }, 90_000);

  it('kicks an HLS viewer through the API: on_stop at once, its playlist and segments answer EOF', async () => {
    const { server, hooks } = await start();
    const ctx = ctxOf(await (await fetch(server.httpUrl('live/s.m3u8'))).text());
    const media = await (await fetch(server.httpUrl(`live/s.m3u8?hls_ctx=${ctx}`))).text();
    const uri = media.split('\n').find((line) => line.includes('.ts?hls_ctx='))!;

    const kicked = (await (await fetch(server.apiUrl(`api/v1/clients/${ctx}`), { method: 'DELETE' })).json()) as { code: number };
    expect(kicked.code).toBe(0);
    await waitFor('on_stop of the kicked viewer', () => hookCalls(hooks, 'on_stop', ctx).length === 1, 5_000);
    const playlist = await fetch(server.httpUrl(`live/s.m3u8?hls_ctx=${ctx}`));
    expect(playlist.status).toBe(404);
    expect(await playlist.text()).toBe(`HLS stream ${ctx} is EOF\n`);
    expect((await fetch(server.httpUrl(`live/${uri}`))).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(hookCalls(hooks, 'on_stop', ctx)).toHaveLength(1);
    expect(hookCalls(hooks, 'on_play', ctx)).toHaveLength(1);
    // A kicked viewer that comes back without its ctx is new: on_play again.
    expect((await fetch(server.httpUrl('live/s.m3u8'))).status).toBe(200);
    expect(hookCalls(hooks, 'on_play')).toHaveLength(2);
  }, 60_000);
});
