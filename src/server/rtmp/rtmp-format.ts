import { encodeMessageChunks, MEDIA_CSID } from '../../rtmp/chunk-writer.js';
import type { MediaPacket } from '../../media/packet.js';
import type { WireEncoder, WireFormat } from '../../core/wire-cache.js';

/** RTMP message type ids of media (RTMP 7.1.4, 7.1.5, 7.1.2). */
const TYPE_ID = { audio: 8, video: 9, data: 18 } as const;

/**
 * RTMP media messages at one chunk size on one message stream id. Every
 * message starts with a type 0 chunk header, so the bytes are valid whatever
 * the player was sent before and can be shared by every player of the same
 * chunk size and stream id (SRS uses stream id 1 for every play session,
 * SRS_DEFAULT_SID, so in practice all of them).
 */
export function rtmpFormat(chunkSize: number, streamId: number): WireFormat {
  const encoder: WireEncoder = {
    encode: (packet: MediaPacket) =>
      encodeMessageChunks({ typeId: TYPE_ID[packet.kind], timestamp: packet.timestamp, streamId, payload: packet.payload }, chunkSize, MEDIA_CSID[packet.kind]),
  };
  return { id: `rtmp:${chunkSize}:${streamId}`, ordered: false, createEncoder: () => encoder };
}
