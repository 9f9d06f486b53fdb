import { describe, expect, it } from 'vitest';
import { readFlvTags } from '../../../src/client/flv-file.js';
import { Player } from '../../../src/core/player.js';
import { Stream, type StreamOptions } from '../../../src/core/stream.js';
import type { WireChannel, WireFormat } from '../../../src/core/wire-cache.js';
import { toMediaPacket } from '../../../src/media/flv-tag.js';
import type { MediaPacket } from '../../../src/media/packet.js';
import { flvFileHeader, FLV_FORMAT } from '../../../src/server/http/flv-format.js';
import { TS_FORMAT, type TsWireEncoder } from '../../../src/server/http/ts-format.js';
import { rtmpFormat } from '../../../src/server/rtmp/rtmp-format.js';
import { WireReader } from '../rtmp/rtmp-test-kit.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const AVC_HEADER = hex('17 00 000000 01 42 00 0a ff e1 0007 6742000af841a2 01 0004 68ce3880');
const AAC_HEADER = hex('af 00 12 10');
const IDR = hex('65 88 84 00 33');
const SLICE = hex('41 9a 02 04');

/** A legacy FLV AVC NALU tag body with one NALU. */
function avcFrame(keyframe: boolean, nal: Buffer): Buffer {
  return Buffer.concat([Buffer.from([keyframe ? 0x17 : 0x27, 1, 0, 0, 0, 0, 0, 0, nal.length]), nal]);
}

const videoHeader = (): MediaPacket => toMediaPacket('video', 0, AVC_HEADER);
const audioHeader = (): MediaPacket => toMediaPacket('audio', 0, AAC_HEADER);
const keyframe = (ts: number): MediaPacket => toMediaPacket('video', ts, avcFrame(true, IDR));
const interframe = (ts: number): MediaPacket => toMediaPacket('video', ts, avcFrame(false, SLICE));
const aac = (ts: number): MediaPacket => toMediaPacket('audio', ts, hex('af 01 de 04 00 4c'));

/** The part of a socket / HTTP response a Player writes to, recording each write. */
class FakeSink {
  readonly writes: Buffer[] = [];
  destroyed = false;
  writableLength = 0;
  cork(): void {}
  uncork(): void {}
  write(bytes: Buffer): boolean {
    this.writes.push(bytes);
    return true;
  }
  get bytes(): Buffer {
    return Buffer.concat(this.writes);
  }
}

const OPTIONS: StreamOptions = { gopCache: true, gopCacheMaxFrames: 2500, batchWindowMs: 0, statId: 'vid-test000' };

/** A stream with a publisher, as the hub starts one. */
function liveStream(): Stream {
  const stream = new Stream('__defaultVhost__/live/livestream', OPTIONS);
  stream.startPublish({ clientId: 'publisher' }, OPTIONS);
  return stream;
}

interface Attached {
  player: Player;
  sink: FakeSink;
  channel: WireChannel;
}

/** A core Player of `format` on a fake sink, joined to the stream the way the adapters do it. */
function attach(stream: Stream, format: WireFormat): Attached {
  const sink = new FakeSink();
  const channel = stream.wires.acquire(format);
  const preamble =
    format.id === 'flv' ? () => flvFileHeader(true, true) : format.id === 'ts' ? () => (channel.encoder as TsWireEncoder).tables() : undefined;
  const player = new Player({
    sink,
    channel,
    queueLengthMs: 30_000,
    maxQueuedPackets: 1000,
    maxWritableBytes: 1 << 20,
    stallTimeoutMs: 30_000,
    ...(preamble === undefined ? {} : { preamble }),
    onStalled: () => undefined,
    onPublisherLeft: () => undefined,
    onPublisherArrived: () => undefined,
  });
  stream.addPlayer(player);
  return { player, sink, channel };
}

/** batchWindowMs 0: the stream flushes on setImmediate; this one runs after it. */
const flushed = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function publishWindow(stream: Stream, packets: MediaPacket[]): Promise<void> {
  for (const packet of packets) stream.publish(packet);
  await flushed();
}

