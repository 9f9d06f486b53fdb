import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import { toMediaPacket } from '../../../src/media/flv-tag.js';
import type { MediaKind, MediaPacket } from '../../../src/media/packet.js';
import { TsMuxer } from '../../../src/media/ts-muxer.js';
import { FFMPEG, makeFlv, runFfmpeg, splitAnnexB, walkFlv, type FlvTag } from './ffmpeg-fixtures.js';
import { demux, type Demuxed } from './ts-demux.js';

const require = createRequire(import.meta.url);
const FFPROBE: string = (require('@ffprobe-installer/ffprobe') as { path: string }).path;

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const packet = (kind: MediaKind, timestamp: number, payload: Buffer): MediaPacket => toMediaPacket(kind, timestamp, payload);

const SPS = hex('67 42 00 0a f8 41 a2');
const PPS = hex('68 ce 38 80');
const IDR = hex('65 88 84 00 33');
const SLICE = hex('41 9a 02 04');
const AVC_RECORD = hex('01 42 00 0a ff e1 0007 6742000af841a2 01 0004 68ce3880');
const AVC_HEADER = Buffer.concat([hex('17 00 000000'), AVC_RECORD]);
const AAC_HEADER = hex('af 00 12 10');
const AAC_RAW = hex('de 04 00 4c');

function si24(value: number): Buffer {
  const bytes = Buffer.alloc(3);
  bytes.writeIntBE(value, 0, 3);
  return bytes;
}

function lengthPrefixed(nals: Buffer[]): Buffer {
  return Buffer.concat(nals.flatMap((nal) => [Buffer.from([0, 0, nal.length >> 8, nal.length & 0xff]), nal]));
}

/** A legacy FLV AVC NALU tag body: [frame type|7] [1] [CompositionTime] [NALUs]. */
function avcFrame(key: boolean, compositionTime: number, nals: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 1]), si24(compositionTime), lengthPrefixed(nals)]);
}

const aacFrame = (raw: Buffer): Buffer => Buffer.concat([hex('af 01'), raw]);

const pidsOf = (out: Demuxed): number[] => out.packets.map((one) => one.pid);

describe('golden vectors', () => {
  const PAT = '474000100000b00d0001c100000001f0012e701905' + 'ff'.repeat(167);
  const PMT_AVC = '475001100002b0120001c10000e100f0001be100f000' + '15bd4d56' + 'ff'.repeat(162);

  it('a small AVC key frame: PAT, PMT (H.264 only, PCR on 0x100), one PES packet', () => {
    const muxer = new TsMuxer();
    expect(muxer.encode(packet('video', 0, AVC_HEADER)).length).toBe(0);
    const ts = muxer.encode(packet('video', 40, avcFrame(true, 0, [IDR])));
    const annexB = '0000000109f0' + '000000016742000af841a2' + '0000000168ce3880' + '000000016588840033';
    const pes =
      // start code, stream_id e0, PES_packet_length 42, '10' flags 80, PTS only, header length 5, PTS 3600.
      '000001e0002a' + '808005' + '2100011c21' + annexB;
    const packetHex =
      // PUSI on PID 0x100, adaptation + payload, CC 0; adaptation_field_length 135, random_access + PCR_flag,
      // PCR base 3600 (extension 0), 128 stuffing bytes, then the 48-byte PES.
      '47410030' + '87' + '50' + '000007087e00' + 'ff'.repeat(128) + pes;
    expect(ts.toString('hex')).toBe(PAT + PMT_AVC + packetHex);
  });

  it('reads back: timestamps, PCR, random access, the Annex B access unit', () => {
    const muxer = new TsMuxer();
    muxer.encode(packet('video', 0, AVC_HEADER));
    const out = demux(muxer.encode(packet('video', 40, avcFrame(true, 0, [IDR]))));
    expect(out.pats).toEqual([0x1001]);
    expect(out.pmts).toEqual([{ version: 0, pcrPid: 0x100, streams: [{ streamType: 0x1b, pid: 0x100 }] }]);
    expect(out.pes).toHaveLength(1);
    expect(out.pes[0]).toMatchObject({ pid: 0x100, streamId: 0xe0, pts: 3600, dts: 3600, hasDts: false, pcr: 3600, randomAccess: true, lengthField: 42 });
    expect(splitAnnexB(out.pes[0]!.data).map((nal) => nal.toString('hex'))).toEqual(['09f0', SPS.toString('hex'), PPS.toString('hex'), IDR.toString('hex')]);
  });

  it('an ADTS-wrapped AAC frame: PES with the real length, no PCR when there is video', () => {
    const muxer = new TsMuxer();
    muxer.encode(packet('video', 0, AVC_HEADER));
    muxer.encode(packet('audio', 0, AAC_HEADER));
    muxer.encode(packet('video', 0, avcFrame(true, 0, [IDR])));
    const ts = muxer.encode(packet('audio', 23, aacFrame(AAC_RAW)));
    // 23 ms = 2070 ticks; ADTS fff15080017ffc + 4 raw bytes; the 159-byte adaptation field is its length 158, flags 00, 157 stuffing bytes.
    const pes = '000001c00013' + '808005' + '210001102d' + 'fff15080017ffc' + AAC_RAW.toString('hex');
    expect(ts.toString('hex')).toBe('47410130' + '9e' + '00' + 'ff'.repeat(157) + pes);
    const out = demux(ts);
    expect(out.pes[0]).toMatchObject({ pid: 0x101, streamId: 0xc0, pts: 2070, dts: 2070, pcr: undefined, randomAccess: false, lengthField: 19 });
    expect(out.pes[0]!.data.toString('hex')).toBe('fff15080017ffc' + AAC_RAW.toString('hex'));
  });
});

