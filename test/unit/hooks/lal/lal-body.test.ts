import { describe, expect, it } from 'vitest';
import { hlsMakeTsBody, lalInfoBody, relayEventBody, rtmpConnectBody, sessionEventBody, statGroupBody, updateBody } from '../../../../src/hooks/lal/lal-body.js';
import { lalKbits, lalSessionId, remoteAddr } from '../../../../src/hooks/lal/lal-session.js';
import { formatLalTime } from '../../../../src/hooks/lal/lal-time.js';
import type { StreamSnapshot } from '../../../../src/hooks/events.js';
import { makeEvent } from '../helpers.js';

/** Keys in order, as lal's structs marshal (lal-lssn-spec A2). */
const SESSION_KEYS = ['server_id', 'session_id', 'protocol', 'base_type', 'remote_addr', 'url', 'app_name', 'stream_name', 'url_param', 'has_in_session', 'has_out_session', 'read_bytes_sum', 'wrote_bytes_sum'];
const STAT_SESSION_KEYS = ['session_id', 'protocol', 'base_type', 'remote_addr', 'start_time', 'read_bytes_sum', 'wrote_bytes_sum', 'bitrate_kbits', 'read_bitrate_kbits', 'write_bitrate_kbits'];
const GROUP_KEYS = ['stream_name', 'app_name', 'audio_codec', 'video_codec', 'video_width', 'video_height', 'pub', 'subs', 'pull', 'in_frame_per_sec'];

