import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import { crc32Mpeg2, patPacket, pesPackets, pmtPacket, StreamId, StreamType, toClock90k, TsPid, type PesOptions } from '../../../src/media/ts-packets.js';
import { runFfmpeg } from './ffmpeg-fixtures.js';
import { crc32Bitwise, demux, parsePacket } from './ts-demux.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
/** A PSI packet: the given bytes, then 0xFF up to 188. */
const psi = (text: string): Buffer => Buffer.concat([hex(text), Buffer.alloc(188 - hex(text).length, 0xff)]);

// Written by FFmpeg 4.x (the shipped build) with -mpegts_pmt_start_pid 0x1001 -mpegts_start_pid 0x100
// -mpegts_service_id 1 -mpegts_transport_stream_id 1, re-checked against the live binary below.
const PAT = psi('47 40 00 10  00  00 b0 0d 00 01 c1 00 00  00 01 f0 01  2e 70 19 05');
const PMT_AVC_AAC = psi('47 50 01 10  00  02 b0 17 00 01 c1 00 00  e1 00 f0 00  1b e1 00 f0 00  0f e1 01 f0 00  2f 44 b9 9b');

function packetsOf(ts: Buffer, pid: number): Buffer[] {
  const found: Buffer[] = [];
  for (let offset = 0; offset < ts.length; offset += 188) {
    const packet = ts.subarray(offset, offset + 188);
    if ((packet.readUInt16BE(1) & 0x1fff) === pid) found.push(packet);
  }
  return found;
}

/** The packet without its continuity counter, which FFmpeg starts elsewhere. */
const withoutCounter = (packet: Buffer): Buffer => {
  const copy = Buffer.from(packet);
  copy[3] = copy[3]! & 0xf0;
  return copy;
};

describe('CRC-32/MPEG-2 (13818-1 Annex A)', () => {
  it('has the catalogued check value for "123456789"', () => {
    expect(crc32Mpeg2(Buffer.from('123456789'))).toBe(0x0376e6e7);
    expect(crc32Bitwise(Buffer.from('123456789'))).toBe(0x0376e6e7);
  });

  it('equals a bit-by-bit implementation on any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => crc32Mpeg2(bytes) === crc32Bitwise(bytes)));
  });
});

describe('PAT and PMT golden vectors', () => {
  let reference: { avcAac: Buffer; hevcAac: Buffer };

  beforeAll(() => {
    const ffmpegTs = (video: string[]): Buffer =>
      runFfmpeg(
        [
          '-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=25',
          '-f', 'lavfi', '-i', 'sine',
          '-t', '0.1', ...video, '-c:a', 'aac',
          '-mpegts_pmt_start_pid', '0x1001', '-mpegts_start_pid', '0x100', '-mpegts_service_id', '1', '-mpegts_transport_stream_id', '1',
          '-f', 'mpegts',
        ],
        'ref.ts',
      );
    reference = {
      avcAac: ffmpegTs(['-c:v', 'libx264']),
      hevcAac: ffmpegTs(['-c:v', 'libx265', '-x265-params', 'log-level=error']),
    };
  });

  it('PAT: program 1 on PMT PID 0x1001', () => {
    expect(patPacket(0).toString('hex')).toBe(PAT.toString('hex'));
    expect(patPacket(0).toString('hex')).toBe(withoutCounter(packetsOf(reference.avcAac, 0)[0]!).toString('hex'));
  });

  it('PMT: H.264 on 0x100 (PCR), AAC on 0x101', () => {
    const streams = [
      { streamType: StreamType.H264, pid: TsPid.Video },
      { streamType: StreamType.Aac, pid: TsPid.Audio },
    ];
    expect(pmtPacket(0, 0, TsPid.Video, streams).toString('hex')).toBe(PMT_AVC_AAC.toString('hex'));
    expect(pmtPacket(0, 0, TsPid.Video, streams).toString('hex')).toBe(withoutCounter(packetsOf(reference.avcAac, 0x1001)[0]!).toString('hex'));
  });

  it('PMT: HEVC is stream_type 0x24 as FFmpeg writes it', () => {
    const streams = [
      { streamType: StreamType.Hevc, pid: TsPid.Video },
      { streamType: StreamType.Aac, pid: TsPid.Audio },
    ];
    expect(pmtPacket(0, 0, TsPid.Video, streams).toString('hex')).toBe(withoutCounter(packetsOf(reference.hevcAac, 0x1001)[0]!).toString('hex'));
  });

  it('reads back: version, PCR PID, streams, counter; CRC checked bit by bit', () => {
    const ts = Buffer.concat([patPacket(7), pmtPacket(9, 5, TsPid.Audio, [{ streamType: StreamType.Mp3, pid: TsPid.Audio }])]);
    const out = demux(ts);
    expect(out.pats).toEqual([0x1001]);
    expect(out.pmts).toEqual([{ version: 5, pcrPid: 0x101, streams: [{ streamType: 0x03, pid: 0x101 }] }]);
    expect(out.packets.map((packet) => packet.continuityCounter)).toEqual([7, 9]);
  });
});