describe('codec state and tables', () => {
  it('sequence headers and metadata return nothing and set hasVideo/hasAudio', () => {
    const muxer = new TsMuxer();
    expect([muxer.hasVideo, muxer.hasAudio]).toEqual([false, false]);
    expect(muxer.encode(packet('data', 0, hex('02000a6f6e4d65746144617461'))).length).toBe(0);
    expect(muxer.encode(packet('video', 0, AVC_HEADER)).length).toBe(0);
    expect([muxer.hasVideo, muxer.hasAudio]).toEqual([true, false]);
    expect(muxer.encode(packet('audio', 0, AAC_HEADER)).length).toBe(0);
    expect([muxer.hasVideo, muxer.hasAudio]).toEqual([true, true]);
  });

  it('PAT+PMT before every key frame, not before inter frames', () => {
    const muxer = new TsMuxer();
    muxer.encode(packet('video', 0, AVC_HEADER));
    const out = demux(Buffer.concat([0, 40, 80, 120].map((at, index) => muxer.encode(packet('video', at, avcFrame(index % 2 === 0, 0, [index % 2 === 0 ? IDR : SLICE]))))));
    expect(pidsOf(out)).toEqual([0, 0x1001, 0x100, 0x100, 0, 0x1001, 0x100, 0x100]);
    expect(out.pes.map((unit) => unit.randomAccess)).toEqual([true, false, true, false]);
  });

  it('a codec added later bumps version_number and the new PMT goes before the next PES', () => {
    const muxer = new TsMuxer();
    muxer.encode(packet('video', 0, AVC_HEADER));
    const first = muxer.encode(packet('video', 0, avcFrame(true, 0, [IDR])));
    muxer.encode(packet('audio', 10, AAC_HEADER));
    const next = muxer.encode(packet('video', 40, avcFrame(false, 0, [SLICE])));
    const out = demux(Buffer.concat([first, next]));
    expect(out.pmts).toEqual([
      { version: 0, pcrPid: 0x100, streams: [{ streamType: 0x1b, pid: 0x100 }] },
      {
        version: 1,
        pcrPid: 0x100,
        streams: [
          { streamType: 0x1b, pid: 0x100 },
          { streamType: 0x0f, pid: 0x101 },
        ],
      },
    ]);
    expect(pidsOf(out)).toEqual([0, 0x1001, 0x100, 0, 0x1001, 0x100]);
    // The same codecs again change nothing.
    muxer.encode(packet('audio', 50, AAC_HEADER));
    expect(pidsOf(demux(muxer.encode(packet('audio', 60, aacFrame(AAC_RAW)))))).toEqual([0x101]);
  });

  it('video appearing after audio-only moves the PCR to the video PID', () => {
    const muxer = new TsMuxer();
    muxer.encode(packet('audio', 0, AAC_HEADER));
    const audioOnly = demux(muxer.encode(packet('audio', 0, aacFrame(AAC_RAW))));
    expect(audioOnly.pmts).toEqual([{ version: 0, pcrPid: 0x101, streams: [{ streamType: 0x0f, pid: 0x101 }] }]);
    expect(audioOnly.pes[0]!.pcr).toBe(0);
    muxer.encode(packet('video', 20, AVC_HEADER));
    const both = demux(muxer.encode(packet('video', 20, avcFrame(true, 0, [IDR]))));
    expect(both.pmts[0]).toMatchObject({ version: 1, pcrPid: 0x100 });
    expect(both.pmts[0]!.streams.map((stream) => stream.pid)).toEqual([0x100, 0x101]);
  });

  it('audio-only: PAT+PMT before the first frame, then once per second of timestamps; PCR on every audio PES', () => {
    const muxer = new TsMuxer();
    muxer.encode(packet('audio', 0, AAC_HEADER));
    const stamps = Array.from({ length: 120 }, (_unused, index) => Math.round(index * 23.22));
    const outputs = stamps.map((at) => demux(muxer.encode(packet('audio', at, aacFrame(AAC_RAW)))));
    const withTables = stamps.filter((_at, index) => outputs[index]!.pats.length > 0);
    // The first timestamps at least 1000 ms after the previous tables: 44 * 23.22 and 88 * 23.22.
    expect(withTables).toEqual([0, 1022, 2043]);
    for (const out of outputs) expect(out.pes[0]!.pcr).toBe(out.pes[0]!.dts);
  });

  it('tables(): current codecs, counters of the last PAT/PMT written, not advanced', () => {
    const muxer = new TsMuxer();
    muxer.encode(packet('video', 0, AVC_HEADER));
    const before = demux(muxer.tables());
    expect(before.packets.map((one) => one.continuityCounter)).toEqual([15, 15]);
    expect(before.pmts[0]!.streams).toEqual([{ streamType: 0x1b, pid: 0x100 }]);
    const shared = [muxer.encode(packet('video', 0, avcFrame(true, 0, [IDR])))];
    muxer.encode(packet('audio', 0, AAC_HEADER));
    const joiner = muxer.tables();
    expect(muxer.tables().equals(joiner)).toBe(true);
    const late = demux(joiner);
    expect(late.packets.map((one) => one.continuityCounter)).toEqual([0, 0]);
    expect(late.pmts[0]).toMatchObject({ version: 1, streams: [{ pid: 0x100 }, { pid: 0x101 }] });
    // The shared output then continues with counter 1 and the same version: continuous for both viewers.
    const next = muxer.encode(packet('video', 40, avcFrame(true, 0, [IDR])));
    shared.push(next);
    expect(demux(Buffer.concat(shared)).pmts.map((pmt) => pmt.version)).toEqual([0, 1]);
    expect(demux(Buffer.concat([joiner, next])).packets.map((one) => one.continuityCounter)).toEqual([0, 0, 1, 1, 1]);
  });
});

