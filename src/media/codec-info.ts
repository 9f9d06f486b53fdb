import { ProtocolError } from '../errors.js';

/**
 * Codec parameters from sequence headers, for the HTTP API and events:
 * AVC/HEVC profile, level and picture size (SPS, ISO 14496-10 7.3.2.1.1 /
 * ITU-T H.265 7.3.2.2), AAC object type, sample rate and channels
 * (AudioSpecificConfig, ISO 14496-3 1.6.2.1). Reads are bounds-checked and
 * only ProtocolError `ERR_MEDIA_CODEC_CONFIG` is thrown.
 */

/** Error code for a malformed decoder configuration. */
export const ERR_MEDIA_CODEC_CONFIG = 'ERR_MEDIA_CODEC_CONFIG';

/** Picture and profile of an AVC or HEVC stream. */
export interface VideoCodecInfo {
  codec: 'avc' | 'hevc';
  /** profile_idc (AVC) or general_profile_idc (HEVC). */
  profile: number;
  /** `High`, `Main10`... as SRS's API names them; `Other` when unknown. */
  profileName: string;
  /** level_idc (AVC, 31 = 3.1) or general_level_idc (HEVC, 93 = 3.1). */
  level: number;
  /** `3.1` */
  levelName: string;
  width: number;
  height: number;
}

/** What an AAC AudioSpecificConfig says. */
export interface AudioCodecInfo {
  codec: 'aac';
  /** audioObjectType: 1 Main, 2 LC, 5 HE (SBR), 29 HEv2 (PS). */
  objectType: number;
  /** `LC`, `HE`... ; `Other` when unknown. */
  objectName: string;
  /** Hz; for explicit HE-AAC the extension (output) rate. */
  sampleRate: number;
  /** From channelConfiguration (7 means 8 channels); 0 when the config is in-band. */
  channels: number;
}

// The SPS is at most 64 KiB (a u16 length), so every loop below is bounded by it.
const MAX_EXP_GOLOMB_ZEROS = 31;
const AVC_HIGH_PROFILES: ReadonlySet<number> = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);
const AVC_PROFILE_NAMES: Readonly<Record<number, string>> = { 66: 'Baseline', 77: 'Main', 88: 'Extended', 100: 'High', 110: 'High10', 122: 'High422', 244: 'High444' };
const HEVC_PROFILE_NAMES: Readonly<Record<number, string>> = { 1: 'Main', 2: 'Main10', 3: 'MainStillPicture', 4: 'RExt' };
const AAC_OBJECT_NAMES: Readonly<Record<number, string>> = { 1: 'Main', 2: 'LC', 3: 'SSR', 5: 'HE', 29: 'HEv2' };
const AAC_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350] as const;
const FOURCC_AVC1 = 0x61766331;
const FOURCC_HVC1 = 0x68766331;
const FOURCC_MP4A = 0x6d703461;

function fail(what: string): never {
  throw new ProtocolError(ERR_MEDIA_CODEC_CONFIG, what);
}

/** MSB-first bit reader over a NAL unit whose emulation-prevention bytes are already removed. */
class BitReader {
  private bit = 0;
  constructor(private readonly bytes: Buffer) {}

  u(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      const byte = this.bytes[this.bit >> 3];
      if (byte === undefined) fail('truncated parameter set');
      value = value * 2 + ((byte >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return value;
  }

  skip(count: number): void {
    if (this.bit + count > this.bytes.length * 8) fail('truncated parameter set');
    this.bit += count;
  }

  /** ue(v), 9.1 of both specs. */
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros > MAX_EXP_GOLOMB_ZEROS) fail('exp-golomb code too long');
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  /** se(v) */
  se(): number {
    const code = this.ue();
    return code % 2 === 1 ? (code + 1) / 2 : -(code / 2);
  }
}

/** Drops the 0x03 of every 00 00 03 (emulation prevention, H.264 7.4.1 / H.265 7.4.2). */
function unescapeRbsp(nal: Buffer): Buffer {
  const out = Buffer.allocUnsafe(nal.length);
  let length = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[length++] = byte;
  }
  return out.subarray(0, length);
}

/** Returns the bytes [offset, offset+length) or throws when they are not all there. */
function slice(buf: Buffer, offset: number, length: number): Buffer {
  if (offset + length > buf.length) fail('truncated decoder configuration');
  return buf.subarray(offset, offset + length);
}

/**
 * Parses a video sequence header payload (legacy FLV AVC/HEVC with
 * AVCPacketType 0, or Enhanced RTMP SequenceStart for avc1/hvc1). Returns
 * undefined for payloads that are not such a sequence header or carry another codec.
 */
