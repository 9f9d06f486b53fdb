/**
 * Captured sessions of the real ffmpeg (test/fixtures/rtmp/*.hex) replayed
 * into RtmpServerConnection: as captured, byte by byte and at random split
 * points, the events are the same.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RtmpServerConnection, type RtmpEvent } from '../../../src/rtmp/connection.js';
import { comparable, counterRandom, readHexFixture } from './rtmp-test-kit.js';

/** Feeds the pieces; answers connect like a server would; returns events with media as hex. */
function replay(pieces: Buffer[]): unknown[] {
  const server = new RtmpServerConnection({ clientId: 'fixture', randomBytes: counterRandom(1) });
  const events: RtmpEvent[] = [];
  for (const piece of pieces) {
    for (const event of server.feed(piece)) {
      events.push(event);
      if (event.type === 'connect') {
        server.acceptConnect({ windowAckSize: 2_500_000, peerBandwidth: 2_500_000, chunkSize: 60_000, serverIp: '', pid: 1, clientId: 'fixture' });
      }
    }
    server.takeOutput();
  }
  return comparable(events);
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

describe.each([['ffmpeg-4.1-publish-h264-aac.hex'], ['ffmpeg-4.1-play.hex']])('fixture %s', (name) => {
  const reads = readHexFixture(name);
  const whole = Buffer.concat(reads);
  const expected = replay(reads);

  it('yields the expected session', () => {
    const types = expected.map((event) => (event as RtmpEvent).type);
    expect(types.slice(0, 2)).toEqual(['handshake-done', 'connect']);
    if (name.includes('publish')) {
      expect(expected[2]).toEqual({ type: 'publish', streamId: 1, streamName: 'fixture', publishType: 'live', fmle: true });
      const media = expected.filter((e) => (e as RtmpEvent).type === 'media') as Array<{ kind: string; timestamp: number; payload: string }>;
      const video = media.filter((m) => m.kind === 'video');
      // AVC sequence header, 10 frames (1 s at 10 fps), AVC end of sequence.
      expect(video.map((m) => m.payload.slice(0, 4))).toEqual(['1700', '1701', ...Array(9).fill('2701'), '1702']);
      expect(media.filter((m) => m.kind === 'audio').length).toBeGreaterThan(15);
      expect(media[0]?.kind).toBe('data');
      expect(types.at(-1)).toBe('unpublish');
    } else {
      expect(expected[2]).toMatchObject({ type: 'play', streamId: 1, streamName: 'fixture', start: -2000 });
      expect(types).toContain('stop-play');
    }
  });

  it('gives the same events fed byte by byte', () => {
    expect(replay(Array.from(whole, (byte) => Buffer.from([byte])))).toEqual(expected);
  });

  it('gives the same events at random split points', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (cuts) => {
        expect(replay(splitAt(whole, cuts))).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});