describe('PES fields', () => {
  const muxed = (frames: { at: number; key: boolean; cts: number }[]): Demuxed => {
    const muxer = new TsMuxer();
    muxer.encode(packet('video', 0, AVC_HEADER));
    return demux(Buffer.concat(frames.map((frame) => muxer.encode(packet('video', frame.at, avcFrame(frame.key, frame.cts, [frame.key ? IDR : SLICE]))))));
  };

  it('DTS = timestamp * 90, PTS = (timestamp + composition time) * 90, DTS written only when it differs', () => {
    const out = muxed([
      { at: 0, key: true, cts: 80 },
      { at: 40, key: false, cts: -40 },
      { at: 80, key: false, cts: 0 },
    ]);
    expect(out.pes.map(({ pts, dts, hasDts }) => ({ pts, dts, hasDts }))).toEqual([
      { pts: 7200, dts: 0, hasDts: true },
      { pts: 0, dts: 3600, hasDts: true },
      { pts: 7200, dts: 7200, hasDts: false },
    ]);
    expect(out.pes.map((unit) => unit.pcr)).toEqual([0, 3600, 7200]);
  });

  it('masks PTS/DTS/PCR to 33 bits across the wrap', () => {
    const at = 2 ** 32 - 40;
    const out = muxed([{ at, key: true, cts: 1000 }]);
    const wrap = 2 ** 33;
    expect(out.pes[0]).toMatchObject({ dts: (at * 90) % wrap, pts: ((at + 1000) * 90) % wrap, pcr: (at * 90) % wrap });
    expect(muxed([{ at: 0, key: true, cts: -40 }]).pes[0]!.pts).toBe(wrap - 3600);
  });

  it('continuity counters count per PID and wrap at 16; every packet is 188 bytes from 0x47', () => {
    const muxer = new TsMuxer();
    muxer.encode(packet('video', 0, AVC_HEADER));
    muxer.encode(packet('audio', 0, AAC_HEADER));
    const big = Buffer.alloc(1500, 0x11);
    big[0] = 0x41;
    const chunks: Buffer[] = [];
    for (let index = 0; index < 40; index++) {
      chunks.push(muxer.encode(packet('video', index * 40, avcFrame(index % 20 === 0, 0, [index % 20 === 0 ? IDR : big]))));
      chunks.push(muxer.encode(packet('audio', index * 40, aacFrame(AAC_RAW))));
    }
    const ts = Buffer.concat(chunks);
    chunks.forEach((chunk) => expect(chunk.length % 188).toBe(0));
    // demux() throws on any gap; check the wrap explicitly too.
    const out = demux(ts);
    for (let offset = 0; offset < ts.length; offset += 188) expect(ts[offset]).toBe(0x47);
    const counters = (pid: number): number[] => out.packets.filter((one) => one.pid === pid).map((one) => one.continuityCounter);
    for (const pid of [0x100, 0x101]) {
      const values = counters(pid);
      expect(values.length).toBeGreaterThan(16);
      values.forEach((value, index) => expect(value).toBe(index & 0x0f));
    }
    expect(counters(0)).toEqual([0, 1]);
    // PCR at the start of every video PES and only there.
    expect(out.pes.filter((unit) => unit.pid === 0x100).every((unit) => unit.pcr === unit.dts)).toBe(true);
    expect(out.packets.filter((one) => one.pcr !== undefined)).toHaveLength(40);
    expect(out.packets.filter((one) => one.pcr !== undefined).every((one) => one.pid === 0x100 && one.unitStart)).toBe(true);
  });
});

