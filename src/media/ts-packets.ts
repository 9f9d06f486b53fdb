import { ProtocolError } from '../errors.js';

/**
 * MPEG-2 transport stream packetising (ISO/IEC 13818-1): 188-byte packets
 * (2.4.3.2), adaptation fields with PCR and stuffing (2.4.3.4), PES headers
 * (2.4.3.6), PAT and PMT sections (2.4.4.3, 2.4.4.8) with their CRC_32
 * (Annex A). Pure functions: the caller owns the continuity counters.
 */

/** A PES that cannot be described by its 16-bit PES_packet_length and may not use 0 (only video may, 2.4.3.7). */
export const ERR_TS_PES_TOO_LARGE = 'ERR_TS_PES_TOO_LARGE';

export const TS_PACKET_SIZE = 188;
const SYNC_BYTE = 0x47;
const HEADER_SIZE = 4;
const MAX_PAYLOAD = TS_PACKET_SIZE - HEADER_SIZE;

/** The PIDs and program number SRS uses (trunk/src/kernel/srs_kernel_ts.cpp). */
export const TsPid = { Pat: 0x0000, Pmt: 0x1001, Video: 0x100, Audio: 0x101 } as const;
export const PROGRAM_NUMBER = 1;
/** transport_stream_id of the PAT: 1, as SRS and FFmpeg's default. */
const TRANSPORT_STREAM_ID = 1;

/** stream_type, 13818-1 Table 2-34 (0x24 HEVC from its amendment 3). */
export const StreamType = { Mp3: 0x03, Aac: 0x0f, H264: 0x1b, Hevc: 0x24 } as const;

/** stream_id, 13818-1 Table 2-22: the first video and the first audio stream. */
export const StreamId = { Video: 0xe0, Audio: 0xc0 } as const;

/** PTS, DTS and the PCR base count a 90 kHz clock in 33 bits (2.4.3.7, 2.4.2.2). */
const CLOCK_MODULO = 2 ** 33;

/** Milliseconds to 90 kHz ticks, wrapped into 33 bits (negative values wrap too). */
export function toClock90k(ms: number): number {
  const ticks = Math.round(ms * 90) % CLOCK_MODULO;
  return ticks < 0 ? ticks + CLOCK_MODULO : ticks;
}

// CRC_32 of Annex A: polynomial 0x04C11DB7, MSB first, initial 0xFFFFFFFF, no final XOR.
const CRC_TABLE: readonly number[] = Object.freeze(
  Array.from({ length: 256 }, (_unused, index) => {
    let crc = index << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
    return crc >>> 0;
  }),
);

/** CRC-32/MPEG-2 of the bytes; a section followed by its CRC sums to 0. */
export function crc32Mpeg2(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  return crc;
}

/** One elementary stream in the PMT. */
export interface PmtStream {
  readonly streamType: number;
  readonly pid: number;
}

/** The PAT: one program, PROGRAM_NUMBER -> the PMT PID (2.4.4.3). */
export function patPacket(continuityCounter: number): Buffer {
  const program = Buffer.alloc(4);
  program.writeUInt16BE(PROGRAM_NUMBER, 0);
  program.writeUInt16BE(0xe000 | TsPid.Pmt, 2);
  return psiPacket(TsPid.Pat, continuityCounter, 0x00, TRANSPORT_STREAM_ID, 0, program);
}

/** The PMT of PROGRAM_NUMBER: PCR PID, no program descriptors, one entry per stream without descriptors (2.4.4.8). */
export function pmtPacket(continuityCounter: number, version: number, pcrPid: number, streams: readonly PmtStream[]): Buffer {
  const body = Buffer.alloc(4 + 5 * streams.length);
  body.writeUInt16BE(0xe000 | pcrPid, 0);
  body.writeUInt16BE(0xf000, 2);
  streams.forEach((stream, index) => {
    const at = 4 + 5 * index;
    body[at] = stream.streamType;
    body.writeUInt16BE(0xe000 | stream.pid, at + 1);
    body.writeUInt16BE(0xf000, at + 3);
  });
  return psiPacket(TsPid.Pmt, continuityCounter, 0x02, PROGRAM_NUMBER, version, body);
}

/**
 * A long-form section in one TS packet: pointer_field 0, header, body,
 * CRC_32, then 0xFF fill (2.4.4: stuffing bytes may follow the last section
 * in a packet; a decoder discards them).
 */
function psiPacket(pid: number, continuityCounter: number, tableId: number, tableIdExtension: number, version: number, body: Buffer): Buffer {
  const packet = Buffer.alloc(TS_PACKET_SIZE, 0xff);
  writeHeader(packet, pid, true, 0b01, continuityCounter);
  packet[4] = 0;
  const section = packet.subarray(5);
  // section_length counts from after its own field to the end of the CRC: 5 header bytes + body + 4.
  const sectionLength = 5 + body.length + 4;
  section[0] = tableId;
  section.writeUInt16BE(0xb000 | sectionLength, 1);
  section.writeUInt16BE(tableIdExtension, 3);
  // reserved '11', version_number, current_next_indicator 1.
  section[5] = 0xc0 | ((version & 0x1f) << 1) | 0x01;
  section[6] = 0;
  section[7] = 0;
  body.copy(section, 8);
  const crcAt = 3 + sectionLength - 4;
  section.writeUInt32BE(crc32Mpeg2(section.subarray(0, crcAt)), crcAt);
  return packet;
}

function writeHeader(packet: Buffer, pid: number, unitStart: boolean, adaptationFieldControl: number, continuityCounter: number): void {
  packet[0] = SYNC_BYTE;
  packet.writeUInt16BE((unitStart ? 0x4000 : 0) | pid, 1);
  packet[3] = (adaptationFieldControl << 4) | (continuityCounter & 0x0f);
}

