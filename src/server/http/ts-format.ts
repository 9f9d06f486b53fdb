import { TsMuxer } from '../../media/ts-muxer.js';
import type { WireEncoder, WireFormat } from '../../core/wire-cache.js';

/**
 * MPEG-TS for HTTP-TS viewers: one muxer per stream (continuity counters
 * and codec tables carry from packet to packet), so the format is ordered:
 * the stream feeds it every packet in publish order while anyone watches,
 * and every viewer shares the same 188-byte packets.
 */
export const TS_FORMAT: WireFormat = Object.freeze({
  id: 'ts',
  ordered: true,
  createEncoder: (): TsWireEncoder => new TsWireEncoder(),
});

export class TsWireEncoder implements WireEncoder {
  private readonly muxer = new TsMuxer();

  encode(packet: Parameters<TsMuxer['encode']>[0]): Buffer {
    return this.muxer.encode(packet);
  }

  /** PAT and PMT for the codecs seen so far: a joiner's first bytes. */
  tables(): Buffer {
    return this.muxer.tables();
  }
}
