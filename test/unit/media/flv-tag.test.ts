import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectAudio, inspectVideo, isMetadataPayload, toMediaPacket, type AudioInfo, type VideoInfo } from '../../../src/media/flv-tag.js';
import { makeFlv, type FlvTag } from './ffmpeg-fixtures.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const ascii = (text: string): string => Buffer.from(text, 'latin1').toString('hex');

describe('golden payloads from ffmpeg (libx264 + aac, -f flv)', () => {
  let video: FlvTag[] = [];
  let audio: FlvTag[] = [];
  let script: FlvTag[] = [];

  beforeAll(() => {
    // 2 s at 25 fps with a fixed GOP of 10 and no scene cuts: key frames at 0, 10, 20, ... exactly.
    const tags = makeFlv({
      size: '320x240',
      seconds: 2,
      video: ['-g', '10', '-keyint_min', '10', '-sc_threshold', '0', '-bf', '2'],
      audio: ['-ar', '44100', '-ac', '2'],
    });
    video = tags.filter((tag) => tag.type === 9);
    audio = tags.filter((tag) => tag.type === 8);
    script = tags.filter((tag) => tag.type === 18);
  });

  it('reads the AVC sequence header (0x17 0x00) as a sequence header, not a key frame', () => {
    const first = video[0]!;
    expect(first.body.subarray(0, 2)).toEqual(hex('17 00'));
    expect(inspectVideo(first.body)).toEqual<VideoInfo>({ codec: 'avc', isKeyframe: false, isSequenceHeader: true });
  });

  it('finds exactly one key frame per GOP and classifies every other frame as inter', () => {
    const frames = video.filter((tag) => tag.body[1] === 1);
    expect(frames).toHaveLength(50);
    const infos = frames.map((tag) => inspectVideo(tag.body));
    expect(infos.every((info) => info.codec === 'avc' && !info.isSequenceHeader)).toBe(true);
    const keyIndexes = infos.flatMap((info, index) => (info.isKeyframe ? [index] : []));
    expect(keyIndexes).toEqual([0, 10, 20, 30, 40]);
    // The frame type nibble agrees: 1 for the key frames, 2 for the others.
    expect(frames.map((tag) => tag.body[0])).toEqual(infos.map((info) => (info.isKeyframe ? 0x17 : 0x27)));
  });

  it('does not take the AVC end of sequence (0x17 0x02) for a key frame', () => {
    const last = video[video.length - 1]!;
    expect(last.body.subarray(0, 2)).toEqual(hex('17 02'));
    expect(inspectVideo(last.body)).toEqual<VideoInfo>({ codec: 'avc', isKeyframe: false, isSequenceHeader: false });
  });

  it('reads the AAC sequence header (0xaf 0x00) and raw frames (0xaf 0x01)', () => {
    expect(audio[0]!.body.subarray(0, 2)).toEqual(hex('af 00'));
    expect(inspectAudio(audio[0]!.body)).toEqual<AudioInfo>({ codec: 'aac', isSequenceHeader: true });
    const raw = audio.slice(1);
    expect(raw.length).toBeGreaterThan(80);
    expect(raw.every((tag) => tag.body[1] === 1)).toBe(true);
    expect(raw.map((tag) => inspectAudio(tag.body))).toEqual(raw.map(() => ({ codec: 'aac', isSequenceHeader: false })));
  });

  it('recognises the onMetaData script tag and its @setDataFrame form on RTMP', () => {
    expect(script).toHaveLength(1);
    expect(isMetadataPayload(script[0]!.body)).toBe(true);
    const setDataFrame = Buffer.concat([hex('02 000d'), Buffer.from('@setDataFrame'), script[0]!.body]);
    expect(isMetadataPayload(setDataFrame)).toBe(true);
  });

  it('builds MediaPackets with the same flags', () => {
    const seq = toMediaPacket('video', 0, video[0]!.body);
    expect(seq).toMatchObject({ kind: 'video', timestamp: 0, isKeyframe: false, isSequenceHeader: true, isMetadata: false });
    expect(seq.payload).toBe(video[0]!.body);
    expect(toMediaPacket('video', 40, video[1]!.body)).toMatchObject({ isKeyframe: true, isSequenceHeader: false });
    expect(toMediaPacket('audio', 0, audio[0]!.body)).toMatchObject({ kind: 'audio', isKeyframe: false, isSequenceHeader: true, isMetadata: false });
    expect(toMediaPacket('audio', 23, audio[1]!.body)).toMatchObject({ isKeyframe: false, isSequenceHeader: false });
    expect(toMediaPacket('data', 0, script[0]!.body)).toMatchObject({ kind: 'data', isKeyframe: false, isSequenceHeader: false, isMetadata: true });
  });
});

