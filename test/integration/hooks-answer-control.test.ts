/**
 * Control from the answer (issue 17 item 3) with real ffmpeg: an allowing
 * http_hooks answer's `data` renames the stream, redirects the RTMP client
 * with SRS's 302, or ends the publish/play after max_duration seconds with
 * close reason `expired`; `data` of the wrong type is logged and the allow
 * stands.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/index.js';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { publishArgs, runFfmpeg, startCallbackServer, startTestServer, stopProcess, waitFor, type CallbackServer, type FfmpegRun, type TestServer } from './harness.js';

function playArgs(url: string, seconds: number): string[] {
  return ['-i', url, '-t', String(seconds), '-c', 'copy', '-f', 'null', '-'];
}

describe('http_hooks answer data controls the session', () => {
  let server: TestServer | undefined;
  let hooks: CallbackServer | undefined;
  const runs: FfmpegRun[] = [];
  const clients: RtmpClient[] = [];

  afterEach(async () => {
    for (const run of runs.splice(0)) stopProcess(run.child);
    for (const client of clients.splice(0)) client.close();
    await server?.stop();
    server = undefined;
    await hooks?.close();
    hooks = undefined;
  });

  /** A callback server answering each `action stream` (or `stream`) with its own body, else `0`. */
  async function start(answers: Record<string, string>): Promise<{ server: TestServer; events: SessionEvent[] }> {
    hooks = await startCallbackServer((call, res) => {
      const stream = String(call.json['stream'] ?? '');
      res.end(answers[`${String(call.json['action'])} ${stream}`] ?? answers[stream] ?? '0');
    });
    const events: SessionEvent[] = [];
    server = await startTestServer(
      `listen 0; vhost __defaultVhost__ { play { mw_latency 100; } http_hooks { enabled on; on_publish ${hooks.url('/publish')}; on_play ${hooks.url('/play')}; on_unpublish ${hooks.url('/unpublish')}; } }`,
      { handlers: [{ name: 'events', notify: (event) => void events.push(event) }] },
    );
    return { server, events };
  }

  it('{"code":0,"data":{"stream":"..."}} renames: the publish goes on under the new name, and hooks after it see that name', async () => {
    const { server: s, events } = await start({ camera: '{"code":0,"data":{"stream":"renamed"}}' });
    const publisher = runFfmpeg(publishArgs(s.url('live/camera'), 5));
    runs.push(publisher);
    await waitFor('publish under the new name', () => events.some((e) => e.type === 'publish'));
    expect(events.find((e) => e.type === 'publish')).toMatchObject({ stream: 'renamed', streamUrl: '/live/renamed' });
    expect(s.app.hub.get('__defaultVhost__/live/renamed')?.isActive).toBe(true);
    expect(s.app.hub.get('__defaultVhost__/live/camera')).toBeUndefined();
    const player = runFfmpeg(playArgs(s.url('live/renamed'), 1));
    runs.push(player);
    expect(await player.exited, player.stderr()).toBe(0);
    expect(player.stderr()).toMatch(/Video: h264/);
    stopProcess(publisher.child);
    await waitFor('on_unpublish with the new name', () => hooks!.calls.some((c) => c.json['action'] === 'on_unpublish'));
    // SRS's own notifications after the gate name what the client got.
    expect(hooks!.calls.find((c) => c.json['action'] === 'on_unpublish')!.json['stream']).toBe('renamed');
  });

  it('"redirect" answers the RTMP client with SRS\'s 302 (NetConnection.Connect.Rejected, ex.code 302, ex.redirect); ffmpeg reports it and does not follow', async () => {
    const { server: s } = await start({ moved: '{"code":0,"data":{"redirect":"rtmp://127.0.0.1:1/other/moved"}}' });
    // What the wire carries: our own client reads the status as any RTMP client would.
    const client = await RtmpClient.connect(s.url('live/moved'));
    clients.push(client);
    const error = await client.play().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(error)).toContain('NetConnection.Connect.Rejected');
    expect(String(error)).toContain('RTMP 302 Redirect');
    const refused = s.logs.find((l) => l.msg === 'refused');
    expect(refused).toMatchObject({ code: 'NetConnection.Connect.Rejected', redirect: 'rtmp://127.0.0.1:1/other/moved' });

    // ffmpeg's native RTMP client prints the status description and exits; it never connects to the redirect target.
    const player = runFfmpeg(playArgs(s.url('live/moved'), 1));
    runs.push(player);
    expect(await player.exited).not.toBe(0);
    // ffmpeg 4.x/5.x/6.x (libavformat rtmpproto.c) prints `Server error: <description>` for any error status and fails the open.
    expect(player.stderr()).toContain('Server error: RTMP 302 Redirect');
    expect(player.stderr()).not.toContain('127.0.0.1:1');
  });

  it('"max_duration" ends the publish after N seconds with close reason expired; a play too', async () => {
    const { server: s, events } = await start({ 'on_publish short': '{"code":0,"data":{"max_duration":1}}', 'on_play long': '{"code":0,"data":{"max_duration":1}}' });
    const publisher = runFfmpeg(publishArgs(s.url('live/short'), 30));
    runs.push(publisher);
    expect(await publisher.exited).not.toBe(0);
    await waitFor('close', () => events.some((e) => e.type === 'close' && e.stream === 'short'));
    expect(events.find((e) => e.type === 'close' && e.stream === 'short')).toMatchObject({ reason: 'expired', detail: 'max_duration 1 s reached' });

    // A play answered with max_duration on a stream that keeps going.
    const live = runFfmpeg(publishArgs(s.url('live/long'), 30));
    runs.push(live);
    await waitFor('live', () => events.some((e) => e.type === 'publish' && e.stream === 'long'));
    const played = runFfmpeg(playArgs(s.url('live/long'), 30));
    runs.push(played);
    await played.exited;
    const playClose = await waitFor('play closed', () => events.find((e) => e.type === 'close' && e.stream === 'long' && e.clientType === 'rtmp-play'));
    expect(playClose).toMatchObject({ reason: 'expired', detail: 'max_duration 1 s reached' });
    // The publisher is untouched by its player's expiry.
    expect(events.some((e) => e.type === 'close' && e.stream === 'long' && e.clientType === 'fmle-publish')).toBe(false);
  });

  it('data of the wrong type is ignored with a log line and the allow stands; plain 0 and {"code":0} are unchanged', async () => {
    const { server: s, events } = await start({
      'on_publish odd': '{"code":0,"data":{"stream":42,"redirect":"ftp://x","max_duration":"soon"}}',
      'on_publish list': '{"code":0,"data":[1,2]}',
      'on_publish plain': '{"code":0}',
    });
    for (const name of ['odd', 'list', 'plain', 'zero']) {
      const publisher = runFfmpeg(publishArgs(s.url(`live/${name}`), 1));
      runs.push(publisher);
      expect(await publisher.exited, publisher.stderr()).toBe(0);
      expect(events.find((e) => e.type === 'publish' && e.clientId === events.find((x) => x.stream === name)?.clientId)).toMatchObject({ stream: name });
    }
    const ignored = s.logs.filter((l) => l.msg === 'http hook answer data ignored');
    expect(ignored.map((l) => l['ignored'])).toEqual([
      ['data.stream is not a stream name', 'data.redirect is not an rtmp:// url', 'data.max_duration is not a number of seconds in (0, 2147483]'],
      ['data is array, not an object'],
    ]);
    expect(events.filter((e) => e.type === 'close').every((e) => e.reason === 'client_close')).toBe(true);
  });
});