export function parseVideoConfig(payload: Buffer): VideoCodecInfo | undefined {
  if (payload.length < 5) return undefined;
  const first = payload[0]!;
  if ((first & 0x80) !== 0) {
    if ((first & 0x0f) !== 0) return undefined;
    const fourCc = payload.readUInt32BE(1);
    if (fourCc === FOURCC_AVC1) return parseAvcRecord(payload.subarray(5));
    if (fourCc === FOURCC_HVC1) return parseHevcRecord(payload.subarray(5));
    return undefined;
  }
  if (payload[1] !== 0) return undefined;
  const codecId = first & 0x0f;
  // Legacy layout: header, AVCPacketType, CompositionTime (3 bytes), then the record.
  if (codecId === 7) return parseAvcRecord(payload.subarray(5));
  if (codecId === 12) return parseHevcRecord(payload.subarray(5));
  return undefined;
}

/** AVCDecoderConfigurationRecord (ISO 14496-15 5.2.4.1): the first SPS decides. */
export function parseAvcRecord(record: Buffer): VideoCodecInfo {
  const header = slice(record, 0, 6);
  if (header[0] !== 1) fail('AVC configurationVersion is not 1');
  if ((header[5]! & 0x1f) === 0) fail('AVC record without SPS');
  const spsLength = slice(record, 6, 2).readUInt16BE(0);
  return parseAvcSps(slice(record, 8, spsLength));
}

/** Parses an AVC SPS NAL unit (with its 1-byte header) for profile, level and cropped size. */
export function parseAvcSps(nal: Buffer): VideoCodecInfo {
  if (nal.length < 4 || (nal[0]! & 0x1f) !== 7) fail('not an AVC SPS');
  const bits = new BitReader(unescapeRbsp(nal.subarray(1)));
  const profile = bits.u(8);
  bits.skip(8);
  const level = bits.u(8);
  bits.ue();
  let chromaFormat = 1;
  let separateColourPlane = 0;
  if (AVC_HIGH_PROFILES.has(profile)) {
    chromaFormat = bits.ue();
    if (chromaFormat > 3) fail('AVC chroma_format_idc out of range');
    if (chromaFormat === 3) separateColourPlane = bits.u(1);
    bits.ue();
    bits.ue();
    bits.skip(1);
    if (bits.u(1) === 1) skipAvcScalingLists(bits, chromaFormat === 3 ? 12 : 8);
  }
  bits.ue();
  const pocType = bits.ue();
  if (pocType === 0) {
    bits.ue();
  } else if (pocType === 1) {
    bits.skip(1);
    bits.se();
    bits.se();
    const cycle = bits.ue();
    if (cycle > 255) fail('AVC num_ref_frames_in_pic_order_cnt_cycle out of range');
    for (let i = 0; i < cycle; i++) bits.se();
  }
  bits.ue();
  bits.skip(1);
  const widthInMbs = bits.ue() + 1;
  const heightInMapUnits = bits.ue() + 1;
  const frameMbsOnly = bits.u(1);
  if (frameMbsOnly === 0) bits.skip(1);
  bits.skip(1);
  const crop = bits.u(1) === 1 ? [bits.ue(), bits.ue(), bits.ue(), bits.ue()] : [0, 0, 0, 0];
  // Crop units, H.264 7.4.2.1.1 (CropUnitX/CropUnitY).
  const chromaArrayType = separateColourPlane === 1 ? 0 : chromaFormat;
  const subWidth = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeight = chromaArrayType === 1 ? 2 : 1;
  const unitX = chromaArrayType === 0 ? 1 : subWidth;
  const unitY = (chromaArrayType === 0 ? 1 : subHeight) * (2 - frameMbsOnly);
  const width = widthInMbs * 16 - unitX * (crop[0]! + crop[1]!);
  const height = (2 - frameMbsOnly) * heightInMapUnits * 16 - unitY * (crop[2]! + crop[3]!);
  if (width <= 0 || height <= 0) fail('AVC cropping larger than the picture');
  return { codec: 'avc', profile, profileName: AVC_PROFILE_NAMES[profile] ?? 'Other', level, levelName: levelName(level / 10), width, height };
}

function skipAvcScalingLists(bits: BitReader, count: number): void {
  for (let i = 0; i < count; i++) {
    if (bits.u(1) === 0) continue;
    const size = i < 6 ? 16 : 64;
    let last = 8;
    let next = 8;
    for (let j = 0; j < size && next !== 0; j++) {
      next = (last + bits.se() + 256) % 256;
      if (next !== 0) last = next;
    }
  }
}