/** What goes into the PES header and the first packet's adaptation field. */
export interface PesOptions {
  readonly pid: number;
  readonly streamId: number;
  /** 90 kHz, 33-bit. */
  readonly pts: number;
  /** 90 kHz, 33-bit; written only when it differs from pts. */
  readonly dts: number;
  /** PCR base in 90 kHz (extension 0), in the first packet; undefined for none. */
  readonly pcr: number | undefined;
  /** random_access_indicator of the first packet (a key frame starts here). */
  readonly randomAccess: boolean;
  /** Video may say PES_packet_length 0 when the size does not fit 16 bits; audio may not. */
  readonly unboundedAllowed: boolean;
}

/** Packets and the continuity counter to use next on that PID. */
export interface PesPackets {
  readonly bytes: Buffer;
  readonly nextContinuityCounter: number;
}

/**
 * One PES (header + the payload chunks, in order) as whole TS packets. The
 * first carries payload_unit_start_indicator and, when asked, PCR and
 * random_access_indicator; the last is filled with adaptation-field stuffing,
 * the only stuffing packets carrying PES data may have (2.4.3.3, 2.4.3.5).
 */
export function pesPackets(options: PesOptions, payload: readonly Buffer[], continuityCounter: number): PesPackets {
  const pes = Buffer.concat([pesHeader(options, payload.reduce((sum, chunk) => sum + chunk.length, 0)), ...payload]);
  const firstAdaptation = options.pcr !== undefined ? 8 : options.randomAccess ? 2 : 0;
  const count = pes.length <= MAX_PAYLOAD - firstAdaptation ? 1 : 1 + Math.ceil((pes.length - (MAX_PAYLOAD - firstAdaptation)) / MAX_PAYLOAD);
  const bytes = Buffer.alloc(count * TS_PACKET_SIZE, 0xff);
  let offset = 0;
  let counter = continuityCounter;
  for (let index = 0; index < count; index++) {
    const packet = bytes.subarray(index * TS_PACKET_SIZE, (index + 1) * TS_PACKET_SIZE);
    const first = index === 0;
    const needed = first ? firstAdaptation : 0;
    const remaining = pes.length - offset;
    // Whatever the payload leaves free goes to the adaptation field as stuffing.
    const adaptation = Math.max(needed, MAX_PAYLOAD - remaining);
    writeHeader(packet, options.pid, first, adaptation > 0 ? 0b11 : 0b01, counter);
    if (adaptation > 0) writeAdaptationField(packet, adaptation, first ? options : undefined);
    offset += pes.copy(packet, HEADER_SIZE + adaptation, offset, offset + MAX_PAYLOAD - adaptation);
    counter = (counter + 1) & 0x0f;
  }
  return { bytes, nextContinuityCounter: counter };
}

/**
 * Adaptation field of `size` bytes in total, its length byte included
 * (2.4.3.4). A single byte is adaptation_field_length 0 with no flags; the
 * buffer is pre-filled with 0xFF, which is the stuffing_byte.
 */
function writeAdaptationField(packet: Buffer, size: number, first: PesOptions | undefined): void {
  packet[4] = size - 1;
  if (size === 1) return;
  const pcr = first?.pcr;
  packet[5] = (first?.randomAccess === true ? 0x40 : 0) | (pcr !== undefined ? 0x10 : 0);
  if (pcr !== undefined) writePcr(packet, 6, pcr);
}

/** program_clock_reference_base (33), reserved (6), program_clock_reference_extension (9) = 0. */
function writePcr(packet: Buffer, at: number, base: number): void {
  // base * 2^7 spans 40 bits: the top 32 as a u32, then the last base bit with the 6 reserved '1's.
  packet.writeUInt32BE(Math.floor(base / 2), at);
  packet[at + 4] = ((base & 1) << 7) | 0x7e;
  packet[at + 5] = 0;
}

/** PES header with PTS, or PTS and DTS (2.4.3.6, '0010'/'0011'/'0001' prefixes of 2.4.3.7). */
function pesHeader(options: PesOptions, payloadLength: number): Buffer {
  const withDts = options.dts !== options.pts;
  const header = Buffer.alloc(withDts ? 19 : 14);
  header.writeUIntBE(0x000001, 0, 3);
  header[3] = options.streamId;
  const length = header.length - 6 + payloadLength;
  if (length > 0xffff && !options.unboundedAllowed) {
    throw new ProtocolError(ERR_TS_PES_TOO_LARGE, `PES of ${length} bytes does not fit PES_packet_length`);
  }
  header.writeUInt16BE(length > 0xffff ? 0 : length, 4);
  // '10', not scrambled, no priority, data_alignment_indicator 0, no copyright, copy (as SRS writes it).
  header[6] = 0x80;
  header[7] = withDts ? 0xc0 : 0x80;
  header[8] = header.length - 9;
  writeTimestamp(header, 9, withDts ? 0b0011 : 0b0010, options.pts);
  if (withDts) writeTimestamp(header, 14, 0b0001, options.dts);
  return header;
}

/** 4-bit prefix, then the 33 bits as 3 + 15 + 15 with a marker bit after each group. */
function writeTimestamp(header: Buffer, at: number, prefix: number, value: number): void {
  const high = Math.floor(value / 2 ** 30) & 0x07;
  const low = value % 2 ** 30;
  header[at] = (prefix << 4) | (high << 1) | 1;
  header.writeUInt16BE((((low >>> 15) & 0x7fff) << 1) | 1, at + 1);
  header.writeUInt16BE(((low & 0x7fff) << 1) | 1, at + 3);
}
