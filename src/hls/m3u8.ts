/**
 * SRS's live playlist, byte for byte (srs-wave2-spec §2.3, srs_app_hls.cpp
 * `_refresh_m3u8`): LF line ends, no ENDLIST, PLAYLIST-TYPE or
 * PROGRAM-DATE-TIME, a DISCONTINUITY before every segment that received a
 * sequence header. Pure.
 */

/** One closed, listed segment. */
export interface ListedSegment {
  readonly seq: number;
  /** Milliseconds (max DTS - min DTS of its frames). */
  readonly durationMs: number;
  /** As the playlist lists it. */
  readonly uri: string;
  readonly discontinuity: boolean;
}

/**
 * How many of the newest segments stay: walking from the newest, the first
 * one whose cumulative duration exceeds the window is the oldest kept
 * (srs_app_fragment.cpp:208-229), so a 60 s window of 10 s segments lists 7.
 */
export function windowStart(segments: readonly ListedSegment[], windowSec: number): number {
  let total = 0;
  for (let i = segments.length - 1; i >= 0; i--) {
    total += (segments[i] as ListedSegment).durationMs;
    if (total > windowSec * 1000) return i;
  }
  return 0;
}

/** The playlist text for `segments` (already windowed, oldest first, at least one). */
export function renderPlaylist(segments: readonly ListedSegment[], fragmentSec: number, tdRatio: number): string {
  const first = segments[0];
  if (first === undefined) throw new RangeError('a playlist lists at least one segment');
  let longestMs = fragmentSec * tdRatio * 1000;
  for (const segment of segments) longestMs = Math.max(longestMs, segment.durationMs);
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-MEDIA-SEQUENCE:${first.seq}`, `#EXT-X-TARGETDURATION:${Math.ceil(Math.round(longestMs) / 1000)}`];
  for (const segment of segments) {
    if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXTINF:${(Math.round(segment.durationMs) / 1000).toFixed(3)}, no desc`, segment.uri);
  }
  return `${lines.join('\n')}\n`;
}
