import type { MediaPacket } from '../media/packet.js';
import type { FanoutBatch } from './fanout-batch.js';

/**
 * How one wire format turns packets into bytes (RTMP chunks at a chunk size
 * and stream id, FLV tags, MPEG-TS). A format only encodes: queueing,
 * dropping and writing are the player's (DESIGN.md "The data path").
 */
export interface WireFormat {
  /** Two formats with the same id produce the same bytes for the same packet. */
  readonly id: string;
  /**
   * True when the encoder carries state from packet to packet (MPEG-TS
   * continuity counters and codec tables): it must see every packet of the
   * stream in publish order while anyone uses it, so the stream feeds it at
   * publish time instead of the first player encoding on demand.
   */
  readonly ordered: boolean;
  createEncoder(): WireEncoder;
}

export interface WireEncoder {
  /** The packet's bytes in this format; may be empty (a TS sequence header only updates state). */
  encode(packet: MediaPacket): Buffer;
}

/** One format of one stream as its players see it: the encoder and the bytes it made. */
export interface WireChannel {
  readonly format: WireFormat;
  /** The stream's encoder of this format (a TS joiner asks it for the current tables). */
  readonly encoder: WireEncoder;
  /** The packet in this format, encoded once for every player of the stream. */
  wireOf(packet: MediaPacket): Buffer;
  /** A whole batch window in this format, one Buffer shared by every follower. */
  batchOf(batch: FanoutBatch): Buffer;
  /** The player is done with the channel; the channel goes with its last user. */
  release(): void;
}

/** Encodes counted per format id: the unit tests prove encode-once with it. */
export type EncodeCounts = ReadonlyMap<string, number>;

class Channel implements WireChannel {
  encoder: WireEncoder;
  release: () => void = () => undefined;
  /** Weak: a packet's bytes go when the packet leaves the GOP cache and every queue. */
  private bytes = new WeakMap<MediaPacket, Buffer>();
  users = 0;
  encodes = 0;

  constructor(readonly format: WireFormat) {
    this.encoder = format.createEncoder();
  }

  wireOf(packet: MediaPacket): Buffer {
    const cached = this.bytes.get(packet);
    if (cached !== undefined) return cached;
    this.encodes++;
    const bytes = this.encoder.encode(packet);
    this.bytes.set(packet, bytes);
    return bytes;
  }

  batchOf(batch: FanoutBatch): Buffer {
    return batch.encoded(this.format.id, (packets) => {
      if (packets.length === 1) return this.wireOf(packets[0] as MediaPacket);
      return Buffer.concat(packets.map((packet) => this.wireOf(packet)));
    });
  }

  /** A new publish session: ordered encoders start over (new codecs, new tables). */
  reset(): void {
    if (!this.format.ordered) return;
    this.encoder = this.format.createEncoder();
    this.bytes = new WeakMap();
  }
}

/**
 * The wire encodings of one stream's packets, per format (DESIGN.md "Encode
 * once, fan out many"): every subscriber of a format gets the same Buffer for
 * a packet and for a batch window. Packets stay protocol-neutral; the bytes
 * live here, keyed weakly by packet.
 */
export class WireCache {
  private readonly channels = new Map<string, Channel>();
  /** Ordered channels in use, fed every packet at publish time. */
  private ordered: Channel[] = [];

  /** A player of `format` starts: the stream's channel of that format. */
  acquire(format: WireFormat): WireChannel {
    let channel = this.channels.get(format.id);
    if (channel === undefined) {
      const created = new Channel(format);
      created.release = () => this.release(created);
      this.channels.set(format.id, created);
      channel = created;
    }
    channel.users++;
    if (format.ordered && channel.users === 1) this.ordered.push(channel);
    return channel;
  }

  private release(channel: Channel): void {
    if (this.channels.get(channel.format.id) !== channel || channel.users === 0) return;
    channel.users--;
    if (channel.users > 0) return;
    this.channels.delete(channel.format.id);
    this.ordered = this.ordered.filter((other) => other !== channel);
  }

  /** Every published packet: ordered formats in use encode it now, in stream order. */
  observe(packet: MediaPacket): void {
    for (const channel of this.ordered) channel.wireOf(packet);
  }

  /** A new publish session on the same stream. */
  reset(): void {
    for (const channel of this.channels.values()) channel.reset();
  }

  /** Encodes so far per format id in use. */
  encodeCounts(): EncodeCounts {
    return new Map([...this.channels.values()].map((channel) => [channel.format.id, channel.encodes]));
  }
}
