/**
 * The little of M3U8 an HLS viewer of the bench needs (RFC 8216): the
 * variant a master playlist points to, and a live media playlist's media
 * sequence, target duration and segment URIs. Pure, so it is unit-tested.
 */

/** One segment of a media playlist: its sequence number and URI as listed (relative to the playlist). */
export interface PlaylistSegment {
  readonly seq: number;
  readonly uri: string;
}

/** What a media playlist says. */
export interface MediaPlaylist {
  /** EXT-X-TARGETDURATION, seconds; NaN when absent. */
  readonly targetDurationSec: number;
  /** Oldest first; the first one's seq is EXT-X-MEDIA-SEQUENCE. */
  readonly segments: readonly PlaylistSegment[];
}

/** True for a master playlist (it names variants, not segments). */
export function isMasterPlaylist(text: string): boolean {
  return text.includes('#EXT-X-STREAM-INF');
}

/** The URI line after the first EXT-X-STREAM-INF; undefined when there is none. */
export function firstVariantUri(text: string): string | undefined {
  const lines = text.split('\n').map((line) => line.trim());
  const at = lines.findIndex((line) => line.startsWith('#EXT-X-STREAM-INF'));
  if (at < 0) return undefined;
  return lines.slice(at + 1).find((line) => line !== '' && !line.startsWith('#'));
}

function tagNumber(line: string, tag: string): number | undefined {
  if (!line.startsWith(`${tag}:`)) return undefined;
  const value = Number(line.slice(tag.length + 1));
  return Number.isFinite(value) ? value : undefined;
}

/** Parses a media playlist; throws when it has no EXTM3U header. */
export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = text.split('\n').map((line) => line.trim());
  if (lines[0] !== '#EXTM3U') throw new Error(`not a playlist: ${JSON.stringify(text.slice(0, 40))}`);
  let seq = 0;
  let targetDurationSec = Number.NaN;
  const segments: PlaylistSegment[] = [];
  for (const line of lines) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      seq = tagNumber(line, '#EXT-X-MEDIA-SEQUENCE') ?? seq;
      targetDurationSec = tagNumber(line, '#EXT-X-TARGETDURATION') ?? targetDurationSec;
      continue;
    }
    // Each URI line is the next segment: sequence numbers count up from EXT-X-MEDIA-SEQUENCE (RFC 8216 §6.3.2).
    segments.push({ seq, uri: line });
    seq += 1;
  }
  return { targetDurationSec, segments };
}