describe('lal bodies: keys, order, types', () => {
  it('on_pub_start of an RTMP publisher is lal canonical body, remote_addr and all', () => {
    const event = makeEvent({ type: 'publish', ordinal: 1, port: 52576, tcUrl: 'rtmp://127.0.0.1:1935/live', stream: 'test110', param: '?token=1111', recvBytes: 3407, sendBytes: 3500, flashVer: '' });
    const text = JSON.stringify(sessionEventBody('1', event, 'PUB', { hasIn: true, hasOut: false }));
    expect(text).toBe('{"server_id":"1","session_id":"RTMPPUBSUB1","protocol":"RTMP","base_type":"PUB","remote_addr":"127.0.0.1:52576","url":"rtmp://127.0.0.1:1935/live/test110?token=1111","app_name":"live","stream_name":"test110","url_param":"token=1111","has_in_session":true,"has_out_session":false,"read_bytes_sum":3407,"wrote_bytes_sum":3500}');
  });

  it.each([
    ['http-flv', 'FLVPUBSUB3', 'FLV', 's', 'http://127.0.0.1:8080/live/s.flv?a=1'],
    ['http-ts', 'TSPUBSUB3', 'TS', 's', 'http://127.0.0.1:8080/live/s.ts?a=1'],
    ['hls', 'HLSSUB3', 'HLS', 's.m3u8', 'http://127.0.0.1:8080/live/s.m3u8?a=1'],
  ] as const)('on_sub_start of a %s viewer: %s, protocol %s, the group is the hub stream', (protocol, id, lal, stream, url) => {
    const event = makeEvent({ type: 'play', protocol, ordinal: 3, stream, streamUrl: '/live/s', param: '?a=1', serverPort: 8080 });
    const body = sessionEventBody('1', event, 'SUB', { hasIn: false, hasOut: true }) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(SESSION_KEYS);
    expect(body).toMatchObject({ session_id: id, protocol: lal, base_type: 'SUB', stream_name: 's', url, url_param: 'a=1', has_in_session: false, has_out_session: true });
  });

  it('on_rtmp_connect: server_id, session_id, remote_addr, app, flashVer, tcUrl', () => {
    const event = makeEvent({ ordinal: 4, flashVer: 'FMLE/3.0 (compatible; Lavf57.83.100)' });
    expect(JSON.stringify(rtmpConnectBody('1', event))).toBe('{"server_id":"1","session_id":"RTMPPUBSUB4","remote_addr":"127.0.0.1:50123","app":"live","flashVer":"FMLE/3.0 (compatible; Lavf57.83.100)","tcUrl":"rtmp://127.0.0.1:1935/live"}');
  });

  it('on_hls_make_ts: server_id first, open with duration 0, close with the segment duration', () => {
    const publisher = { clientId: 'c1', ip: '1.2.3.4', vhost: '__defaultVhost__', app: 'live', stream: 's', param: '', tcUrl: '', streamUrl: '/live/s', streamId: '' };
    const open = hlsMakeTsBody('1', { type: 'hls_segment_open', timeMs: 0, publisher, file: './h/live/s-2.ts', m3u8: './h/live/s.m3u8', m3u8Url: 'live/s.m3u8', seq: 2 }, '/srv');
    expect(JSON.stringify(open)).toBe('{"server_id":"1","event":"open","stream_name":"s","cwd":"/srv","ts_file":"./h/live/s-2.ts","live_m3u8_file":"./h/live/s.m3u8","record_m3u8_file":"","id":2,"duration":0}');
    const close = hlsMakeTsBody('1', { type: 'hls_segment', timeMs: 0, publisher, file: './h/live/s-2.ts', url: 'live/s-2.ts', m3u8: './h/live/s.m3u8', m3u8Url: 'live/s.m3u8', seq: 2, uri: 's-2.ts', duration: 3.333 }, '/srv');
    expect(close).toMatchObject({ event: 'close', id: 2, duration: 3.333 });
  });

  it('LalInfo keeps lal WebUiVersion spelling and its key order', () => {
    const body = lalInfoBody({ serverId: '1', startedAtMs: Date.UTC(2024, 9, 23, 1, 59), binInfo: 'srs-ts' }) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['server_id', 'bin_info', 'lal_version', 'api_version', 'notify_version', 'WebUiVersion', 'start_time']);
    expect(body).toMatchObject({ lal_version: 'v0.37.4', api_version: 'v0.4.9', notify_version: 'v0.2.5' });
  });

  it('on_update: groups null without streams; a group with zero pub/pull, null subs, subs in lal protocol order', () => {
    expect(JSON.stringify(updateBody('1', []))).toBe('{"server_id":"1","groups":null}');
    const client = (protocol: 'rtmp' | 'http-flv' | 'hls', ordinal: number) => ({ clientId: `c${ordinal}`, protocol, ordinal, ip: '::1', port: 9, startedAtMs: 0, sendBytes: 10, recvBytes: 20, window: { sentBytes: 640_000, recvBytes: 0, ms: 5000 } });
    const empty: StreamSnapshot = { vhost: 'v', app: 'live', stream: 's', video: undefined, audio: undefined, publisher: undefined, players: [] };
    const group = statGroupBody(empty) as Record<string, unknown>;
    expect(Object.keys(group)).toEqual(GROUP_KEYS);
    expect(group).toMatchObject({ audio_codec: '', video_codec: '', video_width: 0, subs: null, in_frame_per_sec: [], pub: { session_id: '', base_type: '', read_bytes_sum: 0 } });
    expect(Object.keys(group.pub as object)).toEqual(STAT_SESSION_KEYS);
    const full = statGroupBody({ ...empty, video: { codec: 'avc', width: 320, height: 240 }, audio: 'aac', players: [client('hls', 1), client('http-flv', 2), client('rtmp', 3)] }) as { subs: Record<string, unknown>[] } & Record<string, unknown>;
    expect(full).toMatchObject({ audio_codec: 'AAC', video_codec: 'H264', video_width: 320, video_height: 240 });
    expect(full.subs.map((s) => s.session_id)).toEqual(['RTMPPUBSUB3', 'FLVPUBSUB2', 'HLSSUB1']);
    // 640000 bytes in 5 s: 640000*8/1024/5 = 1000 kbit/s, the write rate for a SUB.
    expect(full.subs[0]).toMatchObject({ remote_addr: '[::1]:9', bitrate_kbits: 1000, write_bitrate_kbits: 1000, read_bitrate_kbits: 0 });
  });

  it('relay events carry base_type PULL and an RTMPPULL id', () => {
    const body = relayEventBody('1', { type: 'relay_start', timeMs: 0, clientId: 'x', ordinal: 1, url: 'rtmp://o:1935/live/s?k=v', remote: 'o:1935', vhost: 'v', app: 'live', stream: 's', param: '?k=v', sendBytes: 0, recvBytes: 0, hasPublisher: true, hasPlayers: false }) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(SESSION_KEYS);
    expect(body).toMatchObject({ session_id: 'RTMPPULL1', base_type: 'PULL', url_param: 'k=v', remote_addr: 'o:1935' });
  });
});

describe('lal helpers', () => {
  it('session ids, remote addresses, 1024-based integer kbits', () => {
    expect(lalSessionId('rtmp', 1)).toBe('RTMPPUBSUB1');
    expect(lalSessionId('http-ts', 12)).toBe('TSPUBSUB12');
    expect(remoteAddr('10.0.0.1', 80)).toBe('10.0.0.1:80');
    expect(remoteAddr('fe80::1', 80)).toBe('[fe80::1]:80');
    expect(lalKbits(3199, 5000)).toBe(4);
    expect(lalKbits(100, 0)).toBe(0);
  });

  it('start_time in Go layout "2006-01-02 15:04:05.999 Z0700 MST": trailing zeros of the fraction dropped', () => {
    const base = new Date(2024, 9, 23, 9, 59, 0).getTime();
    expect(formatLalTime(base + 123)).toMatch(/^2024-10-23 09:59:00\.123 [+-]\d{4} \S+$/);
    expect(formatLalTime(base + 100)).toMatch(/^2024-10-23 09:59:00\.1 [+-]\d{4} \S+$/);
    expect(formatLalTime(base)).toMatch(/^2024-10-23 09:59:00 [+-]\d{4} \S+$/);
  });
});