/** HEVCDecoderConfigurationRecord (ISO 14496-15 8.3.3.1): profile/level from it, size from the first SPS. */
export function parseHevcRecord(record: Buffer): VideoCodecInfo {
  const header = slice(record, 0, 23);
  if (header[0] !== 1) fail('HEVC configurationVersion is not 1');
  const profile = header[1]! & 0x1f;
  const level = header[12]!;
  let offset = 23;
  for (let array = 0; array < header[22]!; array++) {
    const nalType = slice(record, offset, 1)[0]! & 0x3f;
    const count = slice(record, offset + 1, 2).readUInt16BE(0);
    offset += 3;
    for (let i = 0; i < count; i++) {
      const length = slice(record, offset, 2).readUInt16BE(0);
      const nal = slice(record, offset + 2, length);
      offset += 2 + length;
      if (nalType === 33) {
        const size = parseHevcSpsSize(nal);
        return { codec: 'hevc', profile, profileName: HEVC_PROFILE_NAMES[profile] ?? 'Other', level, levelName: levelName(level / 30), ...size };
      }
    }
  }
  return fail('HEVC record without SPS');
}

/** Picture size from an HEVC SPS NAL unit (with its 2-byte header). */
export function parseHevcSpsSize(nal: Buffer): { width: number; height: number } {
  if (nal.length < 3 || ((nal[0]! >> 1) & 0x3f) !== 33) fail('not an HEVC SPS');
  const bits = new BitReader(unescapeRbsp(nal.subarray(2)));
  bits.skip(4);
  const maxSubLayersMinus1 = bits.u(3);
  bits.skip(1);
  skipProfileTierLevel(bits, maxSubLayersMinus1);
  bits.ue();
  const chromaFormat = bits.ue();
  if (chromaFormat > 3) fail('HEVC chroma_format_idc out of range');
  const separateColourPlane = chromaFormat === 3 ? bits.u(1) : 0;
  let width = bits.ue();
  let height = bits.ue();
  if (bits.u(1) === 1) {
    // Conformance window in chroma units, H.265 7.4.3.2 (SubWidthC/SubHeightC).
    const chromaArrayType = separateColourPlane === 1 ? 0 : chromaFormat;
    const subWidth = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
    const subHeight = chromaArrayType === 1 ? 2 : 1;
    width -= subWidth * (bits.ue() + bits.ue());
    height -= subHeight * (bits.ue() + bits.ue());
  }
  if (width <= 0 || height <= 0) fail('HEVC picture size out of range');
  return { width, height };
}

/** profile_tier_level(1, maxNumSubLayersMinus1), H.265 7.3.3. */
function skipProfileTierLevel(bits: BitReader, maxSubLayersMinus1: number): void {
  bits.skip(96);
  const profilePresent: number[] = [];
  const levelPresent: number[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(bits.u(1));
    levelPresent.push(bits.u(1));
  }
  if (maxSubLayersMinus1 > 0) bits.skip(2 * (8 - maxSubLayersMinus1));
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i] === 1) bits.skip(88);
    if (levelPresent[i] === 1) bits.skip(8);
  }
}

/** `3.1` for 3.1, `4` for 4.0, as SRS's API prints levels. */
function levelName(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/**
 * Parses an audio sequence header payload (FLV AAC with AACPacketType 0, or
 * Enhanced RTMP SequenceStart for mp4a). Returns undefined for anything else.
 */
export function parseAudioConfig(payload: Buffer): AudioCodecInfo | undefined {
  if (payload.length < 2) return undefined;
  const first = payload[0]!;
  if (first >> 4 === 10) return payload[1] === 0 ? parseAudioSpecificConfig(payload.subarray(2)) : undefined;
  if (first === 0x90 && payload.length >= 5 && payload.readUInt32BE(1) === FOURCC_MP4A) {
    return parseAudioSpecificConfig(payload.subarray(5));
  }
  return undefined;
}

/** AudioSpecificConfig, ISO 14496-3 1.6.2.1 (GetAudioObjectType, samplingFrequencyIndex, channelConfiguration). */
export function parseAudioSpecificConfig(config: Buffer): AudioCodecInfo {
  const bits = new BitReader(config);
  const objectType = readObjectType(bits);
  if (objectType === 0) fail('AAC audioObjectType 0');
  let sampleRate = readSampleRate(bits);
  const channelConfig = bits.u(4);
  // Explicit SBR/PS signalling (HE-AAC): the extension rate is the output rate.
  if (objectType === 5 || objectType === 29) sampleRate = readSampleRate(bits);
  return {
    codec: 'aac',
    objectType,
    objectName: AAC_OBJECT_NAMES[objectType] ?? 'Other',
    sampleRate,
    channels: channelConfig === 7 ? 8 : channelConfig,
  };
}

function readObjectType(bits: BitReader): number {
  const type = bits.u(5);
  return type === 31 ? 32 + bits.u(6) : type;
}

function readSampleRate(bits: BitReader): number {
  const index = bits.u(4);
  if (index === 15) return bits.u(24);
  const rate = AAC_SAMPLE_RATES[index];
  return rate ?? fail(`AAC samplingFrequencyIndex ${index} is reserved`);
}
