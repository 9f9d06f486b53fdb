import { describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { FanoutBatch } from '../../../src/core/fanout-batch.js';
import type { MediaPacket } from '../../../src/media/packet.js';
import { RtmpPlayer } from '../../../src/server/rtmp-player.js';
import { WireReader } from '../rtmp/rtmp-test-kit.js';
import { audio, inter, key } from '../core/helpers.js';

/** The part of a net.Socket RtmpPlayer uses, recording each write call. */
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

function playerOn(socket: RecordingSocket, streamId = 1): RtmpPlayer {
  return new RtmpPlayer({
    socket: socket as unknown as Socket,
    streamId,
    chunkSize: 128,
    queueLengthMs: 10_000,
    maxQueuedPackets: 1000,
    maxWritableBytes: 1 << 20,
    stallTimeoutMs: 1000,
    onStalled: () => undefined,
    onPublisherLeft: () => undefined,
    onPublisherArrived: () => undefined,
  });
}

/** A packet with a payload long enough to need several 128-byte chunks. */
function big(p: MediaPacket): MediaPacket {
  return { ...p, payload: Buffer.alloc(300, p.timestamp & 0xff) };
}

/** A window as the stream fans it out: every packet to every player, then one flush. */
function fanOut(players: RtmpPlayer[], packets: MediaPacket[]): FanoutBatch {
  const batch = new FanoutBatch();
  for (const packet of packets) {
    batch.packets.push(packet);
    for (const player of players) player.push(packet);
  }
  for (const player of players) player.flush(batch);
  return batch;
}

function decoded(socket: RecordingSocket): Array<{ typeId: number; timestamp: number; streamId: number; length: number }> {
  const reader = new WireReader();
  for (const bytes of socket.writes) reader.feed(bytes);
  return reader.messages.map((m) => ({ typeId: m.typeId, timestamp: m.timestamp, streamId: m.streamId, length: m.payload.length }));
}

describe('RtmpPlayer', () => {
  const window = [big(key(0)), big(audio(10)), big(inter(40))];
  const expected = [
    { typeId: 9, timestamp: 0, streamId: 1, length: 300 },
    { typeId: 8, timestamp: 10, streamId: 1, length: 300 },
    { typeId: 9, timestamp: 40, streamId: 1, length: 300 },
  ];

  it('writes a window it kept up with as one Buffer shared with every other such player', () => {
    const sockets = [new RecordingSocket(), new RecordingSocket()];
    fanOut(sockets.map((s) => playerOn(s)), window);
    for (const socket of sockets) {
      expect(socket.writes).toHaveLength(1);
      expect(decoded(socket)).toEqual(expected);
    }
    expect(sockets[0]!.writes[0]).toBe(sockets[1]!.writes[0]);
  });

  it('writes the same messages one by one when its queue is not the window', () => {
    const shared = new RecordingSocket();
    const joined = new RecordingSocket();
    const own = new RecordingSocket();
    const sharedPlayer = playerOn(shared);
    const joinedPlayer = playerOn(joined);
    const ownPlayer = playerOn(own, 5);
    const batch = new FanoutBatch();
    batch.packets.push(window[0]!);
    for (const p of [sharedPlayer, ownPlayer]) p.push(window[0]!);
    // Joins mid-window: its queue is a suffix of the batch.
    for (const packet of window.slice(1)) {
      batch.packets.push(packet);
      for (const p of [sharedPlayer, joinedPlayer, ownPlayer]) p.push(packet);
    }
    for (const p of [sharedPlayer, joinedPlayer, ownPlayer]) p.flush(batch);
    expect(shared.writes).toHaveLength(1);
    expect(joined.writes).toHaveLength(2);
    expect(decoded(joined)).toEqual(expected.slice(1));
    // A stream id other than SRS's 1 cannot share bytes.
    expect(own.writes).toHaveLength(3);
    expect(decoded(own)).toEqual(expected.map((m) => ({ ...m, streamId: 5 })));
  });

  it('leaves out what receiveAudio false filters, then shares again from the next window', () => {
    const socket = new RecordingSocket();
    const player = playerOn(socket);
    player.receiveAudio = false;
    fanOut([player], window);
    expect(decoded(socket).map((m) => m.typeId)).toEqual([9, 9]);
    player.receiveAudio = true;
    const writesBefore = socket.writes.length;
    fanOut([player], [big(inter(80)), big(audio(90))]);
    expect(socket.writes.length - writesBefore).toBe(1);
    expect(decoded(socket).map((m) => m.timestamp)).toEqual([0, 40, 80, 90]);
  });
});
