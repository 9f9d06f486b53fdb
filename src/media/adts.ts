import { ProtocolError } from '../errors.js';

/**
 * Raw AAC (as FLV carries it) to ADTS frames (stream_type 0x0F of ISO/IEC
 * 13818-1 Table 2-34 is AAC "with the ADTS transport syntax"). The ADTS
 * fixed header needs the object type, sampling frequency index and channel
 * configuration the AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1) holds; the
 * header layout is adts_fixed_header + adts_variable_header of 14496-3
 * Annex 1.A (1.A.2.2), without CRC.
 */

/** The AudioSpecificConfig is truncated or cannot be said in an ADTS header. */
export const ERR_TS_AAC_CONFIG = 'ERR_TS_AAC_CONFIG';
/** A raw AAC frame is empty or longer than the 13-bit frame_length allows. */
export const ERR_TS_AUDIO_FRAME = 'ERR_TS_AUDIO_FRAME';

export const ADTS_HEADER_SIZE = 7;
const MAX_FRAME_LENGTH = 0x1fff;
/** samplingFrequencyIndex 13 and 14 are reserved, 15 means an explicit 24-bit rate ADTS cannot carry (14496-3 1.6.3.4). */
const MAX_SAMPLING_INDEX = 12;
const AOT_SBR = 5;
const AOT_PS = 29;

/** The three fields of the ADTS fixed header that vary between streams. */
export interface AdtsConfig {
  /** Core audioObjectType, 1..4 (ADTS profile_ObjectType is this minus 1, 2 bits). */
  readonly objectType: number;
  readonly samplingIndex: number;
  readonly channelConfig: number;
}

function fail(code: string, what: string): never {
  throw new ProtocolError(code, what);
}

/**
 * Reads the AudioSpecificConfig fields ADTS needs. For explicitly signalled
 * HE-AAC (object type 5 or 29) ADTS carries the core (AAC LC) type and rate,
 * and decoders find the SBR/PS extension in band, as FFmpeg's ADTS muxer does.
 */
export function parseAdtsConfig(config: Buffer): AdtsConfig {
  let bit = 0;
  const read = (count: number): number => {
    let value = 0;
    for (let i = 0; i < count; i++, bit++) {
      const byte = config[bit >> 3];
      if (byte === undefined) fail(ERR_TS_AAC_CONFIG, 'truncated AudioSpecificConfig');
      value = value * 2 + ((byte >> (7 - (bit & 7))) & 1);
    }
    return value;
  };
  const objectTypeField = (): number => {
    const type = read(5);
    return type === 31 ? 32 + read(6) : type;
  };
  const samplingIndexField = (): number => {
    const index = read(4);
    if (index === 15) read(24);
    return index;
  };
  let objectType = objectTypeField();
  const samplingIndex = samplingIndexField();
  const channelConfig = read(4);
  if (objectType === AOT_SBR || objectType === AOT_PS) {
    samplingIndexField();
    objectType = objectTypeField();
  }
  if (objectType < 1 || objectType > 4) fail(ERR_TS_AAC_CONFIG, `AAC object type ${objectType} has no ADTS profile`);
  if (samplingIndex > MAX_SAMPLING_INDEX) fail(ERR_TS_AAC_CONFIG, `AAC sampling frequency index ${samplingIndex} has no ADTS form`);
  return { objectType, samplingIndex, channelConfig };
}

/**
 * The 7-byte ADTS header for one raw frame: MPEG-4 ID, layer 0,
 * protection_absent 1, adts_buffer_fullness 0x7FF (variable rate), one raw
 * data block.
 */
export function adtsHeader(config: AdtsConfig, rawLength: number): Buffer {
  if (rawLength === 0) fail(ERR_TS_AUDIO_FRAME, 'empty AAC frame');
  const frameLength = ADTS_HEADER_SIZE + rawLength;
  if (frameLength > MAX_FRAME_LENGTH) fail(ERR_TS_AUDIO_FRAME, `AAC frame of ${rawLength} bytes exceeds the ADTS frame_length`);
  const header = Buffer.alloc(ADTS_HEADER_SIZE);
  header[0] = 0xff;
  header[1] = 0xf1;
  header[2] = ((config.objectType - 1) << 6) | (config.samplingIndex << 2) | (config.channelConfig >> 2);
  header[3] = ((config.channelConfig & 0x03) << 6) | (frameLength >> 11);
  header[4] = (frameLength >> 3) & 0xff;
  header[5] = ((frameLength & 0x07) << 5) | 0x1f;
  header[6] = 0xfc;
  return header;
}
