import { afterEach, describe, expect, it } from 'vitest';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { publishArgs, runFfmpeg, startTestServer, stopProcess, waitFor, type FfmpegRun, type TestServer } from './harness.js';

describe('RTMP play duration (the `duration` argument of play, as rtmpdump -B sends it)', () => {
  let server: TestServer | undefined;
  const children: FfmpegRun[] = [];
  const clients: RtmpClient[] = [];

  afterEach(async () => {
    for (const child of children.splice(0)) stopProcess(child.child);
    for (const client of clients.splice(0)) client.close();
    await server?.stop();
    server = undefined;
  });

  it('ends the play once that much media was sent, as SRS does, while a player without one goes on', async () => {
    server = await startTestServer('listen 0; vhost __defaultVhost__ { play { mw_latency 100; } }');
    const publisher = runFfmpeg(publishArgs(server.url('live/livestream'), 10));
    children.push(publisher);
    await waitFor('the stream to be live', () => server?.app.hub.get('__defaultVhost__/live/livestream')?.isActive);
    const limited = await RtmpClient.connect(server.url('live/livestream'));
    const endless = await RtmpClient.connect(server.url('live/livestream'));
    clients.push(limited, endless);
    const stamps: number[] = [];
    let endlessMedia = 0;
    limited.onMessage = (kind, timestamp, payload) => {
      if (kind === 'video' && payload[1] === 1) stamps.push(timestamp);
    };
    endless.onMessage = () => endlessMedia++;
    await limited.play({ durationMs: 2000 });
    await endless.play();
    expect(await limited.closed).toBeUndefined();
    const spanMs = (stamps.at(-1) ?? 0) - (stamps[0] ?? 0);
    expect(spanMs).toBeGreaterThanOrEqual(1900);
    expect(spanMs).toBeLessThan(3000);
    const end = server.logs.find((line) => line.msg === 'session end' && line['reason'] === 'duration');
    expect(end?.['detail']).toBe('play duration 2000 ms reached');
    const before = endlessMedia;
    await waitFor('the other player to keep receiving', () => endlessMedia > before + 20);
  });
});