describe('Enhanced RTMP, HEVC, MP3 and unsupported codecs', () => {
  const VPS = hex('40 01 0c 01 ff ff');
  const HSPS = hex('42 01 01 01 60 00');
  const HPPS = hex('44 01 c1 72 b4 62');
  const HIDR = hex('26 01 af 09 40');

  function hevcRecord(): Buffer {
    const header = Buffer.alloc(23);
    header[0] = 1;
    header[21] = 0x0f;
    header[22] = 3;
    const arrays = [
      [32, VPS],
      [33, HSPS],
      [34, HPPS],
    ] as const;
    return Buffer.concat([header, ...arrays.flatMap(([type, nal]) => [Buffer.from([0x80 | type, 0, 1, 0, nal.length]), nal])]);
  }

  it.each<[string, Buffer, (key: boolean, cts: number, nals: Buffer[]) => Buffer]>([
    ['Enhanced RTMP hvc1 (CodedFrames with composition time)', Buffer.concat([hex('90'), Buffer.from('hvc1'), hevcRecord()]), (key, cts, nals) =>
      Buffer.concat([Buffer.from([key ? 0x91 : 0xa1]), Buffer.from('hvc1'), si24(cts), lengthPrefixed(nals)])],
    ['Enhanced RTMP hvc1 (CodedFramesX, composition time 0)', Buffer.concat([hex('90'), Buffer.from('hvc1'), hevcRecord()]), (key, cts, nals) => {
      expect(cts).toBe(0);
      return Buffer.concat([Buffer.from([key ? 0x93 : 0xa3]), Buffer.from('hvc1'), lengthPrefixed(nals)]);
    }],
    ['legacy FLV codec id 12', Buffer.concat([hex('1c 00 000000'), hevcRecord()]), (key, cts, nals) =>
      Buffer.concat([Buffer.from([key ? 0x1c : 0x2c, 1]), si24(cts), lengthPrefixed(nals)])],
  ])('HEVC from %s: stream_type 0x24, AUD 35, VPS/SPS/PPS on key frames', (name, header, frame) => {
    const muxer = new TsMuxer();
    expect(muxer.encode(packet('video', 0, header)).length).toBe(0);
    const cts = name.includes('CodedFramesX') ? 0 : 40;
    const out = demux(Buffer.concat([muxer.encode(packet('video', 0, frame(true, cts, [HIDR]))), muxer.encode(packet('video', 40, frame(false, 0, [hex('02 01 d0 01')])))]));
    expect(out.pmts[0]!.streams).toEqual([{ streamType: 0x24, pid: 0x100 }]);
    expect(out.pes[0]).toMatchObject({ dts: 0, pts: cts * 90, randomAccess: true });
    expect(splitAnnexB(out.pes[0]!.data).map((nal) => nal.toString('hex'))).toEqual(['460150', VPS, HSPS, HPPS, HIDR].map((part) => (typeof part === 'string' ? part : part.toString('hex'))));
    expect(splitAnnexB(out.pes[1]!.data).map((nal) => nal.toString('hex'))).toEqual(['460150', '0201d001']);
    expect(out.pes[1]!.randomAccess).toBe(false);
  });

  it('Enhanced RTMP avc1 and mp4a', () => {
    const muxer = new TsMuxer();
    muxer.encode(packet('video', 0, Buffer.concat([hex('90'), Buffer.from('avc1'), AVC_RECORD])));
    muxer.encode(packet('audio', 0, Buffer.concat([hex('90'), Buffer.from('mp4a'), hex('1210')])));
    const out = demux(
      Buffer.concat([
        muxer.encode(packet('video', 0, Buffer.concat([hex('91'), Buffer.from('avc1'), si24(0), lengthPrefixed([IDR])]))),
        muxer.encode(packet('audio', 0, Buffer.concat([hex('91'), Buffer.from('mp4a'), AAC_RAW]))),
      ]),
    );
    expect(out.pmts[0]!.streams.map((stream) => stream.streamType)).toEqual([0x1b, 0x0f]);
    expect(splitAnnexB(out.pes[0]!.data)).toHaveLength(4);
    expect(out.pes[1]!.data.toString('hex')).toBe('fff15080017ffc' + AAC_RAW.toString('hex'));
  });

  it('MP3 (sound format 2) goes as stream_type 0x03 unchanged', () => {
    const muxer = new TsMuxer();
    const mp3 = hex('ff fb 90 64 00 00');
    const out = demux(muxer.encode(packet('audio', 0, Buffer.concat([hex('2f'), mp3]))));
    expect(muxer.hasAudio).toBe(true);
    expect(out.pmts[0]).toEqual({ version: 0, pcrPid: 0x101, streams: [{ streamType: 0x03, pid: 0x101 }] });
    expect(out.pes[0]!.data.equals(mp3)).toBe(true);
  });

  it.each<[string, MediaKind, string]>([
    ['VP6 video', 'video', '14 00 11 22'],
    ['Sorenson H.263', 'video', '12 00 00 84'],
    ['Enhanced RTMP av01', 'video', '91 61763031 000000 0a0b'],
    ['AVC end of sequence', 'video', '17 02 000000'],
    ['AVC command frame', 'video', '57 01'],
    ['Opus (SRS sound format 13)', 'audio', 'd0 01 02'],
    ['Speex', 'audio', 'b2 01 02'],
    ['AAC before its AudioSpecificConfig', 'audio', 'af 01 de 04 00 4c'],
    ['Enhanced RTMP Opus', 'audio', '91 4f707573 0102'],
  ])('%s returns nothing and declares no stream', (_name, kind, bytes) => {
    const muxer = new TsMuxer();
    expect(muxer.encode(packet(kind, 0, hex(bytes))).length).toBe(0);
    expect([muxer.hasVideo, muxer.hasAudio]).toEqual([false, false]);
  });
});

