import path from 'node:path';
import { expandStreamVars, type StreamNames } from '../config/stream-vars.js';

/**
 * File names and URIs of HLS output, as SRS builds them (srs-wave2-spec
 * §2.2): pure functions of the templates, the stream and the clock.
 */


const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/**
 * A segment's name when it opens: stream vars, the date variables of the
 * local time (`[2006]` year ... `[999]` ms, Go-style as SRS), `[timestamp]`
 * (Unix ms, or the floor piece with hls_ts_floor) and `[seq]`.
 * `[duration]` stays until the segment closes.
 */
export function segmentName(template: string, names: StreamNames, now: Date, seq: number, timestamp: number): string {
  return expandStreamVars(template, names)
    .replaceAll('[2006]', String(now.getFullYear()))
    .replaceAll('[01]', pad(now.getMonth() + 1))
    .replaceAll('[02]', pad(now.getDate()))
    .replaceAll('[15]', pad(now.getHours()))
    .replaceAll('[04]', pad(now.getMinutes()))
    .replaceAll('[05]', pad(now.getSeconds()))
    .replaceAll('[999]', pad(now.getMilliseconds(), 3))
    .replaceAll('[timestamp]', String(timestamp))
    .replaceAll('[seq]', String(seq));
}

/** `[duration]` (ms, integer) is known when the segment closes (srs_app_fragment.cpp). */
export function withDuration(name: string, durationMs: number): string {
  return name.replaceAll('[duration]', String(Math.round(durationMs)));
}

/**
 * The URI the playlist lists: the ts path relative to the m3u8's directory;
 * with `hls_entry_prefix P`, `P + uri` when P ends in `/`, else
 * `P/<m3u8 dir>/uri` (srs_app_hls.cpp:485-504: `http://cdn/` and
 * `http://cdn` give different URLs, as in SRS).
 */
export function segmentUri(m3u8Name: string, tsName: string, entryPrefix: string): string {
  const m3u8Dir = path.posix.dirname(m3u8Name);
  const relative = m3u8Dir === '.' ? tsName : path.posix.relative(m3u8Dir, tsName);
  if (entryPrefix === '') return relative;
  if (entryPrefix.endsWith('/')) return entryPrefix + relative;
  return `${entryPrefix}/${m3u8Dir === '.' ? '' : `${m3u8Dir}/`}${relative}`;
}

/**
 * on_hls `url`: `dirname(m3u8_url) + "/" + uri` unless the uri is already
 * an http(s) URL (srs-wave2-spec §2.6); SRS's dirname of `x.m3u8` is `./`,
 * so a root-level playlist gives `.//x-1.ts`, kept for compatibility.
 */
export function hookSegmentUrl(m3u8Name: string, uri: string): string {
  if (/^https?:\/\//i.test(uri)) return uri;
  const dir = path.posix.dirname(m3u8Name);
  return `${dir === '.' ? './' : dir}/${uri}`;
}

/**
 * hls_ts_floor: `[timestamp]` is the piece number floor(now / fragment),
 * one more than the last segment's, reset to the clock when the clock ran
 * more than 20 pieces ahead (srs_app_hls.cpp:443-474).
 */
export function nextFloorPiece(previous: number | undefined, nowMs: number, fragmentMs: number): number {
  const current = Math.floor(nowMs / fragmentMs);
  if (previous === undefined || current - (previous + 1) > 20) return current;
  return previous + 1;
}
