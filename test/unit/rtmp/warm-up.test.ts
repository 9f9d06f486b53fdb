import { describe, expect, it } from 'vitest';
import { warmUpRtmpCodec } from '../../../src/rtmp/warm-up.js';

describe('the start-up warm-up of the RTMP codec', () => {
  it('takes every synthetic session through handshake, connect and the play or publish start', () => {
    const result = warmUpRtmpCodec({ sessions: 6, maxMs: 60_000, now: () => 0 });
    expect(result).toEqual({ sessions: 6, completed: 6, elapsedMs: 0 });
  });

  it('stops when its time is up, so a slow machine still starts quickly', () => {
    let clock = 0;
    // Each reading advances 10 ms: started at 10, the checks read 20 and 30 (run), then 40 (30 ms up: stop).
    const result = warmUpRtmpCodec({ sessions: 1_000, maxMs: 30, now: () => (clock += 10) });
    expect(result.sessions).toBe(2);
    expect(result.completed).toBe(2);
  });

  it('does nothing when asked for no sessions', () => {
    expect(warmUpRtmpCodec({ sessions: 0, maxMs: 50, now: () => 0 }).sessions).toBe(0);
  });
});
