import { DEFAULT_VHOST } from '../../config/schema.js';
import type { ClientSnapshot, HlsSegmentEvent, HlsSegmentOpenEvent, RelayEvent, SessionEvent, StreamSnapshot } from '../events.js';
import { formatLalTime } from './lal-time.js';
import { LAL_PROTOCOL, lalKbits, lalPullSessionId, lalSessionId, remoteAddr, SUB_ORDER } from './lal-session.js';

/**
 * lalserver's HTTP Notify and HTTP API bodies, key for key and in the order
 * Go marshals lal's structs (lal-lssn-spec A2): no key is ever omitted,
 * empty slices are `null`, `remote_addr` (never the docs' `remotet_addr`),
 * `WebUiVersion` in PascalCase, `server_id` first everywhere. Objects are
 * built with their keys in that order, so JSON.stringify writes lal's text.
 */

/** The lal versions whose behaviour this follows (lal:pkg/base/t_version.go:23-32). */
export const LAL_VERSIONS = Object.freeze({ lal: 'v0.37.4', api: 'v0.4.9', notify: 'v0.2.5', webUi: 'v0.0.3' });

/** A JSON value as the encoders build it. */
export type LalJson = string | number | boolean | null | readonly LalJson[] | { readonly [key: string]: LalJson };

/** lal's `SessionEventCommonInfo` (t_http_an__notify.go:14-38): on_pub_*, on_sub_*, on_relay_pull_*. */
export function sessionEventBody(serverId: string, event: SessionEvent, baseType: 'PUB' | 'SUB', group: { hasIn: boolean; hasOut: boolean }): LalJson {
  const stream = lalStreamName(event);
  return {
    server_id: serverId,
    session_id: lalSessionId(event.protocol, event.ordinal),
    protocol: LAL_PROTOCOL[event.protocol],
    base_type: baseType,
    remote_addr: remoteAddr(event.ip, event.port),
    url: sessionUrl(event, stream),
    app_name: event.app,
    stream_name: stream,
    url_param: event.param.startsWith('?') ? event.param.slice(1) : event.param,
    has_in_session: group.hasIn,
    has_out_session: group.hasOut,
    read_bytes_sum: event.recvBytes,
    wrote_bytes_sum: event.sendBytes,
  };
}

/**
 * lal's relay events (group__in.go:162-196): the common shape, `base_type`
 * `"PULL"` in ours where lal leaves it `""` (a documented difference) and
 * `remote_addr` as the URL names the upstream.
 */
export function relayEventBody(serverId: string, event: RelayEvent): LalJson {
  return {
    server_id: serverId,
    session_id: lalPullSessionId(event.ordinal),
    protocol: 'RTMP',
    base_type: 'PULL',
    remote_addr: event.remote,
    url: event.url,
    app_name: event.app,
    stream_name: event.stream,
    url_param: event.param.startsWith('?') ? event.param.slice(1) : event.param,
    has_in_session: event.hasPublisher,
    has_out_session: event.hasPlayers,
    read_bytes_sum: event.recvBytes,
    wrote_bytes_sum: event.sendBytes,
  };
}

/** lal's `RtmpConnectInfo` (t_http_an__notify.go:70-78); `app` and `tcUrl` as the connect named them. */
export function rtmpConnectBody(serverId: string, event: SessionEvent): LalJson {
  return {
    server_id: serverId,
    session_id: lalSessionId(event.protocol, event.ordinal),
    remote_addr: remoteAddr(event.ip, event.port),
    app: event.app,
    flashVer: event.flashVer,
    tcUrl: event.tcUrl,
  };
}

/**
 * lal's `HlsMakeTsInfo` (t_http_an__notify.go:80-91): `open` with duration 0
 * when the file is opened, `close` once it is closed and the playlist
 * rewritten (muxer.go:272-365). We keep no record playlist: `record_m3u8_file` is "".
 */
export function hlsMakeTsBody(serverId: string, event: HlsSegmentEvent | HlsSegmentOpenEvent, cwd: string): LalJson {
  return {
    server_id: serverId,
    event: event.type === 'hls_segment_open' ? 'open' : 'close',
    stream_name: event.publisher.stream,
    cwd,
    ts_file: event.file,
    live_m3u8_file: event.m3u8,
    record_m3u8_file: '',
    id: event.seq,
    duration: event.type === 'hls_segment_open' ? 0 : event.duration,
  };
}

/** What LalInfo needs besides the constants. */
export interface LalInfoFacts {
  readonly serverId: string;
  readonly startedAtMs: number;
  /** lal's `bin_info` is its build line; ours names the server and its version (the app writes it). */
  readonly binInfo: string;
}

