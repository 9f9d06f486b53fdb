import type { MediaKind, MediaPacket } from '../../../src/media/packet.js';

/** A packet with just the flags the core looks at. */
export function packet(kind: MediaKind, timestamp: number, flags: Partial<Pick<MediaPacket, 'isKeyframe' | 'isSequenceHeader' | 'isMetadata'>> = {}): MediaPacket {
  return {
    kind,
    timestamp,
    payload: Buffer.from([timestamp & 0xff]),
    isKeyframe: flags.isKeyframe ?? false,
    isSequenceHeader: flags.isSequenceHeader ?? false,
    isMetadata: flags.isMetadata ?? false,
  };
}

export const key = (ts: number): MediaPacket => packet('video', ts, { isKeyframe: true });
export const inter = (ts: number): MediaPacket => packet('video', ts);
export const audio = (ts: number): MediaPacket => packet('audio', ts);
