import type { MediaPacket } from '../media/packet.js';

/**
 * The packets a stream fanned out during one batch window (SRS mw_latency),
 * in order. Players that keep up follow the batches: each writes the window
 * as one Buffer encoded once per wire format for all of them, so a window
 * costs one write per player and no per-packet objects, which keeps memory
 * and CPU per player flat at high N.
 */
export class FanoutBatch {
  readonly packets: MediaPacket[] = [];
  /** The last format asked for, checked first: a stream usually has one or two formats. */
  private lastFormat: string | undefined;
  private lastBytes: Buffer | undefined;
  private others: Map<string, Buffer> | undefined;

  /** The batch encoded by `encode`, once per wire format id. */
  encoded(formatId: string, encode: (packets: readonly MediaPacket[]) => Buffer): Buffer {
    if (formatId === this.lastFormat && this.lastBytes !== undefined) return this.lastBytes;
    let bytes = this.others?.get(formatId);
    if (bytes === undefined) {
      bytes = encode(this.packets);
      this.others ??= new Map();
      this.others.set(formatId, bytes);
    }
    this.lastFormat = formatId;
    this.lastBytes = bytes;
    return bytes;
  }
}