describe('WireCache: encode once per format, fan out the same bytes', () => {
  it('3 RTMP and 3 HTTP-FLV players: encodes per format equal distinct packets, not per player', async () => {
    const stream = liveStream();
    const rtmp = [0, 1, 2].map(() => attach(stream, rtmpFormat(4096, 1)));
    const flv = [0, 1, 2].map(() => attach(stream, FLV_FORMAT));
    const windows = [
      [videoHeader(), audioHeader(), keyframe(0), aac(10)],
      [interframe(40), aac(33)],
      [interframe(80)],
      [keyframe(120), aac(56), interframe(160)],
    ];
    for (const window of windows) await publishWindow(stream, window);
    const distinct = windows.flat().length;
    expect(Object.fromEntries(stream.wires.encodeCounts())).toEqual({ 'rtmp:4096:1': distinct, flv: distinct });

    // Every player got every packet, in order, decodable.
    for (const { sink } of flv) {
      const tags = [...readFlvTags(sink.bytes)];
      expect(tags.map((tag) => [tag.kind, tag.timestamp, tag.payload.toString('hex')])).toEqual(
        windows.flat().map((packet) => [packet.kind, packet.timestamp, packet.payload.toString('hex')]),
      );
    }
    for (const { sink } of rtmp) {
      const reader = new WireReader();
      reader.feed(sink.bytes);
      expect(reader.messages.map((message) => [message.typeId, message.timestamp, message.streamId, message.payload.toString('hex')])).toEqual(
        windows.flat().map((packet) => [packet.kind === 'video' ? 9 : 8, packet.timestamp, 1, packet.payload.toString('hex')]),
      );
    }
  });

  it('players of a format get the very same Buffer objects for each batch window', async () => {
    const stream = liveStream();
    const rtmp = [0, 1, 2].map(() => attach(stream, rtmpFormat(4096, 1)));
    const flv = [0, 1, 2].map(() => attach(stream, FLV_FORMAT));
    // The first window is written from each player's queue (packet by packet, after the FLV header)...
    await publishWindow(stream, [videoHeader(), keyframe(0)]);
    for (const { player } of [...rtmp, ...flv]) expect(player.followsBatch).toBe(true);
    const before = flv.map(({ sink }) => sink.writes.length);
    // ...then they follow the batches: one write per window, one Buffer shared by the format.
    await publishWindow(stream, [interframe(40), aac(20)]);
    await publishWindow(stream, [interframe(80), aac(40), interframe(120)]);
    const batchesOf = (attached: Attached[]): Buffer[][] => attached.map(({ sink }, i) => sink.writes.slice(before[i]));
    const [first, ...others] = batchesOf(flv);
    expect(first).toHaveLength(2);
    for (const other of others) {
      expect(other).toHaveLength(2);
      other.forEach((buffer, i) => expect(buffer).toBe(first?.[i]));
    }
    const rtmpBatches = rtmp.map(({ sink }) => sink.writes.slice(-2));
    for (const other of rtmpBatches.slice(1)) other.forEach((buffer, i) => expect(buffer).toBe(rtmpBatches[0]?.[i]));
    // The formats differ: FLV tags are not RTMP chunks.
    expect(first?.[0]?.equals(rtmpBatches[0]?.[0] as Buffer)).toBe(false);
    // Each packet was encoded once per format; a window's Buffer is the concatenation of those, made once per format.
    expect(Object.fromEntries(stream.wires.encodeCounts())).toEqual({ 'rtmp:4096:1': 7, flv: 7 });
  });

  it('a packet already encoded for one player is not encoded again for a late joiner (the GOP burst)', async () => {
    const stream = liveStream();
    attach(stream, FLV_FORMAT);
    await publishWindow(stream, [videoHeader(), keyframe(0), interframe(40)]);
    expect(stream.wires.encodeCounts().get('flv')).toBe(3);
    const late = attach(stream, FLV_FORMAT);
    expect(stream.wires.encodeCounts().get('flv')).toBe(3);
    expect([...readFlvTags(late.sink.bytes)].map((tag) => tag.timestamp)).toEqual([0, 0, 40]);
  });
});