describe('malformed input throws ProtocolError ERR_TS_*', () => {
  const code = (what: string) => expect.objectContaining({ code: what });
  const ready = (): TsMuxer => {
    const muxer = new TsMuxer();
    muxer.encode(packet('video', 0, AVC_HEADER));
    muxer.encode(packet('audio', 0, AAC_HEADER));
    return muxer;
  };

  it.each<[string, MediaKind, Buffer, string]>([
    ['a truncated AVCC NALU', 'video', Buffer.concat([hex('17 01 000000 00000009'), IDR]), 'ERR_TS_VIDEO_FRAME'],
    ['a truncated NALU length', 'video', hex('27 01 000000 0000'), 'ERR_TS_VIDEO_FRAME'],
    ['an AVC frame with no NAL units', 'video', hex('27 01 000000'), 'ERR_TS_VIDEO_FRAME'],
    ['an empty video payload', 'video', hex(''), 'ERR_TS_VIDEO_FRAME'],
    ['a truncated AVC tag header', 'video', hex('17 01 00'), 'ERR_TS_VIDEO_FRAME'],
    ['a truncated AVC record', 'video', hex('17 00 000000 01 42 00 0a ff e1 0007 67'), 'ERR_TS_VIDEO_CONFIG'],
    ['an empty audio payload', 'audio', hex(''), 'ERR_TS_AUDIO_FRAME'],
    ['an AAC tag without packet type', 'audio', hex('af'), 'ERR_TS_AUDIO_FRAME'],
    ['an empty AAC frame', 'audio', hex('af 01'), 'ERR_TS_AUDIO_FRAME'],
    ['a bad AudioSpecificConfig', 'audio', hex('af 00 12'), 'ERR_TS_AAC_CONFIG'],
    ['an empty MP3 frame', 'audio', hex('2f'), 'ERR_TS_AUDIO_FRAME'],
  ])('%s', (_name, kind, payload, expected) => {
    const muxer = ready();
    expect(() => muxer.encode(packet(kind, 40, payload))).toThrow(code(expected));
    expect(() => muxer.encode(packet(kind, 40, payload))).toThrow(ProtocolError);
  });

  it('leaves the muxer as it was: config kept, counters continuous', () => {
    const muxer = ready();
    const first = muxer.encode(packet('video', 0, avcFrame(true, 0, [IDR])));
    expect(() => muxer.encode(packet('video', 40, hex('17 00 000000 02')))).toThrow(code('ERR_TS_VIDEO_CONFIG'));
    expect(() => muxer.encode(packet('audio', 40, hex('af 00 f8')))).toThrow(code('ERR_TS_AAC_CONFIG'));
    const next = muxer.encode(packet('video', 80, avcFrame(true, 0, [IDR])));
    const out = demux(Buffer.concat([first, next]));
    expect(splitAnnexB(out.pes[1]!.data)).toHaveLength(4);
    expect(out.pmts.map((pmt) => pmt.version)).toEqual([0, 0]);
  });
});

