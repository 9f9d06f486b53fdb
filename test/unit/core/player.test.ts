import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FanoutBatch } from '../../../src/core/fanout-batch.js';
import { Player, type PlayerOptions } from '../../../src/core/player.js';
import { WireCache } from '../../../src/core/wire-cache.js';
import type { MediaPacket } from '../../../src/media/packet.js';
import { rtmpFormat } from '../../../src/server/rtmp/rtmp-format.js';
import { WireReader } from '../rtmp/rtmp-test-kit.js';
import { audio, inter, key } from '../core/helpers.js';

/** The part of a net.Socket a Player uses, recording each write call. */
class RecordingSocket {
  readonly writes: Buffer[] = [];
  destroyed = false;
  writableLength = 0;
  cork(): void {}
  uncork(): void {}
  write(bytes: Buffer): boolean {
    this.writes.push(bytes);
    return true;
  }
}

/** One stream's wire cache, shared by the players of a test as a stream shares it. */
let wires = new WireCache();
beforeEach(() => {
  wires = new WireCache();
});

function playerOn(socket: RecordingSocket, streamId = 1, overrides: Partial<PlayerOptions> = {}): Player {
  return new Player({
    sink: socket,
    channel: wires.acquire(rtmpFormat(128, streamId)),
    queueLengthMs: 10_000,
    maxQueuedPackets: 1000,
    maxWritableBytes: 1 << 20,
    stallTimeoutMs: 1000,
    onStalled: () => undefined,
    onPublisherLeft: () => undefined,
    onPublisherArrived: () => undefined,
    ...overrides,
  });
}

/** A packet with a payload long enough to need several 128-byte chunks. */
function big(p: MediaPacket): MediaPacket {
  return { ...p, payload: Buffer.alloc(300, p.timestamp & 0xff) };
}

/** A window as Stream.publish and its flush fan it out: followers only get the batch. */
function fanOut(players: Player[], packets: MediaPacket[]): FanoutBatch {
  const batch = new FanoutBatch();
  for (const packet of packets) {
    batch.packets.push(packet);
    for (const player of players) if (!player.followsBatch) player.push(packet);
  }
  for (const player of players) player.flush(batch);
  return batch;
}

function decoded(socket: RecordingSocket): Array<{ typeId: number; timestamp: number; streamId: number; length: number }> {
  const reader = new WireReader();
  for (const bytes of socket.writes) reader.feed(bytes);
  return reader.messages.map((m) => ({ typeId: m.typeId, timestamp: m.timestamp, streamId: m.streamId, length: m.payload.length }));
}

describe('Player (RTMP format)', () => {
  const first = [big(key(0)), big(audio(10)), big(inter(40))];
  const second = [big(inter(80)), big(audio(90))];
  const expected = [
    { typeId: 9, timestamp: 0, streamId: 1, length: 300 },
    { typeId: 8, timestamp: 10, streamId: 1, length: 300 },
    { typeId: 9, timestamp: 40, streamId: 1, length: 300 },
    { typeId: 9, timestamp: 80, streamId: 1, length: 300 },
    { typeId: 8, timestamp: 90, streamId: 1, length: 300 },
  ];

  it('queues its first window, then follows: one Buffer per window, the same for every follower', () => {
    const sockets = [new RecordingSocket(), new RecordingSocket()];
    const players = sockets.map((s) => playerOn(s));
    fanOut(players, first);
    for (const socket of sockets) expect(socket.writes).toHaveLength(3);
    expect(players.every((p) => p.followsBatch)).toBe(true);
    fanOut(players, second);
    for (const socket of sockets) {
      expect(socket.writes).toHaveLength(4);
      expect(decoded(socket)).toEqual(expected);
    }
    expect(sockets[0]!.writes[3]).toBe(sockets[1]!.writes[3]);
  });

  it('does not follow after a join burst (mid-window)', () => {
    const joined = new RecordingSocket();
    const joiner = playerOn(joined);
    joiner.push(first[0]!);
    joiner.flush();
    expect(joiner.followsBatch).toBe(false);
  });

  it('a stream id other than SRS`s 1 is its own format: its own bytes, shared by players of that id', () => {
    const sockets = [new RecordingSocket(), new RecordingSocket(), new RecordingSocket()];
    const players = [playerOn(sockets[0]!, 5), playerOn(sockets[1]!, 5), playerOn(sockets[2]!, 1)];
    fanOut(players, first);
    fanOut(players, second);
    expect(decoded(sockets[0]!)).toEqual(expected.map((m) => ({ ...m, streamId: 5 })));
    expect(decoded(sockets[2]!)).toEqual(expected);
    expect(sockets[0]!.writes[3]).toBe(sockets[1]!.writes[3]);
    expect(sockets[0]!.writes[3]).not.toBe(sockets[2]!.writes[3]);
    expect(wires.encodeCounts()).toEqual(new Map([['rtmp:128:5', 5], ['rtmp:128:1', 5]]));
  });

  it('stops following while it filters audio, and follows again from the next window', () => {
    const socket = new RecordingSocket();
    const player = playerOn(socket);
    fanOut([player], first);
    player.receiveAudio = false;
    expect(player.followsBatch).toBe(false);
    fanOut([player], second);
    expect(decoded(socket).map((m) => m.timestamp)).toEqual([0, 10, 40, 80]);
    player.receiveAudio = true;
    fanOut([player], [big(inter(120)), big(audio(130))]);
    expect(player.followsBatch).toBe(true);
    const writes = socket.writes.length;
    fanOut([player], [big(inter(160)), big(audio(170))]);
    expect(socket.writes.length - writes).toBe(1);
    expect(decoded(socket).map((m) => m.timestamp)).toEqual([0, 10, 40, 80, 120, 130, 160, 170]);
  });

  it('a follower whose socket backs up queues the window and is dropped if it stays behind', () => {
    const socket = new RecordingSocket();
    let stalled = '';
    const player = playerOn(socket, 1, { maxWritableBytes: 1000, stallTimeoutMs: 0, onStalled: (detail) => (stalled = detail) });
    fanOut([player], first);
    expect(player.followsBatch).toBe(true);
    socket.writableLength = 5000;
    fanOut([player], second);
    expect(player.followsBatch).toBe(false);
    expect(socket.writes).toHaveLength(3);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 5);
      fanOut([player], [big(inter(120))]);
    } finally {
      vi.useRealTimers();
    }
    expect(stalled).toMatch(/^player stalled: 5000 bytes unsent for \d+ ms$/);
    socket.writableLength = 0;
    fanOut([player], [big(inter(160))]);
    expect(decoded(socket).map((m) => m.timestamp)).toEqual([0, 10, 40, 80, 90, 120, 160]);
  });
});
