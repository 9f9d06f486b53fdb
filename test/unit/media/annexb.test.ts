import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import { accessUnit, nalType, parseAvcConfig, parseHevcConfig, splitNalus } from '../../../src/media/annexb.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const SPS = hex('67 42 00 0a f8 41 a2');
const PPS = hex('68 ce 38 80');
const IDR = hex('65 88 84 00 33');
const SEI = hex('06 05 01 aa 80');
// configurationVersion 1, profile 0x42, compat 0, level 0x0a, lengthSizeMinusOne 3, 1 SPS, 1 PPS (14496-15 5.3.3.1.2).
const AVC_RECORD = hex('01 42 00 0a ff e1 0007 6742000af841a2 01 0004 68ce3880');

const VPS = hex('40 01 0c 01');
const HSPS = hex('42 01 01 01');
const HPPS = hex('44 01 c1 72');
const PREFIX_SEI = hex('4e 01 05 ff');

/** HEVCDecoderConfigurationRecord with the given arrays, lengthSizeMinusOne 3 (14496-15 8.3.3.1.2). */
function hevcRecord(arrays: [number, Buffer[]][]): Buffer {
  const header = Buffer.alloc(23);
  header[0] = 1;
  header[21] = 0x0f;
  header[22] = arrays.length;
  const parts = arrays.flatMap(([type, nals]) => [
    Buffer.from([0x80 | type, 0, nals.length]),
    ...nals.flatMap((nal) => [Buffer.from([nal.length >> 8, nal.length & 0xff]), nal]),
  ]);
  return Buffer.concat([header, ...parts]);
}

const lengthPrefixed = (nals: Buffer[], size = 4): Buffer =>
  Buffer.concat(
    nals.flatMap((nal) => {
      const prefix = Buffer.alloc(size);
      prefix.writeUIntBE(nal.length, 0, size);
      return [prefix, nal];
    }),
  );

const code = (what: string) => expect.objectContaining({ code: what });

describe('decoder configuration records', () => {
  it('AVC: SPS then PPS, NALU length size from lengthSizeMinusOne', () => {
    expect(parseAvcConfig(AVC_RECORD)).toEqual({ codec: 'avc', lengthSize: 4, parameterSets: [SPS, PPS] });
    const twoByte = Buffer.from(AVC_RECORD);
    twoByte[4] = 0xfd;
    expect(parseAvcConfig(twoByte).lengthSize).toBe(2);
  });

  it('HEVC: VPS, SPS, PPS in decoding order whatever the array order; SEI arrays left out', () => {
    const record = hevcRecord([
      [34, [HPPS]],
      [39, [PREFIX_SEI]],
      [32, [VPS]],
      [33, [HSPS]],
    ]);
    expect(parseHevcConfig(record)).toEqual({ codec: 'hevc', lengthSize: 4, parameterSets: [VPS, HSPS, HPPS] });
  });

  it('throws ERR_TS_VIDEO_CONFIG on every truncation and on a wrong version', () => {
    const hevc = hevcRecord([
      [32, [VPS]],
      [33, [HSPS]],
      [34, [HPPS]],
    ]);
    for (const [parse, record] of [
      [parseAvcConfig, AVC_RECORD],
      [parseHevcConfig, hevc],
    ] as const) {
      for (let length = 0; length < record.length; length++) {
        expect(() => parse(record.subarray(0, length))).toThrow(code('ERR_TS_VIDEO_CONFIG'));
      }
      const wrong = Buffer.from(record);
      wrong[0] = 0;
      expect(() => parse(wrong)).toThrow(code('ERR_TS_VIDEO_CONFIG'));
    }
  });

  it('throws only ProtocolError on mutated records', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), (edits) => {
        for (const [parse, seed] of [
          [parseAvcConfig, AVC_RECORD],
          [parseHevcConfig, hevcRecord([[33, [HSPS]]])],
        ] as const) {
          const record = Buffer.from(seed);
          for (const [at, value] of edits) record[at % record.length] = value;
          try {
            parse(record);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
          }
        }
      }),
    );
  });
});

describe('length-prefixed NAL units', () => {
  it('splits 4- and 2-byte prefixed units and drops zero-length ones', () => {
    expect(splitNalus(lengthPrefixed([SEI, IDR]), 4)).toEqual([SEI, IDR]);
    expect(splitNalus(lengthPrefixed([SEI, Buffer.alloc(0), IDR], 2), 2)).toEqual([SEI, IDR]);
  });

  it.each<[string, Buffer]>([
    ['a NALU longer than the frame', hex('00 00 00 09 65 88 84')],
    ['a truncated length field', Buffer.concat([lengthPrefixed([IDR]), hex('00 00')])],
    ['an empty frame', hex('')],
    ['only zero-length units', hex('00 00 00 00')],
  ])('throws ERR_TS_VIDEO_FRAME for %s', (_name, data) => {
    expect(() => splitNalus(data, 4)).toThrow(code('ERR_TS_VIDEO_FRAME'));
  });
});

describe('access units in Annex B', () => {
  const annexB = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('hex');
  /** The chunks alternate start code, NAL unit. */
  const nalsOf = (chunks: Buffer[]): Buffer[] => {
    chunks.forEach((chunk, index) => index % 2 === 0 && expect(chunk.toString('hex')).toBe('00000001'));
    return chunks.filter((_chunk, index) => index % 2 === 1);
  };

  it('AVC key frame: AUD, SPS, PPS, then the frame', () => {
    expect(annexB(accessUnit('avc', [SEI, IDR], [SPS, PPS], true))).toBe(
      ['0000000109f0', '00000001' + SPS.toString('hex'), '00000001' + PPS.toString('hex'), '00000001' + SEI.toString('hex'), '00000001' + IDR.toString('hex')].join(''),
    );
  });

  it('does not repeat parameter sets the key frame carries, and drops its own AUD', () => {
    const inBand = accessUnit('avc', [hex('09 10'), SPS, PPS, IDR], [SPS, PPS], true);
    expect(annexB(inBand)).toBe(['0000000109f0', SPS, PPS, IDR].map((part) => (typeof part === 'string' ? part : '00000001' + part.toString('hex'))).join(''));
    const ppsOnly = accessUnit('avc', [PPS, IDR], [SPS, PPS], true);
    expect(nalsOf(ppsOnly).map((nal) => nalType('avc', nal))).toEqual([9, 7, 8, 5]);
  });

  it('inter frames get only the AUD', () => {
    const slice = hex('41 9a 02');
    expect(annexB(accessUnit('avc', [slice], [SPS, PPS], false))).toBe('0000000109f0' + '00000001419a02');
  });

  it('HEVC key frame: AUD type 35 (46 01 50), VPS, SPS, PPS, frame', () => {
    const idr = hex('26 01 af 00');
    const units = nalsOf(accessUnit('hevc', [PREFIX_SEI, idr], [VPS, HSPS, HPPS], true));
    expect(units.map((nal) => nal.toString('hex'))).toEqual(['460150', VPS.toString('hex'), HSPS.toString('hex'), HPPS.toString('hex'), PREFIX_SEI.toString('hex'), idr.toString('hex')]);
    expect(units.map((nal) => nalType('hevc', nal))).toEqual([35, 32, 33, 34, 39, 19]);
  });
});
