import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { httpViewer, publishArgs, runFfmpeg, TestResources, waitFor, type CallbackServer, type RecordedCall } from './harness.js';

/**
 * lalserver HTTP Notify end to end (issue 14): a real receiver records every
 * event while ffmpeg publishes and RTMP, HTTP-FLV, HTTP-TS and HLS viewers
 * come and go, one is kicked through lal's API, a publisher leaves and the
 * server shuts down. Bodies must have lal's keys in lal's order (lal-lssn-spec A2).
 */

const SESSION_KEYS = ['server_id', 'session_id', 'protocol', 'base_type', 'remote_addr', 'url', 'app_name', 'stream_name', 'url_param', 'has_in_session', 'has_out_session', 'read_bytes_sum', 'wrote_bytes_sum'];
const STAT_SESSION_KEYS = ['session_id', 'protocol', 'base_type', 'remote_addr', 'start_time', 'read_bytes_sum', 'wrote_bytes_sum', 'bitrate_kbits', 'read_bitrate_kbits', 'write_bitrate_kbits'];
const GROUP_KEYS = ['stream_name', 'app_name', 'audio_codec', 'video_codec', 'video_width', 'video_height', 'pub', 'subs', 'pull', 'in_frame_per_sec'];
const GOLDEN: Readonly<Record<string, readonly string[]>> = {
  '/on_server_start': ['server_id', 'bin_info', 'lal_version', 'api_version', 'notify_version', 'WebUiVersion', 'start_time'],
  '/on_update': ['server_id', 'groups'],
  '/on_pub_start': SESSION_KEYS,
  '/on_pub_stop': SESSION_KEYS,
  '/on_sub_start': SESSION_KEYS,
  '/on_sub_stop': SESSION_KEYS,
  '/on_rtmp_connect': ['server_id', 'session_id', 'remote_addr', 'app', 'flashVer', 'tcUrl'],
  '/on_hls_make_ts': ['server_id', 'event', 'stream_name', 'cwd', 'ts_file', 'live_m3u8_file', 'record_m3u8_file', 'id', 'duration'],
};
const EVENTS = ['on_server_start', 'on_update', 'on_pub_start', 'on_pub_stop', 'on_sub_start', 'on_sub_stop', 'on_relay_pull_start', 'on_relay_pull_stop', 'on_rtmp_connect', 'on_hls_make_ts'];

type Json = Record<string, unknown>;
interface Group extends Json {
  stream_name: string;
  pub: Json;
  subs: Json[] | null;
}

function bodies(receiver: CallbackServer, event: string): Json[] {
  return receiver.calls.filter((call) => call.path === `/${event}`).map((call) => call.json);
}

function groupOf(call: RecordedCall | undefined, stream: string): Group | undefined {
  return (call?.json.groups as Group[] | null | undefined)?.find((group) => group.stream_name === stream);
}

async function lal(url: string, init?: RequestInit): Promise<Json> {
  const response = await fetch(url, init);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json');
  return (await response.json()) as Json;
}

