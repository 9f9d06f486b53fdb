import { describe, expect, it } from 'vitest';
import { PlayerQueue } from '../../../src/core/player-queue.js';
import { audio, inter, key, packet } from './helpers.js';

describe('PlayerQueue', () => {
  it('passes packets through in order', () => {
    const queue = new PlayerQueue(1000, 100);
    queue.push(key(0));
    queue.push(audio(10));
    queue.push(inter(40));
    expect(queue.take().map((p) => p.timestamp)).toEqual([0, 10, 40]);
    expect(queue.length).toBe(0);
  });

  it('does not count the age of metadata and sequence headers as queued media', () => {
    const queue = new PlayerQueue(30_000, 100);
    queue.push(packet('data', 0, { isMetadata: true }));
    queue.push(packet('video', 0, { isSequenceHeader: true }));
    queue.push(key(40_000));
    queue.push(audio(40_010));
    expect(queue.take().map((p) => p.timestamp)).toEqual([0, 0, 40_000, 40_010]);
    expect(queue.stats).toEqual({ dropped: 0, cuts: 0 });
  });

  it('cuts to the next key frame when the queued span exceeds queue_length', () => {
    const queue = new PlayerQueue(100, 1000);
    queue.push(key(0));
    queue.push(inter(50));
    queue.push(inter(101));
    expect(queue.length).toBe(0);
    expect(queue.isBehind).toBe(true);
    queue.push(inter(120));
    queue.push(audio(121));
    expect(queue.length).toBe(0);
    queue.push(key(200));
    queue.push(audio(201));
    expect(queue.take().map((p) => p.timestamp)).toEqual([200, 201]);
    expect(queue.stats).toEqual({ dropped: 5, cuts: 1 });
  });

  it('lets sequence headers and metadata through while waiting for a key frame', () => {
    const queue = new PlayerQueue(10, 1000);
    queue.push(key(0));
    queue.push(inter(20));
    expect(queue.isBehind).toBe(true);
    queue.push(packet('video', 30, { isSequenceHeader: true }));
    queue.push(packet('data', 30, { isMetadata: true }));
    queue.push(inter(40));
    expect(queue.take().map((p) => p.kind)).toEqual(['video', 'data']);
  });

  it('cuts on the packet count bound whatever the timestamps', () => {
    const queue = new PlayerQueue(1_000_000, 3);
    for (let i = 0; i < 4; i++) queue.push(inter(0));
    expect(queue.isBehind).toBe(true);
    expect(queue.length).toBe(0);
  });

  it('ignores small backward timestamp steps between audio and video', () => {
    const queue = new PlayerQueue(100, 1000);
    queue.push(key(1000));
    queue.push(audio(990));
    queue.push(inter(1040));
    expect(queue.length).toBe(3);
  });

  it('does not wait for video on an audio-only stream after a cut', () => {
    const queue = new PlayerQueue(100, 1000);
    queue.push(audio(0));
    queue.push(audio(150));
    expect(queue.isBehind).toBe(true);
    queue.push(audio(200));
    expect(queue.take().map((p) => p.timestamp)).toEqual([200]);
  });
});
