import { describe, expect, it } from 'vitest';
import { GopCache } from '../../../src/core/gop-cache.js';
import { audio, inter, key, packet } from './helpers.js';

describe('GopCache', () => {
  it('starts on a key frame and restarts at the next one', () => {
    const gop = new GopCache(100);
    gop.push(inter(0));
    gop.push(audio(1));
    expect(gop.size).toBe(0);
    gop.push(key(40));
    gop.push(audio(41));
    gop.push(inter(80));
    expect(gop.snapshot().map((p) => p.timestamp)).toEqual([40, 41, 80]);
    gop.push(key(120));
    expect(gop.snapshot().map((p) => p.timestamp)).toEqual([120]);
  });

  it('clears when gop_cache_max_frames is exceeded and refills from the next key frame', () => {
    const gop = new GopCache(3);
    gop.push(key(0));
    gop.push(inter(1));
    gop.push(inter(2));
    gop.push(inter(3));
    expect(gop.size).toBe(0);
    gop.push(inter(4));
    expect(gop.size).toBe(0);
    gop.push(key(5));
    expect(gop.size).toBe(1);
  });

  it('stops caching a stream that turned pure audio (SRS_PURE_AUDIO_GUESS_COUNT)', () => {
    const gop = new GopCache(10_000);
    gop.push(key(0));
    for (let i = 1; i <= 115; i++) gop.push(audio(i));
    expect(gop.size).toBe(116);
    gop.push(audio(116));
    expect(gop.size).toBe(0);
  });

  it('keeps data messages only inside a GOP', () => {
    const gop = new GopCache(10);
    gop.push(packet('data', 0));
    expect(gop.size).toBe(0);
    gop.push(key(1));
    gop.push(packet('data', 2));
    expect(gop.size).toBe(2);
  });

  it('treats gop_cache_max_frames 0 as no frame limit but keeps the byte bound', () => {
    const gop = new GopCache(0, 3);
    gop.push(key(0));
    gop.push(inter(1));
    gop.push(inter(2));
    expect(gop.size).toBe(3);
    gop.push(inter(3));
    expect(gop.size).toBe(0);
  });
});