describe('inspectVideo: hand-made vectors', () => {
  it.each<[string, string, VideoInfo]>([
    ['HEVC (codec id 12) sequence header', '1c 00 000000 01', { codec: 'hevc', isKeyframe: false, isSequenceHeader: true }],
    ['HEVC key frame', '1c 01 000000 00000010', { codec: 'hevc', isKeyframe: true, isSequenceHeader: false }],
    ['HEVC inter frame', '2c 01 000021 00000010', { codec: 'hevc', isKeyframe: false, isSequenceHeader: false }],
    ['HEVC end of sequence', '1c 02 000000', { codec: 'hevc', isKeyframe: false, isSequenceHeader: false }],
    ['AV1 (codec id 13) key frame', '1d 01 000000', { codec: 'av1', isKeyframe: true, isSequenceHeader: false }],
    ['AVC sequence header sent as inter frame', '27 00 000000', { codec: 'avc', isKeyframe: false, isSequenceHeader: true }],
    ['AVC video info/command frame', '57 01', { codec: 'avc', isKeyframe: false, isSequenceHeader: false }],
    ['Sorenson H.263 key frame', '12 00', { codec: 'other', isKeyframe: true, isSequenceHeader: false }],
    ['VP6 inter frame', '24 00 00', { codec: 'other', isKeyframe: false, isSequenceHeader: false }],
    ['E-RTMP hvc1 SequenceStart', `90 ${ascii('hvc1')} 01`, { codec: 'hevc', isKeyframe: false, isSequenceHeader: true }],
    ['E-RTMP hvc1 CodedFrames key', `91 ${ascii('hvc1')} 000000 00000010`, { codec: 'hevc', isKeyframe: true, isSequenceHeader: false }],
    ['E-RTMP hvc1 CodedFramesX key', `93 ${ascii('hvc1')} 00000010`, { codec: 'hevc', isKeyframe: true, isSequenceHeader: false }],
    ['E-RTMP hvc1 CodedFramesX inter', `a3 ${ascii('hvc1')} 00000010`, { codec: 'hevc', isKeyframe: false, isSequenceHeader: false }],
    ['E-RTMP hvc1 SequenceEnd', `92 ${ascii('hvc1')}`, { codec: 'hevc', isKeyframe: false, isSequenceHeader: false }],
    ['E-RTMP av01 SequenceStart', `90 ${ascii('av01')} 81`, { codec: 'av1', isKeyframe: false, isSequenceHeader: true }],
    ['E-RTMP av01 MPEG2TSSequenceStart', `95 ${ascii('av01')} 80`, { codec: 'av1', isKeyframe: false, isSequenceHeader: true }],
    ['E-RTMP av01 CodedFrames key', `91 ${ascii('av01')} 12`, { codec: 'av1', isKeyframe: true, isSequenceHeader: false }],
    ['E-RTMP vp09 CodedFrames inter', `a1 ${ascii('vp09')} 00`, { codec: 'vp9', isKeyframe: false, isSequenceHeader: false }],
    ['E-RTMP avc1 SequenceStart', `90 ${ascii('avc1')} 01`, { codec: 'avc', isKeyframe: false, isSequenceHeader: true }],
    ['E-RTMP Metadata packet', `94 ${ascii('hvc1')} 02`, { codec: 'hevc', isKeyframe: false, isSequenceHeader: false }],
    ['E-RTMP command frame', `d1 ${ascii('hvc1')}`, { codec: 'hevc', isKeyframe: false, isSequenceHeader: false }],
    ['E-RTMP unknown FourCC', `91 ${ascii('xxxx')}`, { codec: 'other', isKeyframe: true, isSequenceHeader: false }],
    ['E-RTMP v2 Multitrack (not decoded)', `96 00 ${ascii('hvc1')}`, { codec: 'other', isKeyframe: false, isSequenceHeader: false }],
    ['E-RTMP v2 ModEx (not decoded)', `97 00 ${ascii('hvc1')}`, { codec: 'other', isKeyframe: false, isSequenceHeader: false }],
    ['E-RTMP header cut before the FourCC ends', '91 6876 63', { codec: 'other', isKeyframe: false, isSequenceHeader: false }],
    ['empty', '', { codec: 'other', isKeyframe: false, isSequenceHeader: false }],
    ['1 byte AVC key', '17', { codec: 'other', isKeyframe: false, isSequenceHeader: false }],
    ['1 byte E-RTMP', '90', { codec: 'other', isKeyframe: false, isSequenceHeader: false }],
  ])('%s', (_name, bytes, expected) => {
    expect(inspectVideo(hex(bytes))).toEqual(expected);
  });
});

