import { describe, expect, it } from 'vitest';
import { renderPlaylist, windowStart, type ListedSegment } from '../../../src/hls/m3u8.js';
import { expandStreamVars } from '../../../src/config/stream-vars.js';
import { hookSegmentUrl, nextFloorPiece, segmentName, segmentUri, withDuration } from '../../../src/hls/hls-names.js';

const names = { vhost: 'v.example', app: 'live', stream: 's' };

function segments(durationsMs: number[], firstSeq = 0): ListedSegment[] {
  return durationsMs.map((durationMs, i) => ({ seq: firstSeq + i, durationMs, uri: `s-${firstSeq + i}.ts`, discontinuity: i === 0 }));
}

describe('m3u8: SRS playlist text and window (srs-wave2-spec §2.3)', () => {
  it('writes SRS text byte for byte: version 3, first seq, rounded-up target, 3-decimal EXTINF, DISCONTINUITY before flagged segments', () => {
    const listed: ListedSegment[] = [
      { seq: 12, durationMs: 10_012.4, uri: 's-12.ts', discontinuity: true },
      { seq: 13, durationMs: 9_986, uri: 's-13.ts', discontinuity: false },
      { seq: 14, durationMs: 10_501, uri: 'http://cdn/live/s-14.ts', discontinuity: true },
    ];
    expect(renderPlaylist(listed, 10, 1)).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:12\n#EXT-X-TARGETDURATION:11\n' +
        '#EXT-X-DISCONTINUITY\n#EXTINF:10.012, no desc\ns-12.ts\n' +
        '#EXTINF:9.986, no desc\ns-13.ts\n' +
        '#EXT-X-DISCONTINUITY\n#EXTINF:10.501, no desc\nhttp://cdn/live/s-14.ts\n',
    );
  });

  it('floors the target duration at hls_fragment x hls_td_ratio', () => {
    expect(renderPlaylist(segments([2_000]), 10, 1.5)).toContain('#EXT-X-TARGETDURATION:15\n');
    expect(renderPlaylist(segments([2_000]), 2, 1)).toContain('#EXT-X-TARGETDURATION:2\n');
  });

  it('keeps the newest segments whose sum first exceeds the window: 7 of exactly-10 s segments in 60 s, 6 when they run over', () => {
    expect(10 - windowStart(segments(Array(10).fill(10_000)), 60)).toBe(7);
    expect(10 - windowStart(segments(Array(10).fill(10_100)), 60)).toBe(6);
    expect(windowStart(segments([1_000, 1_000]), 60)).toBe(0);
  });

  it('refuses an empty playlist (the m3u8 exists only once a segment closed)', () => {
    expect(() => renderPlaylist([], 10, 1)).toThrow(RangeError);
  });
});

describe('hls names: templates, URIs and hook URLs (srs-wave2-spec §2.2, §2.6)', () => {
  it('fills stream vars, the date variables at open time, [timestamp] and [seq]; [duration] at close', () => {
    const at = new Date(2026, 11, 4, 7, 8, 9, 45);
    expect(expandStreamVars('[vhost]/[app]/[stream].m3u8', names)).toBe('v.example/live/s.m3u8');
    const name = segmentName('[app]/[2006][01][02]/[15][04][05][999]-[stream]-[timestamp]-[seq]-[duration].ts', names, at, 42, 1796000000123);
    expect(name).toBe('live/20261204/070809045-s-1796000000123-42-[duration].ts');
    expect(withDuration(name, 2001.6)).toBe('live/20261204/070809045-s-1796000000123-42-2002.ts');
  });

  it('lists a segment relative to the playlist, or under hls_entry_prefix as SRS does with and without a trailing slash', () => {
    expect(segmentUri('live/s.m3u8', 'live/s-1.ts', '')).toBe('s-1.ts');
    expect(segmentUri('live/s.m3u8', 'live/2026/s-1.ts', '')).toBe('2026/s-1.ts');
    expect(segmentUri('s.m3u8', 's-1.ts', '')).toBe('s-1.ts');
    expect(segmentUri('live/s.m3u8', 'live/s-1.ts', 'http://cdn/')).toBe('http://cdn/s-1.ts');
    expect(segmentUri('live/s.m3u8', 'live/s-1.ts', 'http://cdn')).toBe('http://cdn/live/s-1.ts');
  });

  it('gives on_hls its url: the playlist dir + uri, SRS\'s `.//` for a root playlist, an absolute uri as is', () => {
    expect(hookSegmentUrl('live/s.m3u8', 's-1.ts')).toBe('live/s-1.ts');
    expect(hookSegmentUrl('s.m3u8', 's-1.ts')).toBe('.//s-1.ts');
    expect(hookSegmentUrl('live/s.m3u8', 'https://cdn/s-1.ts')).toBe('https://cdn/s-1.ts');
  });

  it('numbers hls_ts_floor pieces: the clock first, then +1 per segment, back to the clock when it ran 20 pieces ahead', () => {
    expect(nextFloorPiece(undefined, 100_500, 10_000)).toBe(10);
    expect(nextFloorPiece(10, 100_500, 10_000)).toBe(11);
    expect(nextFloorPiece(10, 10_000 * 31 + 1, 10_000)).toBe(11);
    expect(nextFloorPiece(10, 10_000 * 32, 10_000)).toBe(32);
  });
});
