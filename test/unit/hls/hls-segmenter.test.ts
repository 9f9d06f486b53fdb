import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { DEFAULTS } from '../../../src/config/defaults.js';
import type { HlsConfig } from '../../../src/config/schema.js';
import { HlsSegmenter } from '../../../src/hls/hls-segmenter.js';
import type { HlsSegmentEvent, StreamPublisherFacts } from '../../../src/hooks/events.js';
import { toMediaPacket } from '../../../src/media/flv-tag.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const AVC_HEADER = Buffer.concat([hex('17 00 000000'), hex('01 42 00 0a ff e1 0007 6742000af841a2 01 0004 68ce3880')]);
const AAC_HEADER = hex('af 00 12 10');
const frame = (key: boolean): Buffer => Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0]), hex(key ? '00000005 6588840033' : '00000004 419a0204')]);
const aac = hex('af 01 de 04 00 4c');

const PUBLISHER: StreamPublisherFacts = { clientId: 'c1', ip: '127.0.0.1', vhost: '__defaultVhost__', app: 'live', stream: 's', param: '', tcUrl: 'rtmp://127.0.0.1/live', streamUrl: '/live/s', streamId: 'vid-1' };

describe('HlsSegmenter driven by synthetic frames (the clock is the packets\' timestamps)', () => {
  let dir: string;
  let events: HlsSegmentEvent[];
  let nowMs: number;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'srs-hls-unit-'));
    events = [];
    nowMs = 1_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function segmenter(overrides: Partial<HlsConfig>): HlsSegmenter {
    const config: HlsConfig = { ...DEFAULTS.hls, enabled: true, path: dir, ...overrides };
    const s = new HlsSegmenter({ vhost: '__defaultVhost__', app: 'live', stream: 's' }, config, PUBLISHER, {
      logger: pino({ level: 'silent' }),
      segment: (event) => events.push(event),
      now: () => nowMs,
    });
    s.start(config, PUBLISHER, () => undefined);
    return s;
  }

  /** 25 fps video with a key frame every `gop` frames, from `fromMs` for `ms`. */
  function video(s: HlsSegmenter, fromMs: number, ms: number, gop: number): void {
    for (let i = 0, t = fromMs; t < fromMs + ms; i++, t += 40) s.packet(toMediaPacket('video', t, frame(i % gop === 0)));
  }

  it('cuts at the first key frame after hls_fragment, lists the window, deletes what left it, and leaves no temp file', () => {
    const s = segmenter({ fragmentSec: 1, windowSec: 3 });
    s.packet(toMediaPacket('video', 0, AVC_HEADER));
    // Key frames every 0.6 s: the cut after 1 s waits for the key frame at 1.2 s; a duration is
    // last DTS - first DTS (SRS), so a segment of 30 frames 40 ms apart lasts 1.16 s.
    video(s, 0, 12_000, 15);
    const durations = events.map((event) => Math.round(event.duration * 1000));
    expect(durations.slice(0, 9)).toEqual(Array(9).fill(1160));
    const text = readFileSync(path.join(dir, 'live/s.m3u8'), 'utf8');
    const listed = text.split('\n').filter((line) => line.endsWith('.ts'));
    // 3 s window of 1.2 s segments: the newest whose sum first exceeds 3 s, i.e. 3 of them.
    expect(listed).toHaveLength(3);
    expect(text).toContain(`#EXT-X-MEDIA-SEQUENCE:${events.length - 3}\n`);
    expect(text).toContain('#EXT-X-TARGETDURATION:2\n');
    const files = readdirSync(path.join(dir, 'live')).sort();
    expect(files.filter((name) => name.endsWith('.ts')).sort()).toEqual([...listed].sort());
    expect(files.filter((name) => name.endsWith('.tmp'))).toHaveLength(1);
    expect(files.some((name) => name.endsWith('.temp'))).toBe(false);
    s.publishStopped();
    expect(readdirSync(path.join(dir, 'live')).some((name) => name.endsWith('.tmp'))).toBe(false);
  });

  it('keeps evicted segments with hls_cleanup off, and discards a last segment under 100 ms, reusing its number', () => {
    const s = segmenter({ fragmentSec: 1, windowSec: 2, cleanup: false });
    s.packet(toMediaPacket('video', 0, AVC_HEADER));
    video(s, 0, 5_040, 25);
    // The key frame at 5 s opened a segment that holds one frame when the publish stops: discarded.
    s.publishStopped();
    expect(events.map((event) => event.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(readdirSync(path.join(dir, 'live')).filter((name) => name.endsWith('.ts'))).toHaveLength(5);
    const next = segmenter({ fragmentSec: 1, windowSec: 2, cleanup: false });
    next.packet(toMediaPacket('video', 0, AVC_HEADER));
    video(next, 0, 1_100, 25);
    expect(events.at(-1)?.seq).toBe(0);
  });

  it('flags the segment after a new sequence header with a DISCONTINUITY and continues the sequence on a republish', () => {
    const s = segmenter({ fragmentSec: 1, windowSec: 60 });
    s.packet(toMediaPacket('video', 0, AVC_HEADER));
    video(s, 0, 2_040, 25);
    s.packet(toMediaPacket('video', 2_040, AVC_HEADER));
    video(s, 2_040, 2_000, 25);
    s.publishStopped();
    s.start({ ...DEFAULTS.hls, enabled: true, path: dir, fragmentSec: 1, windowSec: 60 }, PUBLISHER, () => undefined);
    s.packet(toMediaPacket('video', 0, AVC_HEADER));
    video(s, 0, 2_040, 25);
    s.publishStopped();
    const lines = readFileSync(path.join(dir, 'live/s.m3u8'), 'utf8').split('\n');
    const flagged = lines.flatMap((line, i) => (line === '#EXT-X-DISCONTINUITY' ? [lines[i + 2]] : []));
    expect(flagged).toEqual(['s-0.ts', 's-2.ts', 's-4.ts']);
    expect(lines).not.toContain('#EXT-X-ENDLIST');
  });

  it('cuts audio-only streams at hls_aof_ratio x hls_fragment, and hls_dispose deletes every file after it', () => {
    const s = segmenter({ fragmentSec: 1, aofRatio: 2, disposeSec: 5 });
    s.packet(toMediaPacket('audio', 0, AAC_HEADER));
    for (let t = 0; t < 7_000; t += 23) s.packet(toMediaPacket('audio', t, aac));
    // The frame at 2,001 ms (87 x 23) reaches 2 s and opens the next segment: 0..1,978 ms stay.
    expect(events.slice(0, 3).map((event) => event.duration)).toEqual([1.978, 1.978, 1.978]);
    s.publishStopped();
    expect(s.disposeIfIdle(nowMs + 4_000)).toBe(false);
    expect(existsSync(path.join(dir, 'live/s.m3u8'))).toBe(true);
    expect(s.disposeIfIdle(nowMs + 6_000)).toBe(true);
    expect(readdirSync(path.join(dir, 'live'))).toEqual([]);
  });
});
