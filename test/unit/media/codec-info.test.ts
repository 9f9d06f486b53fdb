import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import {
  parseAudioConfig,
  parseAudioSpecificConfig,
  parseAvcSps,
  parseHevcSpsSize,
  parseVideoConfig,
  type AudioCodecInfo,
  type VideoCodecInfo,
} from '../../../src/media/codec-info.js';
import { makeFlv, runFfmpeg, splitAnnexB, type FlvTag } from './ffmpeg-fixtures.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function sequenceHeaders(tags: FlvTag[]): { video: Buffer; audio: Buffer } {
  const video = tags.find((tag) => tag.type === 9 && tag.body[1] === 0);
  const audio = tags.find((tag) => tag.type === 8 && tag.body[1] === 0);
  if (video === undefined || audio === undefined) throw new Error('no sequence headers in the fixture');
  return { video: video.body, audio: audio.body };
}

/** Packs [value, bitCount] pairs MSB first. */
function bits(...fields: [number, number][]): Buffer {
  const text = fields.map(([value, count]) => value.toString(2).padStart(count, '0')).join('');
  const padded = text.padEnd(Math.ceil(text.length / 8) * 8, '0');
  return Buffer.from(padded.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
}

/** The 12 general profile_tier_level bytes of an HEVC SPS, emulation-prevention bytes removed. */
function profileTierLevel(sps: Buffer): Buffer {
  const rbsp: number[] = [];
  for (const byte of sps.subarray(3)) {
    if (byte === 3 && rbsp.length >= 2 && rbsp[rbsp.length - 1] === 0 && rbsp[rbsp.length - 2] === 0) continue;
    rbsp.push(byte);
    if (rbsp.length === 12) break;
  }
  return Buffer.from(rbsp);
}

/** HEVCDecoderConfigurationRecord around real VPS/SPS/PPS (ISO 14496-15 8.3.3.1). */
function hevcRecord(vps: Buffer, sps: Buffer, pps: Buffer): Buffer {
  const header = Buffer.alloc(23);
  header[0] = 1;
  // general_profile_space/tier/profile_idc, compat flags, constraint flags, level: copied from the SPS's profile_tier_level.
  profileTierLevel(sps).copy(header, 1);
  header[13] = 0xf0;
  header[15] = 0xfc;
  header[16] = 0xfd;
  header[17] = 0xf8;
  header[18] = 0xf8;
  header[21] = 0x0f;
  header[22] = 3;
  const arrays = [
    [32, vps],
    [33, sps],
    [34, pps],
  ] as const;
  const parts = arrays.flatMap(([type, nal]) => [Buffer.from([0x80 | type, 0, 1, nal.length >> 8, nal.length & 0xff]), nal]);
  return Buffer.concat([header, ...parts]);
}

describe('AVC and AAC from ffmpeg sequence headers', () => {
  let high: { video: Buffer; audio: Buffer };
  let baseline: { video: Buffer; audio: Buffer };
  let interlaced: { video: Buffer; audio: Buffer };

  beforeAll(() => {
    high = sequenceHeaders(makeFlv({ size: '320x240', seconds: 0.2, video: ['-profile:v', 'high', '-level', '3.1'], audio: ['-ar', '44100', '-ac', '2'] }));
    // 318x238 is not a multiple of 16: the SPS carries frame cropping.
    baseline = sequenceHeaders(makeFlv({ size: '318x238', seconds: 0.2, video: ['-profile:v', 'baseline', '-level', '2.1'], audio: ['-ar', '48000', '-ac', '1'] }));
    // Interlaced (frame_mbs_only_flag 0) with a custom scaling matrix (seq_scaling_matrix_present_flag 1).
    interlaced = sequenceHeaders(
      makeFlv({ size: '720x576', seconds: 0.2, video: ['-profile:v', 'high', '-level', '4', '-x264-params', 'interlaced=1:cqm=jvt'], audio: ['-ar', '22050', '-ac', '2'] }),
    );
  });

  it('reads High profile, level 3.1, 320x240', () => {
    expect(parseVideoConfig(high.video)).toEqual<VideoCodecInfo>({ codec: 'avc', profile: 100, profileName: 'High', level: 31, levelName: '3.1', width: 320, height: 240 });
  });

  it('applies frame cropping (Baseline 318x238, level 2.1)', () => {
    expect(parseVideoConfig(baseline.video)).toEqual<VideoCodecInfo>({ codec: 'avc', profile: 66, profileName: 'Baseline', level: 21, levelName: '2.1', width: 318, height: 238 });
  });

  it('reads interlaced SPS with scaling lists (720x576, level 4)', () => {
    expect(parseVideoConfig(interlaced.video)).toEqual<VideoCodecInfo>({ codec: 'avc', profile: 100, profileName: 'High', level: 40, levelName: '4', width: 720, height: 576 });
  });

  it('reads the same record from an Enhanced RTMP avc1 SequenceStart', () => {
    const enhanced = Buffer.concat([hex('90'), Buffer.from('avc1'), high.video.subarray(5)]);
    expect(parseVideoConfig(enhanced)).toMatchObject({ codec: 'avc', width: 320, height: 240 });
  });

  it.each<[string, () => Buffer, AudioCodecInfo]>([
    ['44.1 kHz stereo', () => high.audio, { codec: 'aac', objectType: 2, objectName: 'LC', sampleRate: 44100, channels: 2 }],
    ['48 kHz mono', () => baseline.audio, { codec: 'aac', objectType: 2, objectName: 'LC', sampleRate: 48000, channels: 1 }],
    ['22.05 kHz stereo', () => interlaced.audio, { codec: 'aac', objectType: 2, objectName: 'LC', sampleRate: 22050, channels: 2 }],
  ])('reads AAC LC %s', (_name, payload, expected) => {
    expect(parseAudioConfig(payload())).toEqual(expected);
  });

  it('reads an Enhanced RTMP mp4a SequenceStart', () => {
    const enhanced = Buffer.concat([hex('90'), Buffer.from('mp4a'), high.audio.subarray(2)]);
    expect(parseAudioConfig(enhanced)).toMatchObject({ sampleRate: 44100, channels: 2 });
  });

  it('only throws ProtocolError on mutated or truncated real headers', () => {
    const seeds = [high.video, baseline.video, interlaced.video, high.audio];
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (seed, edits, cut) => {
          const payload = Buffer.from(seed);
          for (const [at, value] of edits) payload[at % payload.length] = value;
          const sample = payload.subarray(0, payload.length - (cut % payload.length));
          for (const parse of [parseVideoConfig, parseAudioConfig]) {
            try {
              parse(sample);
            } catch (error) {
              expect(error).toBeInstanceOf(ProtocolError);
              expect((error as ProtocolError).code).toBe('ERR_MEDIA_CODEC_CONFIG');
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('HEVC from a libx265 stream (hand-built FLV wrappers)', () => {
  let vps: Buffer;
  let sps: Buffer;
  let pps: Buffer;

  beforeAll(() => {
    const nals = splitAnnexB(runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=318x238:rate=25', '-t', '0.04', '-c:v', 'libx265', '-pix_fmt', 'yuv420p', '-x265-params', 'log-level=error', '-f', 'hevc'], 'out.hevc'));
    const byType = (type: number): Buffer => {
      const nal = nals.find((unit) => ((unit[0]! >> 1) & 0x3f) === type);
      if (nal === undefined) throw new Error(`no NAL type ${type}`);
      return nal;
    };
    [vps, sps, pps] = [byType(32), byType(33), byType(34)];
  });

  it('reads the conformance-window size of the SPS', () => {
    expect(parseHevcSpsSize(sps)).toEqual({ width: 318, height: 238 });
  });

  it('reads a legacy codec-id 12 sequence header', () => {
    const payload = Buffer.concat([hex('1c 00 000000'), hevcRecord(vps, sps, pps)]);
    expect(parseVideoConfig(payload)).toEqual<VideoCodecInfo>({
      codec: 'hevc',
      profile: 1,
      profileName: 'Main',
      // x265 picks the level; 318x238 at 25 fps is level 2 (general_level_idc 60).
      level: 60,
      levelName: '2',
      width: 318,
      height: 238,
    });
  });

  it('reads an Enhanced RTMP hvc1 SequenceStart', () => {
    const payload = Buffer.concat([hex('90'), Buffer.from('hvc1'), hevcRecord(vps, sps, pps)]);
    expect(parseVideoConfig(payload)).toMatchObject({ codec: 'hevc', profile: 1, width: 318, height: 238 });
  });

  it('rejects a record whose arrays hold no SPS', () => {
    const record = hevcRecord(vps, sps, pps);
    record[22] = 1;
    expect(() => parseVideoConfig(Buffer.concat([hex('1c 00 000000'), record]))).toThrow(ProtocolError);
  });
});

describe('hand-made vectors', () => {
  it.each<[string, Buffer, Partial<AudioCodecInfo>]>([
    ['AAC Main 96 kHz 7.1', bits([1, 5], [0, 4], [7, 4]), { objectType: 1, objectName: 'Main', sampleRate: 96000, channels: 8 }],
    ['HE-AAC explicit SBR 24 -> 48 kHz', bits([5, 5], [6, 4], [2, 4], [3, 4], [2, 5]), { objectType: 5, objectName: 'HE', sampleRate: 48000, channels: 2 }],
    ['HE-AACv2 (29)', bits([29, 5], [8, 4], [1, 4], [5, 4], [2, 5]), { objectType: 29, objectName: 'HEv2', sampleRate: 32000, channels: 1 }],
    ['escaped object type 42 (USAC)', bits([31, 5], [10, 6], [4, 4], [2, 4]), { objectType: 42, objectName: 'Other', sampleRate: 44100, channels: 2 }],
    ['explicit 24-bit sample rate', bits([2, 5], [15, 4], [12345, 24], [2, 4]), { objectType: 2, sampleRate: 12345, channels: 2 }],
  ])('AudioSpecificConfig: %s', (_name, config, expected) => {
    expect(parseAudioSpecificConfig(config)).toMatchObject(expected);
  });

  it.each<[string, Buffer]>([
    ['reserved sampling frequency index 13', bits([2, 5], [13, 4], [2, 4])],
    ['object type 0', bits([0, 5], [4, 4], [2, 4])],
    ['truncated', hex('12')],
    ['empty', hex('')],
  ])('AudioSpecificConfig rejects %s', (_name, config) => {
    expect(() => parseAudioSpecificConfig(config)).toThrow(ProtocolError);
  });

  it.each<[string, string]>([
    ['not a sequence header', '17 01 000000 01640028'],
    ['another codec', '12 00 000000 00'],
    ['E-RTMP av01', '90 61763031 81'],
    ['E-RTMP coded frames', '91 68766331 00'],
    ['too short', '17 00'],
  ])('parseVideoConfig returns undefined for %s', (_name, bytes) => {
    expect(parseVideoConfig(hex(bytes))).toBeUndefined();
  });

  it.each<[string, string]>([
    ['configurationVersion 0', '17 00 000000 00 640028 ff e1 0000'],
    ['no SPS', '17 00 000000 01 640028 ff e0'],
    ['SPS length past the end', '17 00 000000 01 640028 ff e1 0020 67'],
    ['SPS that is a PPS', '17 00 000000 01 640028 ff e1 0004 68ee3cb0'],
    ['HEVC record cut short', '1c 00 000000 01 0160'],
  ])('parseVideoConfig rejects %s', (_name, bytes) => {
    expect(() => parseVideoConfig(hex(bytes))).toThrow(ProtocolError);
  });

  it('bounds exp-Golomb codes: 32 leading zeros are rejected', () => {
    const sps = Buffer.concat([hex('67 42 c0 1e'), Buffer.alloc(8)]);
    expect(() => parseAvcSps(sps)).toThrow(/exp-golomb/);
  });

  it('parseAudioConfig ignores non-AAC and raw AAC payloads', () => {
    expect(parseAudioConfig(hex('af 01 2110'))).toBeUndefined();
    expect(parseAudioConfig(hex('2f ffe3'))).toBeUndefined();
    expect(parseAudioConfig(hex('af'))).toBeUndefined();
  });

  it('never throws anything but ProtocolError on random bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom('17 00 000000', '1c 00 000000', '90 61766331', '90 68766331', 'af 00', '90 6d703461', ''), fc.uint8Array({ maxLength: 64 }), (prefix, tail) => {
        const payload = Buffer.concat([hex(prefix), Buffer.from(tail)]);
        for (const parse of [parseVideoConfig, parseAudioConfig]) {
          try {
            parse(payload);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