/** lal's `LalInfo` (t_http_an__.go:33-41): on_server_start and /api/stat/lal_info. */
export function lalInfoBody(facts: LalInfoFacts): LalJson {
  return {
    server_id: facts.serverId,
    bin_info: facts.binInfo,
    lal_version: LAL_VERSIONS.lal,
    api_version: LAL_VERSIONS.api,
    notify_version: LAL_VERSIONS.notify,
    WebUiVersion: LAL_VERSIONS.webUi,
    start_time: formatLalTime(facts.startedAtMs),
  };
}

/** lal's `UpdateInfo` (t_http_an__notify.go:40-44): `groups` is null when there is none. */
export function updateBody(serverId: string, streams: readonly StreamSnapshot[]): LalJson {
  return { server_id: serverId, groups: streams.length === 0 ? null : streams.map(statGroupBody) };
}

const VIDEO_CODEC = { avc: 'H264', hevc: 'H265' } as const;

/**
 * lal's `StatGroup` (t_http_an__.go:43-57): `pub` and `pull` always present
 * (zero values when absent), `subs` null when empty and in lal's protocol
 * order. `in_frame_per_sec` is not measured by us: always `[]`.
 */
export function statGroupBody(stream: StreamSnapshot): LalJson {
  const subs = [...stream.players].sort((a, b) => SUB_ORDER[a.protocol] - SUB_ORDER[b.protocol]).map((player) => statSessionBody(player, 'SUB'));
  return {
    stream_name: stream.stream,
    app_name: stream.app,
    audio_codec: stream.audio === 'aac' ? 'AAC' : '',
    video_codec: stream.video === undefined ? '' : VIDEO_CODEC[stream.video.codec],
    video_width: stream.video?.width ?? 0,
    video_height: stream.video?.height ?? 0,
    pub: stream.publisher === undefined ? ZERO_SESSION : statSessionBody(stream.publisher, 'PUB'),
    subs: subs.length === 0 ? null : subs,
    pull: stream.pull === undefined ? ZERO_SESSION : statSessionBody(stream.pull, 'PULL'),
    in_frame_per_sec: [],
  };
}

/** lal's `StatSession` (t_http_an__.go:64-79); `bitrate_kbits` is the read rate for PUB and PULL, the write rate for SUB. */
function statSessionBody(client: ClientSnapshot, baseType: 'PUB' | 'SUB' | 'PULL'): LalJson {
  const read = lalKbits(client.window.recvBytes, client.window.ms);
  const write = lalKbits(client.window.sentBytes, client.window.ms);
  return {
    session_id: baseType === 'PULL' ? lalPullSessionId(client.ordinal) : lalSessionId(client.protocol, client.ordinal),
    protocol: LAL_PROTOCOL[client.protocol],
    base_type: baseType,
    remote_addr: remoteAddr(client.ip, client.port),
    start_time: formatLalTime(client.startedAtMs),
    read_bytes_sum: client.recvBytes,
    wrote_bytes_sum: client.sendBytes,
    bitrate_kbits: baseType === 'SUB' ? write : read,
    read_bitrate_kbits: read,
    write_bitrate_kbits: write,
  };
}

/** Go's zero `StatSession`: what lal shows for a group without publisher or pull (group__.go:281). */
const ZERO_SESSION: LalJson = Object.freeze({
  session_id: '',
  protocol: '',
  base_type: '',
  remote_addr: '',
  start_time: '',
  read_bytes_sum: 0,
  wrote_bytes_sum: 0,
  bitrate_kbits: 0,
  read_bitrate_kbits: 0,
  write_bitrate_kbits: 0,
});

/** The stream's name as lal's group knows it: an HLS viewer's hooks see `s.m3u8`, lal's group is `s`. */
export function lalStreamName(event: SessionEvent): string {
  if (event.protocol !== 'hls') return event.stream;
  // stream_url is `[vhost]/app/<hub stream>` (session/stream-url.ts): the hub's name is what follows `/app/`.
  const prefix = `${event.vhost === DEFAULT_VHOST ? '' : event.vhost}/${event.app}/`;
  return event.streamUrl.startsWith(prefix) ? event.streamUrl.slice(prefix.length) : event.stream.replace(/\.m3u8$/, '');
}

/** The URL the client asked for, query included, as lal's `session.Url()`. */
function sessionUrl(event: SessionEvent, stream: string): string {
  if (event.protocol === 'rtmp') {
    const queryAt = event.tcUrl.indexOf('?');
    const base = queryAt === -1 ? event.tcUrl : event.tcUrl.slice(0, queryAt);
    return `${base.replace(/\/+$/, '')}/${event.stream}${event.param}`;
  }
  // HTTP viewers: the local address they reached, as our events do not carry the Host header.
  const extension = event.protocol === 'http-flv' ? '.flv' : event.protocol === 'http-ts' ? '.ts' : '.m3u8';
  return `http://${remoteAddr(event.serverIp, event.serverPort)}/${event.app}/${stream}${extension}${event.param}`;
}
