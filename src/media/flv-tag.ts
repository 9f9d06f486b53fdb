import type { MediaKind, MediaPacket } from './packet.js';

/**
 * Cheap inspection of RTMP audio/video/data payloads (FLV tag bodies): codec,
 * key frame, sequence header, metadata. Called for every media message, so it
 * reads at most the first few bytes and never allocates beyond the result.
 * Spec: Adobe FLV v10.1 E.4.2 (audio), E.4.3 (video); Enhanced RTMP v1
 * (veovera/enhanced-rtmp) ExVideoTagHeader; v2 ExAudioTagHeader for Opus.
 */

/** What a video payload carries. */
export interface VideoInfo {
  codec: 'avc' | 'hevc' | 'av1' | 'vp9' | 'other';
  /** Frame type 1 with coded frames; false for sequence headers. */
  isKeyframe: boolean;
  /** AVC/HEVC decoder configuration record, Enhanced RTMP SequenceStart. */
  isSequenceHeader: boolean;
}

/** What an audio payload carries. */
export interface AudioInfo {
  codec: 'aac' | 'mp3' | 'opus' | 'other';
  /** AAC AudioSpecificConfig (AACPacketType 0), Enhanced RTMP SequenceStart. */
  isSequenceHeader: boolean;
}

/** FLV E.4.3.1 VIDEODATA FrameType. */
export const VideoFrameType = { Key: 1, Inter: 2, DisposableInter: 3, GeneratedKey: 4, Command: 5 } as const;

/** FLV E.4.3.1 CodecID; 12 (HEVC) and 13 (AV1) are the Chinese CDN extension SRS and FFmpeg forks use. */
export const VideoCodecId = { SorensonH263: 2, ScreenVideo: 3, Vp6: 4, Vp6Alpha: 5, ScreenVideo2: 6, Avc: 7, Hevc: 12, Av1: 13 } as const;

/** Enhanced RTMP VideoPacketType (low nibble when IsExHeader is set). */
export const ExVideoPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  CodedFramesX: 3,
  Metadata: 4,
  Mpeg2TsSequenceStart: 5,
} as const;

/** FLV E.4.2.1 AUDIODATA SoundFormat: 9 is the Enhanced RTMP ExHeader, 13 SRS's Opus. */
export const SoundFormat = { Mp3: 2, ExHeader: 9, Aac: 10, Opus: 13, Mp3At8kHz: 14 } as const;

// FourCCs as big-endian u32 so the hot path compares numbers, not strings.
const fourCc = (text: string): number => Buffer.from(text, 'latin1').readUInt32BE(0);
const VIDEO_FOURCC: ReadonlyMap<number, VideoInfo['codec']> = new Map<number, VideoInfo['codec']>([
  [fourCc('avc1'), 'avc'],
  [fourCc('hvc1'), 'hevc'],
  [fourCc('av01'), 'av1'],
  [fourCc('vp09'), 'vp9'],
]);
const AUDIO_FOURCC: ReadonlyMap<number, AudioInfo['codec']> = new Map<number, AudioInfo['codec']>([
  [fourCc('mp4a'), 'aac'],
  [fourCc('Opus'), 'opus'],
  [fourCc('.mp3'), 'mp3'],
]);
const NOTHING_VIDEO: VideoInfo = Object.freeze({ codec: 'other', isKeyframe: false, isSequenceHeader: false });
const NOTHING_AUDIO: AudioInfo = Object.freeze({ codec: 'other', isSequenceHeader: false });

/** Reads the FLV VideoTagHeader or the Enhanced RTMP ExVideoTagHeader; never throws. */
export function inspectVideo(payload: Buffer): VideoInfo {
  if (payload.length < 2) return { ...NOTHING_VIDEO };
  const first = payload[0]!;
  if ((first & 0x80) !== 0) return inspectExVideo(payload, first);
  const frameType = first >> 4;
  const codecId = first & 0x0f;
  const codec = codecId === VideoCodecId.Avc ? 'avc' : codecId === VideoCodecId.Hevc ? 'hevc' : codecId === VideoCodecId.Av1 ? 'av1' : 'other';
  if (codec === 'other') {
    // Sorenson/VP6/screen video: no packet type byte, the frame type alone says key frame.
    return { codec, isKeyframe: frameType === VideoFrameType.Key, isSequenceHeader: false };
  }
  // AVCPacketType (E.4.3.1): 0 sequence header, 1 NALU, 2 end of sequence.
  // SRS also requires frame type 1 for a sequence header; encoders always send
  // it that way, and caching a mislabelled one is harmless, so we do not.
  const packetType = payload[1]!;
  return { codec, isKeyframe: frameType === VideoFrameType.Key && packetType === 1, isSequenceHeader: packetType === 0 };
}