describe('lalserver http_notify: all events with real clients, lal API, kick, unpublish, shutdown', () => {
  const used = new TestResources();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'srs-lal-'));
  });
  afterEach(async () => {
    await used.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every event as lal does, pairs every start with its stop, answers lal API', async () => {
    const receiver = await used.startHooks((_call, res) => res.end('ok'));
    const urls = EVENTS.map((event) => `${event} ${receiver.url(`/${event}`)};`).join(' ');
    const server = await used.startServer(
      `listen 0; server_id lal-it-1; http_api { enabled on; listen 0; } http_server { enabled on; listen 0; dir ${dir}; }
       http_notify { enabled on; update_interval 1; ${urls} }
       vhost __defaultVhost__ { play { mw_latency 100; } http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
         hls { enabled on; hls_path ${dir}; hls_fragment 1; hls_window 4; } }
       vhost tsv { http_remux { enabled on; mount [vhost]/[app]/[stream].ts; } }`,
    );

    // Two publishers: live/s on the default vhost (RTMP, FLV, HLS viewers), live/t on vhost tsv (its HTTP-TS viewer).
    const publisherS = runFfmpeg(publishArgs(server.url('live/s?token=abc'), 60));
    const publisherT = runFfmpeg(publishArgs(server.url('live/t'), 60, ['-rtmp_tcurl', `rtmp://tsv:${server.port}/live`]));
    used.children.push(publisherS, publisherT);
    const pubStarts = await waitFor('two on_pub_start', () => bodies(receiver, 'on_pub_start').length >= 2 && bodies(receiver, 'on_pub_start'), 20_000);
    const pubS = pubStarts.find((body) => body.stream_name === 's')!;
    expect(pubS).toMatchObject({ server_id: 'lal-it-1', protocol: 'RTMP', base_type: 'PUB', app_name: 'live', url_param: 'token=abc', has_in_session: true, has_out_session: false });
    expect(pubS.url).toBe(`rtmp://127.0.0.1:${server.port}/live/s?token=abc`);
    expect(String(pubS.session_id)).toMatch(/^RTMPPUBSUB\d+$/);
    // on_rtmp_connect came first on that session, with ffmpeg's flashVer.
    const connect = bodies(receiver, 'on_rtmp_connect').find((body) => body.session_id === pubS.session_id);
    expect(connect).toMatchObject({ app: 'live', tcUrl: `rtmp://127.0.0.1:${server.port}/live` });
    expect(String(connect?.flashVer)).toMatch(/^FMLE\/3\.0 \(compatible; Lavf/);

    // Viewers of every protocol.
    const rtmpPlayer = runFfmpeg(['-i', server.url('live/s'), '-c', 'copy', '-f', 'null', '-']);
    used.children.push(rtmpPlayer);
    const flv = httpViewer(server.httpUrl('live/s.flv?v=flv'));
    const ts = httpViewer(server.httpUrl('live/t.ts?vhost=tsv'));
    used.viewers.push(flv, ts);
    await waitFor('the first playlist', () => existsSync(path.join(dir, 'live/s.m3u8')), 20_000);
    const master = await (await fetch(server.httpUrl('live/s.m3u8'))).text();
    const ctx = /hls_ctx=([0-9a-z]+)/.exec(master)?.[1];
    // The HLS viewer keeps fetching its playlist, as a player does, until it is kicked (else it ends at its 10 s timeout).
    const refresh = setInterval(() => void fetch(server.httpUrl(`live/s.m3u8?hls_ctx=${ctx}`)).then((r) => r.arrayBuffer()).catch(() => undefined), 1000);
    used.clients.push({ close: () => clearInterval(refresh) });
    await fetch(server.httpUrl(`live/s.m3u8?hls_ctx=${ctx}`));
    const subStarts = await waitFor('four on_sub_start', () => bodies(receiver, 'on_sub_start').length >= 4 && bodies(receiver, 'on_sub_start'), 20_000);
    const byProtocol = Object.fromEntries(subStarts.map((body) => [body.protocol, body]));
    expect(Object.keys(byProtocol).sort()).toEqual(['FLV', 'HLS', 'RTMP', 'TS']);
    expect(byProtocol.FLV).toMatchObject({ session_id: 'FLVPUBSUB1', base_type: 'SUB', stream_name: 's', url_param: 'v=flv', has_in_session: true, has_out_session: true });
    expect(byProtocol.TS).toMatchObject({ session_id: 'TSPUBSUB1', stream_name: 't', has_in_session: true });
    expect(byProtocol.HLS).toMatchObject({ session_id: 'HLSSUB1', stream_name: 's', has_in_session: true });
    expect(String(byProtocol.RTMP?.session_id)).toMatch(/^RTMPPUBSUB\d+$/);

    // on_update: every group with codecs, size, pub and subs of every protocol; bitrates from lal's 5 s window.
    const full = await waitFor(
      'an on_update with bitrates',
      () => {
        const last = receiver.calls.filter((call) => call.path === '/on_update').at(-1);
        const s = groupOf(last, 's');
        const sub = s?.subs?.find((x) => x.protocol === 'FLV');
        return s !== undefined && (s.subs?.length ?? 0) === 3 && Number(s.pub.read_bitrate_kbits) > 0 && Number(sub?.write_bitrate_kbits) > 0 && groupOf(last, 't')?.subs?.length === 1 && last;
      },
      25_000,
    );
    const s = groupOf(full, 's')!;
    expect(s).toMatchObject({ app_name: 'live', audio_codec: 'AAC', video_codec: 'H264', video_width: 320, video_height: 240, in_frame_per_sec: [] });
    expect(Object.keys(s)).toEqual(GROUP_KEYS);
    expect(Object.keys(s.pub)).toEqual(STAT_SESSION_KEYS);
    expect(s.pub).toMatchObject({ session_id: pubS.session_id, protocol: 'RTMP', base_type: 'PUB' });
    expect(String(s.pub.start_time)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,3})? [+-]\d{4} \S+$/);
    expect(s.subs!.map((sub) => sub.protocol)).toEqual(['RTMP', 'FLV', 'HLS']);
    expect((s as Json).pull).toMatchObject({ session_id: '', base_type: '' });
    // Near the stream's rate: the publisher's bytes over a later stretch, in lal's kbit (1024).
    const later = await waitFor('an on_update 5 s later', () => receiver.calls.filter((call) => call.path === '/on_update' && call.atMs >= full.atMs + 5000).at(-1), 10_000);
    const sLater = groupOf(later, 's')!;
    const measured = ((Number(sLater.pub.read_bytes_sum) - Number(s.pub.read_bytes_sum)) * 8) / 1024 / ((later.atMs - full.atMs) / 1000);
    expect(Number(sLater.pub.bitrate_kbits)).toBeGreaterThan(measured * 0.5);
    expect(Number(sLater.pub.bitrate_kbits)).toBeLessThan(measured * 1.5);
    const flvLater = sLater.subs!.find((sub) => sub.protocol === 'FLV')!;
    expect(Number(flvLater.bitrate_kbits)).toBeGreaterThan(measured * 0.5);

    // lal's API on the API listener.
    const info = await lal(server.apiUrl('api/stat/lal_info'));
    expect(info).toMatchObject({ error_code: 0, desp: 'succ', data: { server_id: 'lal-it-1', lal_version: 'v0.37.4' } });
    expect(Object.keys(info)).toEqual(['error_code', 'desp', 'data']);
    const group = await lal(server.apiUrl('api/stat/group?stream_name=s'));
    expect(group).toMatchObject({ error_code: 0, data: { stream_name: 's', pub: { session_id: pubS.session_id } } });
    expect(await lal(server.apiUrl('api/stat/group?stream_name=nope'))).toEqual({ error_code: 1001, desp: 'group not found', data: null });
    expect(await lal(server.apiUrl('api/stat/group'))).toEqual({ error_code: 1002, desp: 'param missing', data: null });
    const all = await lal(server.apiUrl('api/stat/all_group'));
    expect((all.data as { groups: Group[] }).groups.map((g) => g.stream_name).sort()).toEqual(['s', 't']);
    expect(await lal(server.apiUrl('api/ctrl/start_relay_pull'), { method: 'POST', body: JSON.stringify({ url: 'rtmp://origin/live/s' }) })).toEqual({
      error_code: 2001, desp: 'lal.logic: in stream already exist at group', data: { stream_name: '', session_id: '' },
    });
    // A pull of a dead upstream: started (lal answers once the dial begins), one attempt, never a start event.
    expect(await lal(server.apiUrl('api/ctrl/start_relay_pull'), { method: 'POST', body: JSON.stringify({ url: 'rtmp://127.0.0.1:1/live/other' }) })).toEqual({
      error_code: 0, desp: 'succ', data: { stream_name: 'other', session_id: 'RTMPPULL1' },
    });
    expect(await lal(server.apiUrl('api/ctrl/start_relay_pull'), { method: 'POST', body: '{"stream_name":"x"}' })).toMatchObject({ error_code: 1002, desp: 'param missing' });
    expect(await lal(server.apiUrl('api/ctrl/stop_relay_pull?stream_name=s'))).toEqual({ error_code: 1003, desp: 'session not found', data: { session_id: '' } });
    expect(await lal(server.apiUrl('api/ctrl/stop_relay_pull?stream_name=none'))).toEqual({ error_code: 1001, desp: 'group not found', data: { session_id: '' } });
    expect(await lal(server.apiUrl('api/ctrl/kick_session'), { method: 'POST', body: 'not json' })).toEqual({ error_code: 1002, desp: 'param missing' });
    expect(await lal(server.apiUrl('api/ctrl/kick_session'), { method: 'POST', body: '{"stream_name":"s","session_id":"FLVPUBSUB99"}' })).toEqual({ error_code: 1003, desp: 'session not found' });
    expect(await lal(server.apiUrl('api/stat/nothing'))).toEqual({ error_code: 404, desp: 'page not found, check this document out: lal' });

    // The FLV viewer leaves: its stop, others still watching.
    flv.close();
    const flvStop = await waitFor('FLV on_sub_stop', () => bodies(receiver, 'on_sub_stop').find((body) => body.session_id === 'FLVPUBSUB1'));
    expect(flvStop).toMatchObject({ protocol: 'FLV', has_in_session: true, has_out_session: true });
    expect(Number(flvStop.wrote_bytes_sum)).toBeGreaterThan(10_000);

    // Kicks through lal's API: the ordinary teardown, so the stop follows (the TS viewer was t's last).
    expect(await lal(server.apiUrl('api/ctrl/kick_session'), { method: 'POST', body: '{"stream_name":"t","session_id":"TSPUBSUB1"}' })).toEqual({ error_code: 0, desp: 'succ' });
    expect(await ts.done).toMatchObject({ complete: expect.any(Boolean) });
    const tsStop = await waitFor('TS on_sub_stop', () => bodies(receiver, 'on_sub_stop').find((body) => body.session_id === 'TSPUBSUB1'));
    expect(tsStop).toMatchObject({ has_out_session: false });
    expect(await lal(server.apiUrl('api/ctrl/kick_session'), { method: 'POST', body: '{"stream_name":"s","session_id":"HLSSUB1"}' })).toEqual({ error_code: 0, desp: 'succ' });
    await waitFor('HLS on_sub_stop', () => bodies(receiver, 'on_sub_stop').find((body) => body.session_id === 'HLSSUB1'));
    clearInterval(refresh);

    // Unpublish of t: its stop, no publisher left.
    publisherT.child.kill('SIGKILL');
    const pubT = pubStarts.find((body) => body.stream_name === 't')!;
    const tStop = await waitFor('t on_pub_stop', () => bodies(receiver, 'on_pub_stop').find((body) => body.session_id === pubT.session_id));
    expect(tStop).toMatchObject({ has_in_session: false, has_out_session: false });

    // HLS segments: an open (duration 0) before each close of the same id, in order.
    const made = bodies(receiver, 'on_hls_make_ts');
    const closes = made.filter((body) => body.event === 'close');
    expect(closes.length).toBeGreaterThan(0);
    for (const close of closes) {
      const openAt = made.findIndex((body) => body.event === 'open' && body.id === close.id);
      expect(openAt).toBeGreaterThanOrEqual(0);
      expect(openAt).toBeLessThan(made.indexOf(close));
      expect(made[openAt]).toMatchObject({ duration: 0, stream_name: 's', record_m3u8_file: '', cwd: process.cwd() });
      expect(Number(close.duration)).toBeGreaterThan(0.1);
      expect(String(close.ts_file)).toContain(`${dir}/live/s-`);
    }

    // Shutdown: the remaining publisher and RTMP viewer get their stops before the server is gone.
    await server.stop();
    const starts = [...bodies(receiver, 'on_pub_start'), ...bodies(receiver, 'on_sub_start')].map((body) => `${body.session_id}:${body.base_type}`);
    const stops = [...bodies(receiver, 'on_pub_stop'), ...bodies(receiver, 'on_sub_stop')].map((body) => `${body.session_id}:${body.base_type}`);
    expect(new Set(starts).size).toBe(starts.length);
    expect([...stops].sort()).toEqual([...starts].sort());
    expect(bodies(receiver, 'on_server_start')).toHaveLength(1);
    expect(bodies(receiver, 'on_server_start')[0]).toMatchObject({ server_id: 'lal-it-1', WebUiVersion: 'v0.0.3' });
    expect(bodies(receiver, 'on_relay_pull_start')).toHaveLength(0);
    for (const call of receiver.calls) expect({ path: call.path, keys: Object.keys(call.json) }).toEqual({ path: call.path, keys: GOLDEN[call.path] });
    for (const call of receiver.calls.filter((c) => c.path === '/on_update')) {
      for (const g of (call.json.groups as Group[] | null) ?? []) expect(Object.keys(g)).toEqual(GROUP_KEYS);
    }
  }, 90_000);
});
