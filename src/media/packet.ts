/**
 * A protocol-neutral media message as the hub stores and fans it out.
 * `payload` is the FLV tag body (what RTMP carries in audio/video/data
 * messages). Wire encodings are not kept here: the stream's wire cache holds
 * them, one per format (DESIGN.md "Encode once, fan out many").
 */
export type MediaKind = 'audio' | 'video' | 'data';

export interface MediaPacket {
  readonly kind: MediaKind;
  /** Milliseconds, 32-bit RTMP timestamp space. */
  readonly timestamp: number;
  readonly payload: Buffer;
  /** Video key frame (frame type 1), sequence headers excluded. */
  readonly isKeyframe: boolean;
  /** AVC/HEVC decoder configuration record or AAC AudioSpecificConfig. */
  readonly isSequenceHeader: boolean;
  /** `@setDataFrame onMetaData` / `onMetaData`. */
  readonly isMetadata: boolean;
}
