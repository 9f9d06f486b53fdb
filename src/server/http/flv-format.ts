import type { MediaPacket } from '../../media/packet.js';
import type { WireFormat } from '../../core/wire-cache.js';

/** FLV tag types (FLV v10.1 E.4.1). */
const TAG_TYPE = { audio: 8, video: 9, data: 18 } as const;
const TAG_HEADER_BYTES = 11;

/**
 * FLV tags (FLV v10.1 E.4): an 11-byte tag header, the payload (what RTMP
 * carries), the 4-byte PreviousTagSize. Stateless, so one encoding per
 * packet serves every HTTP-FLV viewer. Script data carries timestamp 0, as
 * SRS writes it (srs_kernel_flv.cpp write_metadata).
 */
export const FLV_FORMAT: WireFormat = Object.freeze({
  id: 'flv',
  ordered: false,
  createEncoder: () => ({ encode: encodeFlvTag }),
});

export function encodeFlvTag(packet: MediaPacket): Buffer {
  const size = packet.payload.length;
  const bytes = Buffer.allocUnsafe(TAG_HEADER_BYTES + size + 4);
  const timestamp = packet.kind === 'data' ? 0 : packet.timestamp >>> 0;
  bytes[0] = TAG_TYPE[packet.kind];
  bytes.writeUIntBE(size, 1, 3);
  bytes.writeUIntBE(timestamp & 0xffffff, 4, 3);
  bytes[7] = (timestamp >>> 24) & 0xff;
  bytes.writeUIntBE(0, 8, 3);
  packet.payload.copy(bytes, TAG_HEADER_BYTES);
  bytes.writeUInt32BE(TAG_HEADER_BYTES + size, TAG_HEADER_BYTES + size);
  return bytes;
}

/**
 * The 9-byte FLV header and PreviousTagSize0 (FLV v10.1 E.2): signature,
 * version 1, flags 4·audio + 1·video, header size 9.
 */
export function flvFileHeader(hasAudio: boolean, hasVideo: boolean): Buffer {
  return Buffer.from([0x46, 0x4c, 0x56, 0x01, (hasAudio ? 4 : 0) | (hasVideo ? 1 : 0), 0, 0, 0, 9, 0, 0, 0, 0]);
}