/** Writes TS bytes to a temp file; ffprobe's streams and packets, and what ffprobe and ffmpeg print at -v error. */
interface ProbePacket {
  codec_type: string;
  pts: number;
  dts: number;
  flags: string;
}
interface Probe {
  streams: { codec_type: string; codec_name: string }[];
  packets: ProbePacket[];
  probeErrors: string;
  decodeErrors: string;
}

describe('real tools: the shipped ffprobe/ffmpeg read what the muxer writes', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'srs-ts-muxer-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function probe(name: string, ts: Buffer): Probe {
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, ts);
    const probed = spawnSync(FFPROBE, ['-v', 'error', '-show_streams', '-show_packets', '-of', 'json', file], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 });
    expect(probed.status).toBe(0);
    const decoded = spawnSync(FFMPEG, ['-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', timeout: 60_000 });
    expect(decoded.status).toBe(0);
    const json = JSON.parse(probed.stdout) as { streams: Probe['streams']; packets: ProbePacket[] };
    return { ...json, probeErrors: probed.stderr, decodeErrors: decoded.stderr };
  }

  const kindOf = (tag: FlvTag): MediaKind => (tag.type === 8 ? 'audio' : tag.type === 9 ? 'video' : 'data');
  const isFrame = (tag: FlvTag): boolean => tag.type === 9 && tag.body[1] === 1;

  describe('H.264 + AAC from FLV written by ffmpeg', () => {
    let tags: FlvTag[];
    let outputs: Buffer[];
    let muxer: TsMuxer;

    beforeAll(() => {
      // libx264 defaults (B-frames: non-zero composition times), a key frame every 25 frames.
      tags = makeFlv({ size: '320x240', seconds: 4, video: ['-g', '25'], audio: ['-ar', '44100', '-ac', '2'] });
      muxer = new TsMuxer();
      outputs = tags.map((tag) => muxer.encode(packet(kindOf(tag), tag.timestamp, tag.body)));
    });

    it('whole stream: one h264 and one aac stream, every frame a packet, timestamps as in the FLV, no errors', () => {
      const ts = Buffer.concat(outputs);
      const result = probe('avc-aac', ts);
      expect(result.streams.map((stream) => `${stream.codec_type}:${stream.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
      const video = result.packets.filter((one) => one.codec_type === 'video');
      const audio = result.packets.filter((one) => one.codec_type === 'audio');
      const frames = tags.filter(isFrame);
      expect(frames.length).toBe(100);
      // The only other non-header video tag is the AVC end of sequence ffmpeg writes last: no picture, no PES.
      expect(tags.filter((tag) => tag.type === 9 && tag.body[1] !== 0).map((tag) => tag.body[1])).toEqual([...frames.map(() => 1), 2]);
      expect(video).toHaveLength(frames.length);
      expect(audio).toHaveLength(tags.filter((tag) => tag.type === 8 && tag.body[1] === 1).length);
      expect(video[0]!.flags).toContain('K');
      expect(video.filter((one) => one.flags.includes('K'))).toHaveLength(4);
      for (let index = 1; index < video.length; index++) expect(video[index]!.dts).toBeGreaterThan(video[index - 1]!.dts);
      expect(video.map((one) => one.dts)).toEqual(frames.map((tag) => tag.timestamp * 90));
      expect(video.map((one) => one.pts)).toEqual(frames.map((tag) => (tag.timestamp + tag.body.readIntBE(2, 3)) * 90));
      expect(video.some((one) => one.pts !== one.dts)).toBe(true);
      expect(result.probeErrors).toBe('');
      expect(result.decodeErrors).toBe('');
      // And our own strict reader: continuity, CRCs, PCR on every video PES.
      const out = demux(ts);
      expect(out.pes.filter((unit) => unit.pid === 0x100).every((unit) => unit.pcr === unit.dts)).toBe(true);
      expect(out.pmts.every((pmt) => pmt.version === 0 && pmt.streams.length === 2)).toBe(true);
    });

    it('late joiner: tables() then the shared output from a key frame in the middle', () => {
      const keyIndexes = tags.flatMap((tag, index) => (isFrame(tag) && tag.body[0] >> 4 === 1 ? [index] : []));
      expect(keyIndexes.length).toBe(4);
      const join = keyIndexes[2]!;
      // Replay the same input into a fresh muxer up to the join point, as the server would have.
      const shared = new TsMuxer();
      tags.slice(0, join).forEach((tag) => shared.encode(packet(kindOf(tag), tag.timestamp, tag.body)));
      const first = shared.tables();
      const rest = tags.slice(join).map((tag) => shared.encode(packet(kindOf(tag), tag.timestamp, tag.body)));
      const joiner = Buffer.concat([first, ...rest]);
      expect(Buffer.concat(rest).equals(Buffer.concat(outputs.slice(join)))).toBe(true);
      const result = probe('late-joiner', joiner);
      expect(result.streams.map((stream) => stream.codec_name).sort()).toEqual(['aac', 'h264']);
      const video = result.packets.filter((one) => one.codec_type === 'video');
      expect(video[0]!.flags).toContain('K');
      expect(video).toHaveLength(tags.slice(join).filter(isFrame).length);
      expect(video[0]!.dts).toBe(tags[join]!.timestamp * 90);
      expect(result.probeErrors).toBe('');
      expect(result.decodeErrors).toBe('');
      // The joiner's PAT/PMT counters run straight into the shared ones.
      demux(joiner);
    });
  });

  it('HEVC (libx265, as Enhanced RTMP hvc1 tags) + AAC: hevc stream, every frame decodes', () => {
    const nals = splitAnnexB(
      runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-c:v', 'libx265', '-pix_fmt', 'yuv420p', '-x265-params', 'log-level=error:keyint=25:bframes=0', '-f', 'hevc'], 'out.hevc'),
    );
    const type = (nal: Buffer): number => (nal[0]! >> 1) & 0x3f;
    const byType = (wanted: number): Buffer => nals.find((nal) => type(nal) === wanted)!;
    const header = Buffer.alloc(23);
    header[0] = 1;
    header[21] = 0x0f;
    header[22] = 3;
    const record = Buffer.concat([header, ...[32, 33, 34].flatMap((wanted) => [Buffer.from([0x80 | wanted, 0, 1, byType(wanted).length >> 8, byType(wanted).length & 0xff]), byType(wanted)])]);
    // Access units: a new one starts at the first VCL NAL with first_slice_segment_in_pic_flag, or a non-VCL before it.
    const units: Buffer[][] = [];
    let current: Buffer[] = [];
    let hasVcl = false;
    for (const nal of nals) {
      const isVcl = type(nal) < 32;
      if (hasVcl && (!isVcl || (nal[2]! & 0x80) !== 0)) {
        units.push(current);
        current = [];
        hasVcl = false;
      }
      if (type(nal) >= 32 && type(nal) <= 34) continue;
      current.push(nal);
      hasVcl ||= isVcl;
    }
    units.push(current);
    expect(units).toHaveLength(50);
    const muxer = new TsMuxer();
    const aac = makeFlv({ size: '64x64', seconds: 2, video: [], audio: ['-ar', '48000'] }).filter((tag) => tag.type === 8);
    const chunks = [muxer.encode(packet('video', 0, Buffer.concat([hex('90'), Buffer.from('hvc1'), record])))];
    const audio = [...aac];
    units.forEach((unit, index) => {
      const at = index * 40;
      while (audio.length > 0 && audio[0]!.timestamp <= at) {
        const tag = audio.shift()!;
        chunks.push(muxer.encode(packet('audio', tag.timestamp, tag.body)));
      }
      const key = unit.some((nal) => type(nal) >= 16 && type(nal) <= 23);
      chunks.push(muxer.encode(packet('video', at, Buffer.concat([Buffer.from([key ? 0x93 : 0xa3]), Buffer.from('hvc1'), lengthPrefixed(unit)]))));
    });
    const result = probe('hevc', Buffer.concat(chunks));
    expect(result.streams.map((stream) => `${stream.codec_type}:${stream.codec_name}`).sort()).toEqual(['audio:aac', 'video:hevc']);
    const video = result.packets.filter((one) => one.codec_type === 'video');
    expect(video).toHaveLength(50);
    expect(video.filter((one) => one.flags.includes('K'))).toHaveLength(2);
    expect(video[0]!.flags).toContain('K');
    expect(result.probeErrors).toBe('');
    expect(result.decodeErrors).toBe('');
  });

  it('audio-only MP3 from FLV: one mp3 stream, tables every second, no errors', () => {
    const tags = runFlvAudio(['-c:a', 'libmp3lame', '-ar', '44100']);
    expect(tags.every((tag) => tag.body[0]! >> 4 === 2)).toBe(true);
    const muxer = new TsMuxer();
    const ts = Buffer.concat(tags.map((tag) => muxer.encode(packet('audio', tag.timestamp, tag.body))));
    const result = probe('mp3', ts);
    expect(result.streams.map((stream) => stream.codec_name)).toEqual(['mp3']);
    expect(result.packets.length).toBeGreaterThanOrEqual(tags.length);
    expect(result.probeErrors).toBe('');
    expect(result.decodeErrors).toBe('');
    expect(demux(ts).pats.length).toBe(3);
  });

  it('audio-only AAC from FLV: PCR on the audio PID, no errors', () => {
    const tags = runFlvAudio(['-c:a', 'aac', '-ar', '48000']);
    const muxer = new TsMuxer();
    const ts = Buffer.concat(tags.map((tag) => muxer.encode(packet('audio', tag.timestamp, tag.body))));
    const result = probe('aac', ts);
    expect(result.streams.map((stream) => stream.codec_name)).toEqual(['aac']);
    expect(result.packets).toHaveLength(tags.filter((tag) => tag.body[1] === 1).length);
    expect(result.decodeErrors).toBe('');
    expect(demux(ts).pmts[0]!.pcrPid).toBe(0x101);
  });

  it('mutated real tags only ever throw ProtocolError and always yield whole packets', () => {
    const tags = makeFlv({ size: '64x64', seconds: 0.5, video: [], audio: [] });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(tags.length - 1), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat()), { maxLength: 10 }), (edits) => {
        const muxer = new TsMuxer();
        const bodies = tags.map((tag) => Buffer.from(tag.body));
        for (const [index, at, value, cut] of edits) {
          const body = bodies[index]!;
          if (body.length > 0) body[at % body.length] = value;
          bodies[index] = body.subarray(0, body.length - (cut % 4));
        }
        bodies.forEach((body, index) => {
          try {
            expect(muxer.encode(packet(kindOf(tags[index]!), tags[index]!.timestamp, body)).length % 188).toBe(0);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
            expect((error as ProtocolError).code).toMatch(/^ERR_TS_/);
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});

/** An audio-only FLV (2.5 s of sine) with the given encoder options. */
function runFlvAudio(codec: string[]): FlvTag[] {
  const bytes = runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', '2.5', ...codec, '-f', 'flv'], 'audio.flv');
  return walkFlv(bytes).filter((tag) => tag.type === 8);
}
