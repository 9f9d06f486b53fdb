import { ProtocolError } from '../errors.js';

/**
 * AVC/HEVC from the MP4 ("AVCC/HVCC") form FLV carries to the Annex B byte
 * stream MPEG-TS carries (ISO/IEC 13818-1 2.14 and 2.17 point at ITU-T H.264
 * Annex B / H.265 Annex B): decoder configuration records (ISO/IEC
 * 14496-15:2017 5.3.3.1 AVC, 8.3.3.1 HEVC) give the parameter sets and the
 * NALU length size; frames are NAL units each behind that many length bytes.
 * Every read is bounds-checked; failures throw ProtocolError with one of the
 * codes below.
 */

/** A decoder configuration record is truncated or not version 1. */
export const ERR_TS_VIDEO_CONFIG = 'ERR_TS_VIDEO_CONFIG';
/** A coded frame is empty or a NALU length runs past its end. */
export const ERR_TS_VIDEO_FRAME = 'ERR_TS_VIDEO_FRAME';

export type VideoCodec = 'avc' | 'hevc';

/** What the muxer keeps from the last sequence header. */
export interface VideoConfig {
  readonly codec: VideoCodec;
  /** Bytes of each NALU length prefix in frames: lengthSizeMinusOne + 1. */
  readonly lengthSize: number;
  /** VPS (HEVC), SPS, PPS, in the order a decoder needs them. */
  readonly parameterSets: readonly Buffer[];
}

/** The 4-byte start code (zero_byte + start_code_prefix_one_3bytes, H.264 B.1.1), before every NAL unit. */
const START_CODE = Buffer.from([0, 0, 0, 1]);
/** H.264 access unit delimiter: nal_unit_type 9, primary_pic_type 7 (any slice type) + rbsp stop bit (7.3.2.4). */
const AVC_AUD = Buffer.from([0x09, 0xf0]);
/** H.265 access unit delimiter: nal_unit_type 35, nuh_temporal_id_plus1 1, pic_type 2 (I, P, B) + stop bit (7.3.2.5). */
const HEVC_AUD = Buffer.from([0x46, 0x01, 0x50]);

const AvcNal = { Aud: 9, Sps: 7, Pps: 8 } as const;
const HevcNal = { Vps: 32, Sps: 33, Pps: 34, Aud: 35 } as const;

/** nal_unit_type from the NAL unit header (H.264 7.3.1, H.265 7.3.1.2); -1 for an empty unit. */
export function nalType(codec: VideoCodec, nal: Buffer): number {
  const first = nal[0];
  if (first === undefined) return -1;
  return codec === 'avc' ? first & 0x1f : (first >> 1) & 0x3f;
}

function fail(code: string, what: string): never {
  throw new ProtocolError(code, what);
}

function take(buf: Buffer, offset: number, length: number): Buffer {
  if (offset + length > buf.length) fail(ERR_TS_VIDEO_CONFIG, 'truncated decoder configuration record');
  return buf.subarray(offset, offset + length);
}

/** AVCDecoderConfigurationRecord (14496-15 5.3.3.1.2): SPS list then PPS list; the high-profile extension is not needed. */
export function parseAvcConfig(record: Buffer): VideoConfig {
  const header = take(record, 0, 6);
  if (header[0] !== 1) fail(ERR_TS_VIDEO_CONFIG, 'AVC configurationVersion is not 1');
  const parameterSets: Buffer[] = [];
  let offset = 5;
  for (const countMask of [0x1f, 0xff]) {
    const count = take(record, offset, 1)[0]! & countMask;
    offset += 1;
    for (let i = 0; i < count; i++) {
      const length = take(record, offset, 2).readUInt16BE(0);
      if (length > 0) parameterSets.push(take(record, offset + 2, length));
      offset += 2 + length;
    }
  }
  return { codec: 'avc', lengthSize: (header[4]! & 0x03) + 1, parameterSets };
}

/** HEVCDecoderConfigurationRecord (14496-15 8.3.3.1.2): the VPS, SPS and PPS arrays; SEI arrays are left out. */
export function parseHevcConfig(record: Buffer): VideoConfig {
  const header = take(record, 0, 23);
  if (header[0] !== 1) fail(ERR_TS_VIDEO_CONFIG, 'HEVC configurationVersion is not 1');
  const byType = new Map<number, Buffer[]>([
    [HevcNal.Vps, []],
    [HevcNal.Sps, []],
    [HevcNal.Pps, []],
  ]);
  let offset = 23;
  for (let array = 0; array < header[22]!; array++) {
    const type = take(record, offset, 1)[0]! & 0x3f;
    const count = take(record, offset + 1, 2).readUInt16BE(0);
    offset += 3;
    for (let i = 0; i < count; i++) {
      const length = take(record, offset, 2).readUInt16BE(0);
      const nal = take(record, offset + 2, length);
      if (length > 0) byType.get(type)?.push(nal);
      offset += 2 + length;
    }
  }
  return { codec: 'hevc', lengthSize: (header[21]! & 0x03) + 1, parameterSets: [...byType.values()].flat() };
}

/** Splits length-prefixed NAL units; zero-length units are dropped, a length past the end throws. */
export function splitNalus(data: Buffer, lengthSize: number): Buffer[] {
  const nalus: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (offset + lengthSize > data.length) fail(ERR_TS_VIDEO_FRAME, 'truncated NALU length');
    const length = data.readUIntBE(offset, lengthSize);
    offset += lengthSize;
    if (offset + length > data.length) fail(ERR_TS_VIDEO_FRAME, `NALU of ${length} bytes runs past the frame`);
    if (length > 0) nalus.push(data.subarray(offset, offset + length));
    offset += length;
  }
  if (nalus.length === 0) fail(ERR_TS_VIDEO_FRAME, 'frame without NAL units');
  return nalus;
}

/**
 * One access unit as Annex B chunks: an AUD first (13818-1 2.14.1 and 2.17.1 require
 * one in every AVC and HEVC access unit; demuxers split access units on it), then
 * for a key frame the parameter sets the frame does not carry itself, then
 * the frame's own NAL units without any AUD they had.
 */
export function accessUnit(codec: VideoCodec, nalus: readonly Buffer[], parameterSets: readonly Buffer[], isKeyframe: boolean): Buffer[] {
  const aud = codec === 'avc' ? AvcNal.Aud : HevcNal.Aud;
  const chunks: Buffer[] = [START_CODE, codec === 'avc' ? AVC_AUD : HEVC_AUD];
  if (isKeyframe) {
    const inBand = new Set(nalus.map((nal) => nalType(codec, nal)));
    for (const set of parameterSets) {
      if (!inBand.has(nalType(codec, set))) chunks.push(START_CODE, set);
    }
  }
  for (const nal of nalus) {
    if (nalType(codec, nal) !== aud) chunks.push(START_CODE, nal);
  }
  return chunks;
}

