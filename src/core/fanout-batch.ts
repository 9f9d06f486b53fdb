import type { MediaPacket } from '../media/packet.js';

/**
 * The packets a stream fanned out during one batch window (SRS mw_latency),
 * in order. Players that keep up follow the batches: each writes the window
 * as one Buffer encoded once for all of them, so a window costs one write per
 * player and no per-packet objects, which keeps memory and CPU per player
 * flat at high N.
 */
export class FanoutBatch {
  readonly packets: MediaPacket[] = [];
  private encodedFormat: number | undefined;
  private encodedBytes: Buffer | undefined;

  /**
   * The batch encoded by `encode`, once per `format` (e.g. an RTMP chunk
   * size); a second format replaces the first, which only happens across a
   * config reload.
   */
  encoded(format: number, encode: (packets: readonly MediaPacket[]) => Buffer): Buffer {
    if (this.encodedBytes === undefined || this.encodedFormat !== format) {
      this.encodedBytes = encode(this.packets);
      this.encodedFormat = format;
    }
    return this.encodedBytes;
  }
}
