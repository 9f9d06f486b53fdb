import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FFPROBE, publishArgs, runFfmpeg, TestResources, waitFor, type TestServer } from './harness.js';

const execFileAsync = promisify(execFile);

/** The playlist's segments: EXTINF durations, URIs, discontinuities and the header tags. */
function parsePlaylist(text: string): { sequence: number; target: number; segments: { duration: number; uri: string; discontinuity: boolean }[] } {
  const lines = text.split('\n');
  const segments: { duration: number; uri: string; discontinuity: boolean }[] = [];
  let discontinuity = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    const extinf = /^#EXTINF:(\d+\.\d{3}), no desc$/.exec(line);
    if (extinf !== null) {
      segments.push({ duration: Number(extinf[1]), uri: lines[i + 1] as string, discontinuity });
      discontinuity = false;
    }
  }
  return {
    sequence: Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1]),
    target: Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1]),
    segments,
  };
}

/** The codecs ffprobe finds (it names each stream once per program as well: the set is what counts). */
async function codecsOf(target: string): Promise<string[]> {
  const { stdout } = await execFileAsync(FFPROBE, ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', target], { timeout: 20_000 });
  return [...new Set(stdout.split('\n').filter((line) => line !== ''))].sort();
}

describe('HLS: segments and playlist from a live ffmpeg publisher', () => {
  const used = new TestResources();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'srs-hls-'));
  });
  afterEach(async () => {
    await used.release();
    rmSync(dir, { recursive: true, force: true });
  });

  const hlsConfig = (hls: string, hooks = ''): string =>
    `listen 0; http_server { enabled on; listen 0; dir ${dir}; }
     vhost __defaultVhost__ { hls { enabled on; hls_path ${dir}; ${hls} } ${hooks} }`;

  async function playlistOf(server: TestServer, name: string): Promise<string> {
    const response = await fetch(server.httpUrl(`live/${name}.m3u8`));
    expect(response.status).toBe(200);
    return response.text();
  }

  it('cuts at key frames within the fragment, lists at most the window, deletes what left it, and on_hls says so exactly', async () => {
    const hooks = await used.startHooks();
    const server = await used.startServer(
      hlsConfig('hls_fragment 1; hls_window 3; hls_ctx off;', `http_hooks { enabled on; on_hls ${hooks.url('/hls')}; on_hls_notify ${hooks.url('/notify/[app]/[stream]/[ts_url][param]')}; }`),
    );
    const publisher = runFfmpeg(publishArgs(`${server.url('live/s')}?token=t1`, 60));
    used.children.push(publisher);
    const m3u8 = path.join(dir, 'live/s.m3u8');
    // 1 s fragments, GOP of 25 frames at 25 fps: enough segments for the window to slide twice.
    await waitFor('seven segments', () => hooks.calls.filter((call) => call.path === '/hls').length >= 7, 30_000);
    const text = readFileSync(m3u8, 'utf8');
    expect(text.startsWith('#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:')).toBe(true);
    expect(text).not.toContain('#EXT-X-ENDLIST');
    const playlist = parsePlaylist(text);
    const total = playlist.segments.reduce((sum, segment) => sum + segment.duration, 0);
    // The window keeps the newest segments whose sum first exceeds it (SRS), so it lists 3 or 4 of ~1 s.
    expect(total - (playlist.segments[0]?.duration ?? 0)).toBeLessThanOrEqual(3);
    expect(playlist.segments.length).toBeGreaterThanOrEqual(3);
    for (const segment of playlist.segments) {
      expect(segment.duration).toBeGreaterThanOrEqual(0.9);
      expect(segment.duration).toBeLessThanOrEqual(1.1);
    }
    expect(playlist.target).toBe(1);
    expect(playlist.sequence).toBeGreaterThan(0);
    // Segments that left the window are deleted (hls_cleanup on); listed ones exist.
    const onDisk = readdirSync(path.join(dir, 'live')).filter((name) => name.endsWith('.ts')).sort();
    const listed = playlist.segments.map((segment) => segment.uri);
    for (const uri of listed) expect(onDisk).toContain(uri);
    expect(existsSync(path.join(dir, 'live/s-0.ts'))).toBe(false);
    expect(onDisk.length).toBeLessThanOrEqual(listed.length + 1);

    const first = hooks.calls.find((call) => call.path === '/hls');
    expect(Object.keys(first?.json ?? {})).toEqual([
      'server_id', 'service_id', 'action', 'client_id', 'ip', 'vhost', 'app', 'tcUrl', 'stream', 'param', 'duration', 'cwd', 'file', 'url', 'm3u8', 'm3u8_url', 'seq_no', 'stream_url', 'stream_id',
    ]);
    expect(first?.json).toMatchObject({
      action: 'on_hls', vhost: '__defaultVhost__', app: 'live', stream: 's', param: '?token=t1', cwd: process.cwd(),
      file: `${dir}/live/s-0.ts`, url: 'live/s-0.ts', m3u8: `${dir}/live/s.m3u8`, m3u8_url: 'live/s.m3u8', seq_no: 0, stream_url: '/live/s',
    });
    // `duration` is written with two decimals, as SRS's %.2f.
    expect(first?.body).toMatch(/"duration":\d+\.\d{2},/);
    const notify = await waitFor('on_hls_notify', () => hooks.calls.find((call) => call.path.startsWith('/notify/')));
    expect(notify.path).toBe('/notify/live/s/s-0.ts?token=t1');

    // ffprobe reads the live playlist over HTTP: H.264 and AAC.
    expect(await codecsOf(server.httpUrl('live/s.m3u8'))).toEqual(['aac', 'h264']);
  }, 60_000);

  it('gives a republish a DISCONTINUITY and continues the sequence; audio-only and video-only streams segment; hls_dispose deletes all', async () => {
    const hooks = await used.startHooks();
    const server = await used.startServer(
      hlsConfig('hls_fragment 1; hls_window 30; hls_dispose 1; hls_ctx off; hls_aof_ratio 1.5;', `http_hooks { enabled on; on_hls ${hooks.url('/hls')}; on_unpublish ${hooks.url('/unpublish')}; }`),
    );
    const first = runFfmpeg(publishArgs(server.url('live/r'), 3));
    used.children.push(first);
    await first.exited;
    await waitFor('the publish to end', () => server.app.hub.get('__defaultVhost__/live/r')?.isActive !== true);
    const afterFirst = parsePlaylist(await playlistOf(server, 'r'));
    // Every listed segment had its on_hls, the last one (closed by the unpublish) before on_unpublish, as SRS flushes them.
    await waitFor('on_unpublish', () => hooks.calls.some((call) => call.path === '/unpublish'));
    const unpublished = hooks.calls.findIndex((call) => call.path === '/unpublish');
    const onHls = hooks.calls.slice(0, unpublished).filter((call) => call.path === '/hls');
    expect(onHls.map((call) => call.json.seq_no)).toEqual(afterFirst.segments.map((_segment, index) => index));
    expect(afterFirst.segments.length).toBeGreaterThanOrEqual(2);
    expect(afterFirst.segments[0]?.discontinuity).toBe(true);
    expect(afterFirst.segments.slice(1).every((segment) => !segment.discontinuity)).toBe(true);
    const second = runFfmpeg(publishArgs(server.url('live/r'), 3));
    used.children.push(second);
    await second.exited;
    await waitFor('the second publish to end', () => server.app.hub.get('__defaultVhost__/live/r')?.isActive !== true);
    const afterSecond = parsePlaylist(await playlistOf(server, 'r'));
    const republished = afterSecond.segments[afterFirst.segments.length];
    expect(republished?.discontinuity).toBe(true);
    expect(afterSecond.sequence).toBe(0);
    expect(afterSecond.segments.length).toBeGreaterThan(afterFirst.segments.length);

    // Audio only: cut on audio at hls_aof_ratio x hls_fragment, so a segment spans 1.5 s less one AAC frame (23 ms).
    const audio = runFfmpeg(['-re', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=44100:duration=5', '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', server.url('live/a')]);
    // Video only.
    const video = runFfmpeg(publishArgs(server.url('live/v'), 4, ['-an']));
    used.children.push(audio, video);
    await Promise.all([audio.exited, video.exited]);
    await waitFor('both publishes to end', () => server.app.hub.get('__defaultVhost__/live/a')?.isActive !== true && server.app.hub.get('__defaultVhost__/live/v')?.isActive !== true);
    const audioOnly = parsePlaylist(await playlistOf(server, 'a'));
    expect(audioOnly.segments.length).toBeGreaterThanOrEqual(2);
    expect(audioOnly.segments[0]?.duration).toBeGreaterThanOrEqual(1.45);
    expect(audioOnly.segments[0]?.duration).toBeLessThanOrEqual(1.7);
    const videoOnly = parsePlaylist(await playlistOf(server, 'v'));
    expect(videoOnly.segments.length).toBeGreaterThanOrEqual(3);
    expect(await codecsOf(path.join(dir, 'live/a-0.ts'))).toEqual(['aac']);
    expect(await codecsOf(path.join(dir, 'live/v-0.ts'))).toEqual(['h264']);

    // hls_dispose 1: a second without packets and every file of the stream is gone.
    await waitFor('dispose', () => !existsSync(path.join(dir, 'live/r.m3u8')) && !existsSync(path.join(dir, 'live/a.m3u8')), 10_000);
    expect(readdirSync(path.join(dir, 'live'))).toEqual([]);
    expect((await fetch(server.httpUrl('live/r.m3u8'))).status).toBe(404);
  }, 60_000);
});
