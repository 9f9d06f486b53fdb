/**
 * Our protocol code against the REAL ffmpeg (devDependency binary): the
 * digest handshake, connect/publish/play replies, chunking of media both
 * ways, and the error status ffmpeg prints. ffmpeg verifies our S1 and S2
 * digests when playing (rtmpproto.c checks them when S1's version >= 3)
 * and then signs C2 with our S1 digest, which the server checks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFlvTags } from '../../../src/client/flv-file.js';
import { LoopbackServer } from './loopback-server.js';
import { lavfiInput, runFfmpeg } from './ffmpeg-process.js';

describe('real ffmpeg against RtmpServerConnection', () => {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('publishes through the digest handshake, connect, FMLE publish and media; then plays it back', async () => {
    server = await LoopbackServer.start({ replayRecorded: true });
    const published = await runFfmpeg([...lavfiInput(2), '-f', 'flv', server.url('live/x')]);
    expect(published.code, published.stderr).toBe(0);

    const publisher = server.sessions[0]!;
    expect(publisher.error).toBeUndefined();
    expect(publisher.connection.handshakeInfo.isComplex).toBe(true);
    const types = publisher.events.filter((e) => e.type !== 'media').map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['handshake-done', 'connect', 'publish']);
    expect(types).toContain('unpublish');
    const connect = publisher.events.find((e) => e.type === 'connect');
    expect(connect?.type === 'connect' && connect.info.tcUrl).toBe(server.url('live'));
    const publish = publisher.events.find((e) => e.type === 'publish');
    expect(publish).toMatchObject({ streamName: 'x', publishType: 'live', fmle: true, streamId: 1 });

    const media = server.recorded.get('x') ?? [];
    const video = media.filter((m) => m.kind === 'video');
    const audio = media.filter((m) => m.kind === 'audio');
    expect(video.length).toBeGreaterThanOrEqual(45);
    expect(audio.length).toBeGreaterThanOrEqual(80);
    expect(media.some((m) => m.kind === 'data' && m.payload.includes('onMetaData'))).toBe(true);
    // AVC sequence header first, then a key frame.
    expect(video[0]!.payload.subarray(0, 2)).toEqual(Buffer.from([0x17, 0x00]));
    for (let i = 1; i < video.length; i++) expect(video[i]!.timestamp).toBeGreaterThanOrEqual(video[i - 1]!.timestamp);

    const out = join(mkdtempSync(join(tmpdir(), 'rtmp-ffmpeg-')), 'out.flv');
    const played = await runFfmpeg(['-i', server.url('live/x'), '-c', 'copy', '-f', 'flv', out]);
    expect(played.code, played.stderr).toBe(0);
    const player = server.sessions[1]!;
    expect(player.connection.handshakeInfo).toEqual({ isComplex: true, isC2Verified: true });
    const tags = [...readFlvTags(readFileSync(out))];
    expect(tags.filter((t) => t.kind === 'video').length).toBeGreaterThanOrEqual(video.length - 2);
    expect(tags.filter((t) => t.kind === 'audio').length).toBeGreaterThanOrEqual(audio.length - 2);
  });

  it('ffmpeg prints the description of an error onStatus', async () => {
    server = await LoopbackServer.start({ rejectPublish: { code: 'NetStream.Publish.BadName', description: 'stream busy, go away' } });
    const result = await runFfmpeg([...lavfiInput(1), '-f', 'flv', server.url('live/busy')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Server error: stream busy, go away');
  });
});
