import { describe, expect, it } from 'vitest';
import { Hub } from '../../../src/core/hub.js';
import type { ClientProtocol, ClientType } from '../../../src/hooks/events.js';
import { ClientRegistry, type RegisteredClient } from '../../../src/session/client-registry.js';
import type { SessionFacts } from '../../../src/session/session-event.js';
import { TrafficStats } from '../../../src/session/traffic-stats.js';

const OPTIONS = { gopCache: true, gopCacheMaxFrames: 100, batchWindowMs: 0, statId: 'vid-test000' };

/** A registered client whose byte counters the test sets. */
function client(id: string, protocol: ClientProtocol, type: ClientType, stream: string, streamUrl: string): RegisteredClient & { sent: number } {
  const facts = { clientId: id, protocol, vhost: '__defaultVhost__', app: 'live', stream, streamUrl } as SessionFacts;
  return {
    id,
    protocol,
    type,
    facts,
    startedAtMs: 0,
    current: { kind: 'play' },
    sent: 0,
    bytes() {
      return { sendBytes: this.sent, recvBytes: 0 };
    },
    close() {},
  };
}

describe('TrafficStats', () => {
  it("adds an HLS viewer's bytes to the stream it watches (its facts name s.m3u8, the hub's stream is s)", () => {
    const registry = new ClientRegistry();
    const hub = new Hub();
    const acquired = hub.acquirePublish(Hub.keyOf('__defaultVhost__', 'live', 's'), { clientId: 'pub' }, OPTIONS);
    if (!acquired.ok) throw new Error('publish refused');
    const hls = client('hls1', 'hls', 'hls-play', 's.m3u8', '/live/s');
    const flv = client('flv1', 'http-flv', 'flv-play', 's', '/live/s');
    registry.add(hls);
    registry.add(flv);
    const stats = new TrafficStats(registry, hub);
    hls.sent = 1_000;
    flv.sent = 500;
    stats.refresh();
    hls.sent = 3_000;
    stats.refresh();
    expect(stats.ofStream(acquired.stream).sendBytes).toBe(3_500);
    expect(stats.seenVhost('__defaultVhost__').traffic.sendBytes).toBe(3_500);
  });
});