describe('WireCache: ordered formats (MPEG-TS)', () => {
  it('is fed every packet at publish time while a TS player exists', () => {
    const stream = liveStream();
    attach(stream, TS_FORMAT);
    const packets = [videoHeader(), audioHeader(), keyframe(0), aac(10), interframe(40)];
    for (const [i, packet] of packets.entries()) {
      stream.publish(packet);
      // Encoded in publish order, before any flush.
      expect(stream.wires.encodeCounts().get('ts')).toBe(i + 1);
    }
  });

  it('is not fed when no TS player exists, only the formats in use are', async () => {
    const stream = liveStream();
    attach(stream, rtmpFormat(4096, 1));
    await publishWindow(stream, [videoHeader(), keyframe(0)]);
    expect([...stream.wires.encodeCounts().keys()]).toEqual(['rtmp:4096:1']);

    const ts = attach(stream, TS_FORMAT);
    // The joiner's burst (sequence header + GOP) is encoded for it on demand.
    const afterJoin = stream.wires.encodeCounts().get('ts') as number;
    expect(afterJoin).toBe(2);
    stream.publish(interframe(40));
    expect(stream.wires.encodeCounts().get('ts')).toBe(afterJoin + 1);
    await flushed();
    // Its output is whole 188-byte TS packets starting with the tables.
    expect(ts.sink.bytes.length % 188).toBe(0);
    expect(ts.sink.bytes[0]).toBe(0x47);

    stream.removePlayer(ts.player);
    expect(stream.wires.encodeCounts().has('ts')).toBe(false);
    stream.publish(interframe(80));
    expect(stream.wires.encodeCounts().has('ts')).toBe(false);
    await flushed();
  });

  it('a stream without players encodes nothing at publish', () => {
    const stream = liveStream();
    const channel = stream.wires.acquire(TS_FORMAT);
    channel.release();
    stream.publish(videoHeader());
    stream.publish(keyframe(0));
    expect(stream.wires.encodeCounts().size).toBe(0);
  });
});

describe('WireCache: channels', () => {
  it('one channel per format id; release of the last user drops it; a new acquire starts afresh', () => {
    const stream = liveStream();
    const a = stream.wires.acquire(rtmpFormat(4096, 1));
    const b = stream.wires.acquire(rtmpFormat(4096, 1));
    const other = stream.wires.acquire(rtmpFormat(128, 1));
    expect(b).toBe(a);
    expect(other).not.toBe(a);
    const packet = keyframe(0);
    expect(b.wireOf(packet)).toBe(a.wireOf(packet));
    expect(stream.wires.encodeCounts().get('rtmp:4096:1')).toBe(1);

    a.release();
    expect(stream.wires.encodeCounts().has('rtmp:4096:1')).toBe(true);
    b.release();
    expect(stream.wires.encodeCounts().has('rtmp:4096:1')).toBe(false);
    // A stale release (already dropped) does not touch a newer channel of the same id.
    const fresh = stream.wires.acquire(rtmpFormat(4096, 1));
    a.release();
    expect(fresh).not.toBe(a);
    expect(stream.wires.encodeCounts().get('rtmp:4096:1')).toBe(0);
    fresh.wireOf(packet);
    expect(stream.wires.encodeCounts().get('rtmp:4096:1')).toBe(1);
    expect(Object.fromEntries(stream.wires.encodeCounts())).toEqual({ 'rtmp:4096:1': 1, 'rtmp:128:1': 0 });
  });

  it('a player leaving the stream releases its channel (detached)', () => {
    const stream = liveStream();
    const one = attach(stream, FLV_FORMAT);
    const two = attach(stream, FLV_FORMAT);
    stream.removePlayer(one.player);
    expect(stream.wires.encodeCounts().has('flv')).toBe(true);
    stream.removePlayer(one.player);
    stream.removePlayer(two.player);
    expect(stream.wires.encodeCounts().has('flv')).toBe(false);
  });

  it('a new publish resets ordered encoders (new tables, packets encoded again) and keeps stateless ones', () => {
    const stream = liveStream();
    const ts = stream.wires.acquire(TS_FORMAT);
    const flv = stream.wires.acquire(FLV_FORMAT);
    const tsEncoder = ts.encoder;
    const flvEncoder = flv.encoder;
    const header = videoHeader();
    const frame = keyframe(0);
    ts.wireOf(header);
    const tsBytes = ts.wireOf(frame);
    const flvBytes = flv.wireOf(frame);

    stream.stopPublish({ clientId: 'publisher' });
    stream.startPublish({ clientId: 'again' }, OPTIONS);
    expect(ts.encoder).not.toBe(tsEncoder);
    expect(flv.encoder).toBe(flvEncoder);
    // The FLV bytes are kept; the TS bytes belong to the old muxer's continuity and are made anew.
    expect(flv.wireOf(frame)).toBe(flvBytes);
    ts.wireOf(header);
    const again = ts.wireOf(frame);
    expect(again).not.toBe(tsBytes);
    expect(Object.fromEntries(stream.wires.encodeCounts())).toEqual({ ts: 4, flv: 1 });
  });
});