describe('PES packetising', () => {
  const video = (overrides: Partial<PesOptions> = {}): PesOptions => ({
    pid: TsPid.Video,
    streamId: StreamId.Video,
    pts: 3600,
    dts: 3600,
    pcr: undefined,
    randomAccess: false,
    unboundedAllowed: true,
    ...overrides,
  });
  const bytes = (length: number): Buffer => Buffer.from(Array.from({ length }, (_unused, index) => index & 0xff));

  it.each([1, 100, 161, 162, 169, 170, 171, 175, 176, 177, 183, 184, 185, 350, 351, 352, 1000])(
    'splits a %i-byte payload into whole packets, stuffing only the last one, with and without PCR',
    (length) => {
      for (const options of [video(), video({ pcr: 1234, randomAccess: true }), video({ randomAccess: true })]) {
        const payload = bytes(length);
        const { bytes: ts, nextContinuityCounter } = pesPackets(options, [payload.subarray(0, 7), payload.subarray(7)], 14);
        const out = demux(ts);
        const count = out.packets.length;
        expect(ts.length).toBe(count * 188);
        expect(nextContinuityCounter).toBe((14 + count) & 0x0f);
        expect(out.packets.map((packet) => packet.continuityCounter)).toEqual(Array.from({ length: count }, (_unused, index) => (14 + index) & 0x0f));
        expect(out.packets.map((packet) => packet.unitStart)).toEqual(Array.from({ length: count }, (_unused, index) => index === 0));
        // Only the first packet may have a non-stuffing adaptation field, only the last one stuffing.
        out.packets.slice(1, -1).forEach((packet) => expect(packet.adaptationSize).toBe(0));
        expect(out.packets[0]!.pcr).toBe(options.pcr);
        expect(out.packets[0]!.randomAccess).toBe(options.randomAccess);
        expect(out.pes).toHaveLength(1);
        expect(out.pes[0]!.data.equals(payload)).toBe(true);
        expect(out.pes[0]!.lengthField).toBe(8 + length);
      }
    },
  );

  it('uses a 1-byte adaptation field (length 0, no flags) when exactly one byte is left over', () => {
    // 14-byte header + 169 bytes = 183 bytes of PES in one packet.
    const { bytes: ts } = pesPackets(video(), [bytes(169)], 0);
    expect(ts.length).toBe(188);
    expect(ts.subarray(0, 5).toString('hex')).toBe('4741003000');
    expect(parsePacket(ts).adaptationSize).toBe(1);
  });

  it('writes PTS and DTS when they differ, PTS only when equal', () => {
    const both = demux(pesPackets(video({ pts: 7200, dts: 3600 }), [bytes(10)], 0).bytes).pes[0]!;
    expect(both).toMatchObject({ pts: 7200, dts: 3600, hasDts: true, streamId: 0xe0 });
    const one = demux(pesPackets(video(), [bytes(10)], 0).bytes).pes[0]!;
    expect(one).toMatchObject({ pts: 3600, dts: 3600, hasDts: false });
  });

  it('writes 33-bit PTS, DTS and PCR values up to 2^33 - 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 33 - 1 }), fc.integer({ min: 0, max: 2 ** 33 - 1 }), (pts, dts) => {
        const out = demux(pesPackets(video({ pts, dts, pcr: dts }), [bytes(3)], 0).bytes);
        expect(out.pes[0]).toMatchObject({ pts, dts, pcr: dts });
      }),
    );
  });

  it('video PES_packet_length is 0 when the PES exceeds 65535 bytes; audio throws ERR_TS_PES_TOO_LARGE', () => {
    const big = bytes(70_000);
    const out = demux(pesPackets(video(), [big], 0).bytes);
    expect(out.pes[0]!.lengthField).toBe(0);
    expect(out.pes[0]!.data.equals(big)).toBe(true);
    const audio = { ...video(), pid: TsPid.Audio, streamId: StreamId.Audio, unboundedAllowed: false };
    expect(() => pesPackets(audio, [big], 0)).toThrow(expect.objectContaining({ code: 'ERR_TS_PES_TOO_LARGE' }));
    expect(() => pesPackets(audio, [big], 0)).toThrow(ProtocolError);
  });

  it('maps milliseconds to 90 kHz ticks modulo 2^33', () => {
    expect(toClock90k(40)).toBe(3600);
    expect(toClock90k(2 ** 32 - 1)).toBe(((2 ** 32 - 1) * 90) % 2 ** 33);
    expect(toClock90k(-40)).toBe(2 ** 33 - 3600);
  });
});