describe('inspectAudio: hand-made vectors', () => {
  it.each<[string, string, AudioInfo]>([
    ['MP3', '2f ffe3', { codec: 'mp3', isSequenceHeader: false }],
    ['MP3 8 kHz', 'e2 ffe3', { codec: 'mp3', isSequenceHeader: false }],
    ['AAC mono 16 bit, raw', 'ae 01 21', { codec: 'aac', isSequenceHeader: false }],
    ['Opus (SRS codec id 13)', 'df 01', { codec: 'opus', isSequenceHeader: false }],
    ['E-RTMP Opus SequenceStart', `90 ${ascii('Opus')} 4f707573`, { codec: 'opus', isSequenceHeader: true }],
    ['E-RTMP Opus CodedFrames', `91 ${ascii('Opus')} fc`, { codec: 'opus', isSequenceHeader: false }],
    ['E-RTMP mp4a SequenceStart', `90 ${ascii('mp4a')} 1210`, { codec: 'aac', isSequenceHeader: true }],
    ['E-RTMP .mp3 CodedFrames', `91 ${ascii('.mp3')} ffe3`, { codec: 'mp3', isSequenceHeader: false }],
    ['E-RTMP fLaC', `91 ${ascii('fLaC')}`, { codec: 'other', isSequenceHeader: false }],
    ['E-RTMP Multitrack (not decoded)', `95 00 ${ascii('Opus')}`, { codec: 'other', isSequenceHeader: false }],
    ['E-RTMP cut', '90 4f70', { codec: 'other', isSequenceHeader: false }],
    ['Speex', 'b2 00', { codec: 'other', isSequenceHeader: false }],
    ['empty', '', { codec: 'other', isSequenceHeader: false }],
    ['1 byte AAC', 'af', { codec: 'other', isSequenceHeader: false }],
  ])('%s', (_name, bytes, expected) => {
    expect(inspectAudio(hex(bytes))).toEqual(expected);
  });
});

describe('isMetadataPayload', () => {
  const amfString = (text: string): string => Buffer.concat([Buffer.from([2, 0, text.length]), Buffer.from(text)]).toString('hex');

  it.each<[string, string, boolean]>([
    ['@setDataFrame onMetaData', amfString('@setDataFrame') + amfString('onMetaData') + '08 00000000', true],
    ['onMetaData', amfString('onMetaData') + '03 000009', true],
    ['onMetaData alone, no value', amfString('onMetaData'), true],
    ['|RtmpSampleAccess', amfString('|RtmpSampleAccess') + '0101 0101', false],
    ['onTextData', amfString('onTextData'), false],
    ['onMetaDat (cut)', '02 000a ' + ascii('onMetaDat'), false],
    ['length prefix disagrees', '02 000b ' + ascii('onMetaData') + '00', false],
    ['AMF3 string marker', '06 15 ' + ascii('onMetaData'), false],
    ['empty', '', false],
    ['1 byte', '02', false],
  ])('%s → %s', (_name, bytes, expected) => {
    expect(isMetadataPayload(hex(bytes))).toBe(expected);
  });
});

describe('properties (fast-check)', () => {
  it('never throws and returns a known codec on any payload', () => {
    const videoCodecs = ['avc', 'hevc', 'av1', 'vp9', 'other'];
    const audioCodecs = ['aac', 'mp3', 'opus', 'other'];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const payload = Buffer.from(bytes);
        const video = inspectVideo(payload);
        const audio = inspectAudio(payload);
        expect(videoCodecs).toContain(video.codec);
        expect(audioCodecs).toContain(audio.codec);
        expect(video.isKeyframe && video.isSequenceHeader).toBe(false);
        if (payload.length < 2) expect([video, audio]).toEqual([{ codec: 'other', isKeyframe: false, isSequenceHeader: false }, { codec: 'other', isSequenceHeader: false }]);
        expect(typeof isMetadataPayload(payload)).toBe('boolean');
        for (const kind of ['audio', 'video', 'data'] as const) expect(toMediaPacket(kind, 0, payload).payload).toBe(payload);
      }),
      { numRuns: 3000 },
    );
  });
});