/** Enhanced RTMP v1: [IsExHeader:1 FrameType:3 PacketType:4][FourCC:4]... */
function inspectExVideo(payload: Buffer, first: number): VideoInfo {
  const frameType = (first >> 4) & 0x07;
  const packetType = first & 0x0f;
  // Multitrack (6) and ModEx (7) come from Enhanced RTMP v2 and put other bytes before the FourCC.
  if (packetType > ExVideoPacketType.Mpeg2TsSequenceStart || payload.length < 5) return { ...NOTHING_VIDEO };
  const codec = VIDEO_FOURCC.get(payload.readUInt32BE(1)) ?? 'other';
  const isSequenceHeader = packetType === ExVideoPacketType.SequenceStart || packetType === ExVideoPacketType.Mpeg2TsSequenceStart;
  const isCoded = packetType === ExVideoPacketType.CodedFrames || packetType === ExVideoPacketType.CodedFramesX;
  return { codec, isKeyframe: frameType === VideoFrameType.Key && isCoded, isSequenceHeader };
}

/** Reads the FLV AudioTagHeader or the Enhanced RTMP ExAudioTagHeader; never throws. */
export function inspectAudio(payload: Buffer): AudioInfo {
  if (payload.length < 2) return { ...NOTHING_AUDIO };
  const first = payload[0]!;
  const soundFormat = first >> 4;
  switch (soundFormat) {
    case SoundFormat.Aac:
      // AACPacketType (E.4.2.1): 0 AudioSpecificConfig, 1 raw.
      return { codec: 'aac', isSequenceHeader: payload[1] === 0 };
    case SoundFormat.Mp3:
    case SoundFormat.Mp3At8kHz:
      return { codec: 'mp3', isSequenceHeader: false };
    case SoundFormat.Opus:
      return { codec: 'opus', isSequenceHeader: false };
    case SoundFormat.ExHeader: {
      // [SoundFormat=9:4 AudioPacketType:4][FourCC:4]; 0 SequenceStart, 1 CodedFrames;
      // Multichannel config (4), Multitrack (5) and ModEx (7) are not decoded here.
      const packetType = first & 0x0f;
      if (packetType > 2 || payload.length < 5) return { ...NOTHING_AUDIO };
      const codec = AUDIO_FOURCC.get(payload.readUInt32BE(1)) ?? 'other';
      return { codec, isSequenceHeader: packetType === 0 };
    }
    default:
      return { ...NOTHING_AUDIO };
  }
}

// AMF0 string markers (type 0x02, u16 length) for the two names a metadata
// message starts with: ffmpeg/OBS send `@setDataFrame, onMetaData, {...}`,
// Flash and SRS's own re-muxed streams send `onMetaData, {...}`.
const SET_DATA_FRAME = amf0String('@setDataFrame');
const ON_META_DATA = amf0String('onMetaData');

function amf0String(text: string): Buffer {
  const bytes = Buffer.alloc(3 + text.length);
  bytes[0] = 0x02;
  bytes.writeUInt16BE(text.length, 1);
  bytes.write(text, 3, 'latin1');
  return bytes;
}

/** True when the AMF0 data payload starts with the string `@setDataFrame` or `onMetaData`. */
export function isMetadataPayload(payload: Buffer): boolean {
  return startsWith(payload, SET_DATA_FRAME) || startsWith(payload, ON_META_DATA);
}

function startsWith(payload: Buffer, prefix: Buffer): boolean {
  return payload.length >= prefix.length && payload.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** Wraps a payload as the hub's MediaPacket with its flags; the payload is kept, not copied. */
export function toMediaPacket(kind: MediaKind, timestamp: number, payload: Buffer): MediaPacket {
  let isKeyframe = false;
  let isSequenceHeader = false;
  let isMetadata = false;
  if (kind === 'video') {
    const info = inspectVideo(payload);
    isKeyframe = info.isKeyframe;
    isSequenceHeader = info.isSequenceHeader;
  } else if (kind === 'audio') {
    isSequenceHeader = inspectAudio(payload).isSequenceHeader;
  } else {
    isMetadata = isMetadataPayload(payload);
  }
  return { kind, timestamp, payload, isKeyframe, isSequenceHeader, isMetadata };
}
