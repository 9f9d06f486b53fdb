import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import { adtsHeader, parseAdtsConfig, type AdtsConfig } from '../../../src/media/adts.js';
import { runFfmpeg, walkFlv } from './ffmpeg-fixtures.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** Packs [value, bitCount] pairs MSB first. */
function bits(...fields: [number, number][]): Buffer {
  const text = fields.map(([value, count]) => value.toString(2).padStart(count, '0')).join('');
  const padded = text.padEnd(Math.ceil(text.length / 8) * 8, '0');
  return Buffer.from(padded.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
}

describe('AudioSpecificConfig -> ADTS fields', () => {
  it.each<[string, Buffer, AdtsConfig]>([
    ['AAC LC 44.1 kHz stereo (12 10)', hex('12 10'), { objectType: 2, samplingIndex: 4, channelConfig: 2 }],
    ['AAC LC 48 kHz mono (11 88)', hex('11 88'), { objectType: 2, samplingIndex: 3, channelConfig: 1 }],
    ['AAC Main 96 kHz 7.1', bits([1, 5], [0, 4], [7, 4]), { objectType: 1, samplingIndex: 0, channelConfig: 7 }],
    ['explicit HE-AAC 24 kHz core, 48 kHz SBR: the core LC type and rate', bits([5, 5], [6, 4], [2, 4], [3, 4], [2, 5]), { objectType: 2, samplingIndex: 6, channelConfig: 2 }],
    ['explicit HE-AACv2 (29)', bits([29, 5], [8, 4], [1, 4], [5, 4], [2, 5]), { objectType: 2, samplingIndex: 8, channelConfig: 1 }],
  ])('%s', (_name, config, expected) => {
    expect(parseAdtsConfig(config)).toEqual(expected);
  });

  it.each<[string, Buffer]>([
    ['empty', hex('')],
    ['truncated', hex('12')],
    ['object type 0', bits([0, 5], [4, 4], [2, 4])],
    ['object type 42 (USAC, escaped): no ADTS profile', bits([31, 5], [10, 6], [4, 4], [2, 4])],
    ['reserved sampling frequency index 13', bits([2, 5], [13, 4], [2, 4])],
    ['explicit 24-bit sample rate', bits([2, 5], [15, 4], [12345, 24], [2, 4])],
  ])('rejects %s with ERR_TS_AAC_CONFIG', (_name, config) => {
    expect(() => parseAdtsConfig(config)).toThrow(expect.objectContaining({ code: 'ERR_TS_AAC_CONFIG' }));
    expect(() => parseAdtsConfig(config)).toThrow(ProtocolError);
  });

  it('throws only ProtocolError on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), (bytes) => {
        try {
          parseAdtsConfig(Buffer.from(bytes));
        } catch (error) {
          expect((error as ProtocolError).code).toBe('ERR_TS_AAC_CONFIG');
        }
      }),
    );
  });
});

describe('ADTS header (14496-3 Annex 1.A)', () => {
  const lc = { objectType: 2, samplingIndex: 4, channelConfig: 2 };

  it('golden: LC 44.1 kHz stereo, 4 raw bytes -> frame_length 11', () => {
    // syncword fff, ID 0, layer 00, protection_absent 1 | profile 01, sf 0100, private 0, channel 010,
    // original/home/copyright bits 0, frame_length 0000000001011, fullness 11111111111, 00 raw blocks.
    expect(adtsHeader(lc, 4).toString('hex')).toBe('fff15080017ffc');
  });

  it('golden: the largest frame_length 8191', () => {
    expect(adtsHeader(lc, 8191 - 7).toString('hex')).toBe('fff15083fffffc');
  });

  it('rejects an empty frame and one past 8191 bytes with ERR_TS_AUDIO_FRAME', () => {
    expect(() => adtsHeader(lc, 0)).toThrow(expect.objectContaining({ code: 'ERR_TS_AUDIO_FRAME' }));
    expect(() => adtsHeader(lc, 8191 - 6)).toThrow(expect.objectContaining({ code: 'ERR_TS_AUDIO_FRAME' }));
  });

  describe('equals what FFmpeg writes for the same AAC stream', () => {
    let flv: Buffer;
    let reference: Buffer;

    beforeAll(() => {
      flv = runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', '1', '-ac', '2', '-c:a', 'aac', '-f', 'flv'], 'audio.flv');
      const dir = mkdtempSync(join(tmpdir(), 'srs-ts-adts-'));
      try {
        writeFileSync(join(dir, 'in.flv'), flv);
        reference = runFfmpeg(['-i', join(dir, 'in.flv'), '-c:a', 'copy', '-f', 'adts'], 'out.aac');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('byte for byte, every frame', () => {
      const tags = walkFlv(flv).filter((tag) => tag.type === 8);
      const config = parseAdtsConfig(tags.find((tag) => tag.body[1] === 0)!.body.subarray(2));
      const frames = tags.filter((tag) => tag.body[1] === 1).map((tag) => tag.body.subarray(2));
      expect(frames.length).toBeGreaterThan(40);
      const ours = Buffer.concat(frames.flatMap((raw) => [adtsHeader(config, raw.length), raw]));
      expect(ours.length).toBe(reference.length);
      expect(ours.equals(reference)).toBe(true);
    });
  });
});
