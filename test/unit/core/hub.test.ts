import { describe, expect, it } from 'vitest';
import { Hub } from '../../../src/core/hub.js';
import type { StreamPlayer } from '../../../src/core/stream.js';
import type { MediaPacket } from '../../../src/media/packet.js';
import { audio, inter, key, packet } from './helpers.js';

const options = { gopCache: true, gopCacheMaxFrames: 100, batchWindowMs: 0, statId: 'vid-test000' };

class RecordingPlayer implements StreamPlayer {
  queued: MediaPacket[] = [];
  flushed: MediaPacket[] = [];
  left = 0;
  arrived = 0;
  push(p: MediaPacket): void {
    this.queued.push(p);
  }
  flush(): void {
    this.flushed.push(...this.queued);
    this.queued = [];
  }
  publisherLeft(): void {
    this.left++;
  }
  publisherArrived(): void {
    this.arrived++;
  }
}

describe('Hub', () => {
  it('allows one publisher per stream key', () => {
    const hub = new Hub();
    const a = { clientId: 'aaaaaaaa' };
    const b = { clientId: 'bbbbbbbb' };
    const first = hub.acquirePublish('v/live/s', a, options);
    expect(first.ok).toBe(true);
    expect(hub.isBusy('v/live/s')).toBe(true);
    expect(hub.acquirePublish('v/live/s', b, options)).toEqual({ ok: false, publisherClientId: 'aaaaaaaa' });
    if (first.ok) hub.releasePublish(first.stream, a);
    expect(hub.isBusy('v/live/s')).toBe(false);
    expect(hub.get('v/live/s')).toBeUndefined();
  });

  it('gives a late joiner metadata, sequence headers, then the GOP from its key frame, at once', () => {
    const hub = new Hub();
    const publisher = { clientId: 'pppppppp' };
    const acquired = hub.acquirePublish('v/live/s', publisher, options);
    if (!acquired.ok) throw new Error('not acquired');
    const stream = acquired.stream;
    stream.publish(packet('data', 0, { isMetadata: true }));
    stream.publish(packet('video', 0, { isSequenceHeader: true }));
    stream.publish(packet('audio', 0, { isSequenceHeader: true }));
    stream.publish(inter(10));
    stream.publish(key(40));
    stream.publish(audio(41));
    stream.publish(inter(80));
    const player = new RecordingPlayer();
    hub.addPlayer('v/live/s', player, options);
    expect(player.flushed.map((p) => `${p.kind}@${p.timestamp}`)).toEqual([
      'data@0',
      'video@0',
      'audio@0',
      'video@40',
      'audio@41',
      'video@80',
    ]);
    expect(player.flushed[3]?.isKeyframe).toBe(true);
  });

  it('keeps waiting players across unpublish and republish', () => {
    const hub = new Hub();
    const player = new RecordingPlayer();
    const waiting = hub.addPlayer('v/live/s', player, options);
    expect(waiting.isActive).toBe(false);
    const publisher = { clientId: 'pppppppp' };
    const acquired = hub.acquirePublish('v/live/s', publisher, options);
    expect(acquired.ok && acquired.stream === waiting).toBe(true);
    expect(player.arrived).toBe(1);
    if (acquired.ok) hub.releasePublish(acquired.stream, publisher);
    expect(player.left).toBe(1);
    expect(hub.get('v/live/s')).toBe(waiting);
    hub.removePlayer(waiting, player);
    expect(hub.get('v/live/s')).toBeUndefined();
  });

  it('fans every packet out to every player and flushes once per batch window', async () => {
    const hub = new Hub();
    const publisher = { clientId: 'pppppppp' };
    const acquired = hub.acquirePublish('v/live/s', publisher, options);
    if (!acquired.ok) throw new Error('not acquired');
    const players = [new RecordingPlayer(), new RecordingPlayer(), new RecordingPlayer()];
    for (const p of players) hub.addPlayer('v/live/s', p, options);
    acquired.stream.publish(key(0));
    acquired.stream.publish(audio(1));
    for (const p of players) expect(p.queued).toHaveLength(2);
    await new Promise((resolve) => setImmediate(resolve));
    for (const p of players) expect(p.flushed.map((x) => x.timestamp)).toEqual([0, 1]);
    // Same packet objects: encoded once, shared by every player.
    expect(players[0]?.flushed[0]).toBe(players[1]?.flushed[0]);
  });
});
