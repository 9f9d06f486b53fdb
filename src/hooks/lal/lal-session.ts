import type { ClientProtocol } from '../events.js';

/**
 * How lal names sessions (lal-lssn-spec A2, A5): protocol strings of
 * t_session.go:58-64 and the id prefixes of t_unique.go:13-27. lal's
 * HTTP-FLV and HTTP-TS subscribers really are `FLVPUBSUB<n>`/`TSPUBSUB<n>`
 * (the docs' `FLVSUB1` predates lal commit 5ef6241); RTMP publishers and
 * players share `RTMPPUBSUB<n>`, as in lal one connection type does both.
 */

/** lal `protocol` of each of our client protocols. */
export const LAL_PROTOCOL: Readonly<Record<ClientProtocol, string>> = Object.freeze({ rtmp: 'RTMP', 'http-flv': 'FLV', 'http-ts': 'TS', hls: 'HLS' });

/** lal session id prefix of each of our client protocols. */
const ID_PREFIX: Readonly<Record<ClientProtocol, string>> = Object.freeze({ rtmp: 'RTMPPUBSUB', 'http-flv': 'FLVPUBSUB', 'http-ts': 'TSPUBSUB', hls: 'HLSSUB' });

/** The order lal lists a group's subs in: rtmp, httpflv, httpts, (rtsp), hls (group__.go:286-324). */
export const SUB_ORDER: Readonly<Record<ClientProtocol, number>> = Object.freeze({ rtmp: 0, 'http-flv': 1, 'http-ts': 2, hls: 3 });

/** `RTMPPUBSUB3`, `FLVPUBSUB1` ... from a protocol and its per-protocol ordinal. */
export function lalSessionId(protocol: ClientProtocol, ordinal: number): string {
  return `${ID_PREFIX[protocol]}${ordinal}`;
}

/** The session id of an RTMP relay pull (`RTMPPULL<n>`). */
export function lalPullSessionId(ordinal: number): string {
  return `RTMPPULL${ordinal}`;
}

/** Go's `net.JoinHostPort`: `[::1]:1935` for IPv6, `1.2.3.4:1935` otherwise. */
export function remoteAddr(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** lal's 5 s bitrate: `(bytes_now - bytes_prev) * 8 / 1024 / 5` in integers (basic_session_stat.go:173-190), over the interval measured. */
export function lalKbits(bytes: number, ms: number): number {
  return ms <= 0 || bytes <= 0 ? 0 : Math.floor((bytes * 8 * 1000) / 1024 / ms);
}
