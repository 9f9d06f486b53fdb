/**
 * Streams that are not the usual audio+video ffmpeg push: audio-only and
 * video-only streams played by a real ffmpeg and by a late joiner, a stream
 * live for longer than play.queue_length, and dead publishers ended by
 * publish.firstpkt_timeout / normal_timeout.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { readFlvTags } from '../../src/client/flv-file.js';
import { publishArgs, runFfmpeg, startTestServer, stopProcess, waitFor, type FfmpegRun, type TestServer } from './harness.js';

const CONFIG = 'listen 0; vhost __defaultVhost__ { play { mw_latency 100; } }';

describe('stream shapes and dead publishers', () => {
  let server: TestServer | undefined;
  const children: FfmpegRun[] = [];
  const clients: RtmpClient[] = [];

  afterEach(async () => {
    for (const run of children.splice(0)) stopProcess(run.child);
    for (const client of clients.splice(0)) client.close();
    await server?.stop();
    server = undefined;
  });

  /** Plays `path` for 2 s with a real ffmpeg into an FLV file; returns the tag kinds. */
  async function ffmpegPlay(path: string): Promise<{ audio: number; video: number }> {
    const out = join(mkdtempSync(join(tmpdir(), 'srs-shape-')), 'out.flv');
    const play = runFfmpeg(['-i', server!.url(path), '-t', '2', '-c', 'copy', '-f', 'flv', out]);
    children.push(play);
    expect(await play.exited, play.stderr()).toBe(0);
    const tags = [...readFlvTags(readFileSync(out))];
    return { audio: tags.filter((t) => t.kind === 'audio').length, video: tags.filter((t) => t.kind === 'video').length };
  }

  /** A late joiner on our client: counts media and remembers the first frame. */
  async function lateJoiner(path: string): Promise<{ audio: number; video: number; first?: Buffer }> {
    const client = await RtmpClient.connect(server!.url(path));
    clients.push(client);
    const seen: { audio: number; video: number; first?: Buffer } = { audio: 0, video: 0 };
    client.onMessage = (kind, _timestamp, payload) => {
      // Sequence headers (AVCPacketType / AACPacketType 0) are not frames.
      if (kind === 'data' || payload[1] === 0) return;
      seen[kind]++;
      seen.first ??= Buffer.from(payload.subarray(0, 2));
    };
    await client.play();
    return seen;
  }

  it('an audio-only stream plays to ffmpeg, and a late joiner gets audio without waiting for a key frame', async () => {
    server = await startTestServer(CONFIG);
    // Not publishArgs + -vn: -re paces only the input it precedes, the video one.
    const publisher = runFfmpeg(['-re', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=44100:duration=8', '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', server.url('live/radio')]);
    children.push(publisher);
    await waitFor('stream live', () => server?.logs.some((l) => l.msg === 'publish start'));
    const played = await ffmpegPlay('live/radio');
    expect(played.video).toBe(0);
    expect(played.audio).toBeGreaterThan(40);
    // No video ever comes, so a joiner must not wait for a key frame.
    const late = await lateJoiner('live/radio');
    await waitFor('late joiner audio', () => late.audio > 10);
    expect(late.video).toBe(0);
  });

  it('a video-only stream plays to ffmpeg and a late joiner starts on a key frame', async () => {
    server = await startTestServer(CONFIG);
    const publisher = runFfmpeg(publishArgs(server.url('live/silent'), 8, ['-an']));
    children.push(publisher);
    await waitFor('stream live', () => server?.logs.some((l) => l.msg === 'publish start'));
    const played = await ffmpegPlay('live/silent');
    expect(played.audio).toBe(0);
    expect(played.video).toBeGreaterThan(20);
    const late = await lateJoiner('live/silent');
    await waitFor('late joiner video', () => late.video > 10);
    expect(late.audio).toBe(0);
    // FLV video tag: frame type 1 (key) in the high nibble, AVC NALU (1).
    expect(late.first?.[0]).toBe(0x17);
    expect(late.first?.[1]).toBe(1);
  });

  it('a joiner of a stream live for longer than queue_length starts on the cached GOP, not the next key frame', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { play { mw_latency 50; queue_length 2; } }');
    const publisher = await RtmpClient.connect(server.url('live/long'));
    clients.push(publisher);
    await publisher.publish();
    // Frame n: 40 ms apart, a key frame every 25 (1 s GOP); its index rides in the payload,
    // since players see timestamps rebased by time_jitter.
    const frame = (n: number): Buffer => Buffer.from([n % 25 === 0 ? 0x17 : 0x27, 1, 0, 0, 0, n >> 8, n & 0xff]);
    const indexOf = (payload: Buffer): number => ((payload[5] as number) << 8) | (payload[6] as number);
    const watch = async (): Promise<number[]> => {
      const client = await RtmpClient.connect(server!.url('live/long'));
      clients.push(client);
      const frames: number[] = [];
      client.onMessage = (kind, _timestamp, payload) => {
        if (kind === 'video' && payload[1] === 1) frames.push(indexOf(payload));
      };
      await client.play();
      return frames;
    };
    const early = await watch();
    // The sequence header keeps timestamp 0 while the stream runs on for 4 s, twice queue_length.
    publisher.sendMedia('video', 0, Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f]));
    for (let n = 0; n < 100; n++) publisher.sendMedia('video', n * 40, frame(n));
    await waitFor('the early player saw the whole 4 s', () => early.includes(99));

    const late = await watch();
    for (let n = 100; n < 125; n++) publisher.sendMedia('video', n * 40, frame(n));
    await waitFor('the late joiner got frames', () => late.length >= 25);
    // The GOP cache holds frames 75-99: the joiner starts there, not at the next key frame (100).
    expect(late.slice(0, 3)).toEqual([75, 76, 77]);
  });

  it('ends a publisher that never sends media (firstpkt_timeout) and one that goes silent (normal_timeout)', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { publish { firstpkt_timeout 400; normal_timeout 600; } }');
    const mute = await RtmpClient.connect(server.url('live/mute'));
    clients.push(mute);
    await mute.publish();
    const silent = await RtmpClient.connect(server.url('live/silent'));
    clients.push(silent);
    await silent.publish();
    const frame = Buffer.from([0x17, 1, 0, 0, 0, 0xaa]);
    silent.sendMedia('video', 0, frame);

    const ends = await waitFor('both publishers ended', () => {
      const found = server!.logs.filter((l) => l.msg === 'session end' && l.reason === 'timeout');
      return found.length >= 2 ? found : undefined;
    });
    expect(ends.map((l) => String(l.detail)).sort()).toEqual([expect.stringMatching(/^no first packet in \d+ ms$/), expect.stringMatching(/^no media for \d+ ms$/)]);
    // Both streams are free again: a new publisher takes one at once.
    const next = await RtmpClient.connect(server.url('live/mute'));
    clients.push(next);
    await next.publish();
  });
});
