/**
 * In-process handlers (the embedding API): a gate sink and a notify sink on
 * a real server with real RTMP sessions. The event model's promise (DESIGN.md):
 * each session's notified events are numbered 1, 2, 3 ... without gaps, and a
 * gate sees its event under the number the notification takes if allowed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import type { GateSink, GateVerdict, NotifySink, SessionEvent } from '../../src/index.js';
import { startTestServer, waitFor, type TestServer } from './harness.js';

describe('in-process handlers', () => {
  let server: TestServer | undefined;
  const clients: RtmpClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server?.stop();
    server = undefined;
  });

  it('number each session’s notified events without gaps; a gate sees the number its event will take', async () => {
    const gated: SessionEvent[] = [];
    const notified: SessionEvent[] = [];
    const gate: GateSink = {
      name: 'test-gate',
      gate: (event): Promise<GateVerdict> => {
        gated.push(event);
        return Promise.resolve(event.type === 'publish' && event.stream === 'denied' ? { allow: false, hook: 'test-gate', reason: 'not this one' } : { allow: true });
      },
    };
    const notify: NotifySink = { name: 'test-notify', notify: (event) => notified.push(event) };
    server = await startTestServer('listen 0; vhost __defaultVhost__ { }', { handlers: [gate, notify] });

    const allowed = await RtmpClient.connect(server.url('live/allowed'));
    clients.push(allowed);
    await allowed.publish();
    allowed.close();
    const denied = await RtmpClient.connect(server.url('live/denied'));
    clients.push(denied);
    await expect(denied.publish()).rejects.toThrow();

    const closes = (): number => notified.filter((e) => e.type === 'close').length;
    await waitFor('both sessions closed', () => closes() === 2);
    const of = (events: SessionEvent[], clientId: string): string[] => events.filter((e) => e.clientId === clientId).map((e) => `${e.seq} ${e.type}`);
    const allowedId = notified.find((e) => e.stream === 'allowed')?.clientId ?? '';
    const deniedId = gated.find((e) => e.stream === 'denied')?.clientId ?? '';

    expect(of(notified, allowedId)).toEqual(['1 accept', '2 connect', '3 publish', '4 unpublish', '5 close']);
    expect(of(gated, allowedId)).toEqual(['2 connect', '3 publish']);
    // Refused: no publish notification, so close takes the number the publish would have had.
    expect(of(notified, deniedId)).toEqual(['1 accept', '2 connect', '3 close']);
    expect(of(gated, deniedId)).toEqual(['2 connect', '3 publish']);
  });
});
