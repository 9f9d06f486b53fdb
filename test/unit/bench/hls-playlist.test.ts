import { describe, expect, it } from 'vitest';
import { firstVariantUri, isMasterPlaylist, parseMediaPlaylist } from '../../../test/bench/hls-playlist.js';

/** Our server's first answer (SRS's master playlist) and a live playlist as src/hls/m3u8.ts writes one, .ts URIs with the ctx. */
const MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1\nbench.m3u8?hls_ctx=abc123\n';
const MEDIA = [
  '#EXTM3U',
  '#EXT-X-VERSION:3',
  '#EXT-X-MEDIA-SEQUENCE:41',
  '#EXT-X-TARGETDURATION:2',
  '#EXTINF:2.000, no desc',
  'bench-41.ts?hls_ctx=abc123',
  '#EXT-X-DISCONTINUITY',
  '#EXTINF:2.000, no desc',
  'bench-42.ts?hls_ctx=abc123',
  '',
].join('\n');

describe('bench HLS playlist parsing', () => {
  it('finds the variant of a master playlist, relative as listed', () => {
    expect(isMasterPlaylist(MASTER)).toBe(true);
    expect(firstVariantUri(MASTER)).toBe('bench.m3u8?hls_ctx=abc123');
    expect(new URL(firstVariantUri(MASTER) as string, 'http://127.0.0.1:8080/live/bench.m3u8').href).toBe('http://127.0.0.1:8080/live/bench.m3u8?hls_ctx=abc123');
  });

  it('numbers segments from EXT-X-MEDIA-SEQUENCE and reads the target duration', () => {
    expect(isMasterPlaylist(MEDIA)).toBe(false);
    expect(firstVariantUri(MEDIA)).toBeUndefined();
    expect(parseMediaPlaylist(MEDIA)).toEqual({
      targetDurationSec: 2,
      segments: [
        { seq: 41, uri: 'bench-41.ts?hls_ctx=abc123' },
        { seq: 42, uri: 'bench-42.ts?hls_ctx=abc123' },
      ],
    });
  });

  it('accepts CRLF line ends and refuses what is not a playlist', () => {
    expect(parseMediaPlaylist(MEDIA.replaceAll('\n', '\r\n')).segments.map((s) => s.seq)).toEqual([41, 42]);
    expect(parseMediaPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:10\n').segments).toEqual([]);
    expect(() => parseMediaPlaylist('HLS stream x is EOF\n')).toThrow(/not a playlist/);
  });
});
