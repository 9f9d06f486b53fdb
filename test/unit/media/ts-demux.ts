/**
 * A small, strict MPEG-TS reader for tests (ISO/IEC 13818-1 2.4.3, 2.4.4),
 * written independently of src/media/ts-packets.ts: it throws on anything
 * the muxer must never produce (bad sync, wrong size, bad CRC, a
 * continuity gap, stuffing in a PES packet's payload) and returns every field
 * the tests assert on.
 */

export interface TsPacket {
  pid: number;
  unitStart: boolean;
  continuityCounter: number;
  hasPayload: boolean;
  /** adaptation_field_length + 1, 0 when there is none. */
  adaptationSize: number;
  randomAccess: boolean;
  /** PCR base (90 kHz) when PCR_flag is set. */
  pcr: number | undefined;
  payload: Buffer;
}

export interface PesUnit {
  pid: number;
  streamId: number;
  /** PES_packet_length as written (0 = unbounded). */
  lengthField: number;
  pts: number;
  dts: number;
  hasDts: boolean;
  /** PCR and random_access_indicator of the unit's first TS packet. */
  pcr: number | undefined;
  randomAccess: boolean;
  data: Buffer;
}

export interface PmtTable {
  version: number;
  pcrPid: number;
  streams: { streamType: number; pid: number }[];
}

export interface Demuxed {
  packets: TsPacket[];
  /** PMT PID of program 1, from each PAT in order. */
  pats: number[];
  pmts: PmtTable[];
  pes: PesUnit[];
}

/** Bit-by-bit CRC-32/MPEG-2 (poly 0x04C11DB7, init all ones, no reflection, no final XOR). */
export function crc32Bitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const top = ((crc >>> 31) ^ (byte >> bit)) & 1;
      crc = ((crc << 1) ^ (top ? 0x04c11db7 : 0)) >>> 0;
    }
  }
  return crc;
}

export function parsePacket(packet: Buffer): TsPacket {
  if (packet.length !== 188 || packet[0] !== 0x47) throw new Error('not a 188-byte packet with sync byte 0x47');
  if ((packet[1]! & 0x80) !== 0) throw new Error('transport_error_indicator set');
  const pid = packet.readUInt16BE(1) & 0x1fff;
  const control = (packet[3]! >> 4) & 0x03;
  if ((packet[3]! & 0xc0) !== 0) throw new Error('scrambled');
  if (control === 0) throw new Error('reserved adaptation_field_control');
  let offset = 4;
  let adaptationSize = 0;
  let randomAccess = false;
  let pcr: number | undefined;
  if (control & 0x02) {
    const length = packet[4]!;
    adaptationSize = length + 1;
    if (length > 183 || (control === 0x03 && length > 182)) throw new Error(`adaptation_field_length ${length} too long`);
    if (length > 0) {
      const flags = packet[5]!;
      randomAccess = (flags & 0x40) !== 0;
      let at = 6;
      if (flags & 0x10) {
        pcr = packet.readUInt32BE(at) * 2 + (packet[at + 4]! >> 7);
        if ((packet[at + 4]! & 0x7e) !== 0x7e) throw new Error('PCR reserved bits not set');
        if (((packet[at + 4]! & 1) << 8) + packet[at + 5]! !== 0) throw new Error('PCR extension not 0');
        at += 6;
      }
      for (let i = at; i < 5 + length; i++) if (packet[i] !== 0xff) throw new Error('adaptation stuffing is not 0xFF');
    }
    offset += adaptationSize;
  }
  return {
    pid,
    unitStart: (packet[1]! & 0x40) !== 0,
    continuityCounter: packet[3]! & 0x0f,
    hasPayload: (control & 0x01) !== 0,
    adaptationSize,
    randomAccess,
    pcr,
    payload: control & 0x01 ? packet.subarray(offset) : Buffer.alloc(0),
  };
}

/** A section in one packet after pointer_field 0; checks section_length, CRC and 0xFF fill. */
export function parseSection(payload: Buffer): Buffer {
  if (payload[0] !== 0) throw new Error('pointer_field is not 0');
  const section = payload.subarray(1);
  if ((section[1]! & 0xf0) !== 0xb0) throw new Error('section_syntax_indicator/reserved bits');
  const length = section.readUInt16BE(1) & 0x0fff;
  const whole = section.subarray(0, 3 + length);
  if (crc32Bitwise(whole) !== 0) throw new Error('CRC_32 mismatch');
  if (!section.subarray(3 + length).every((byte) => byte === 0xff)) throw new Error('bytes after the section are not 0xFF');
  return whole;
}

/** The 33-bit value of a PTS/DTS field with its 4-bit prefix and marker bits checked. */
export function readTimestamp(bytes: Buffer, at: number, prefix: number): number {
  if (bytes[at]! >> 4 !== prefix) throw new Error(`timestamp prefix ${bytes[at]! >> 4} is not ${prefix}`);
  if ((bytes[at]! & 1) !== 1 || (bytes[at + 2]! & 1) !== 1 || (bytes[at + 4]! & 1) !== 1) throw new Error('marker bit missing');
  return ((bytes[at]! >> 1) & 0x07) * 2 ** 30 + (bytes.readUInt16BE(at + 1) >> 1) * 2 ** 15 + (bytes.readUInt16BE(at + 3) >> 1);
}

function parsePes(pid: number, first: TsPacket, bytes: Buffer): PesUnit {
  if (bytes.readUIntBE(0, 3) !== 1) throw new Error('no packet_start_code_prefix');
  const lengthField = bytes.readUInt16BE(4);
  if (lengthField !== 0 && lengthField !== bytes.length - 6) throw new Error(`PES_packet_length ${lengthField} but ${bytes.length - 6} bytes follow`);
  if ((bytes[6]! & 0xc0) !== 0x80) throw new Error("PES header does not start with '10'");
  const flags = bytes[7]! >> 6;
  const headerLength = bytes[8]!;
  if (flags === 0 || flags === 1) throw new Error('PES without PTS');
  const hasDts = flags === 3;
  if (headerLength !== (hasDts ? 10 : 5)) throw new Error(`PES_header_data_length ${headerLength}`);
  const pts = readTimestamp(bytes, 9, hasDts ? 3 : 2);
  const dts = hasDts ? readTimestamp(bytes, 14, 1) : pts;
  return { pid, streamId: bytes[3]!, lengthField, pts, dts, hasDts, pcr: first.pcr, randomAccess: first.randomAccess, data: bytes.subarray(9 + headerLength) };
}

/** Reads a whole stream; the first packet of a PID may have any counter, later ones must follow. */
export function demux(ts: Buffer): Demuxed {
  if (ts.length % 188 !== 0) throw new Error(`length ${ts.length} is not a multiple of 188`);
  const packets: TsPacket[] = [];
  const pats: number[] = [];
  const pmts: PmtTable[] = [];
  const pes: PesUnit[] = [];
  const lastCounter = new Map<number, number>();
  const open = new Map<number, { first: TsPacket; chunks: Buffer[] }>();
  const flush = (pid: number): void => {
    const unit = open.get(pid);
    if (unit !== undefined) pes.push(parsePes(pid, unit.first, Buffer.concat(unit.chunks)));
    open.delete(pid);
  };
  for (let offset = 0; offset < ts.length; offset += 188) {
    const packet = parsePacket(ts.subarray(offset, offset + 188));
    packets.push(packet);
    const previous = lastCounter.get(packet.pid);
    if (packet.hasPayload) {
      if (previous !== undefined && packet.continuityCounter !== ((previous + 1) & 0x0f)) {
        throw new Error(`continuity gap on PID ${packet.pid}: ${previous} -> ${packet.continuityCounter}`);
      }
      lastCounter.set(packet.pid, packet.continuityCounter);
    }
    if (packet.pid === 0) {
      const section = parseSection(packet.payload);
      if (section[0] !== 0x00) throw new Error('PAT table_id');
      if (section.readUInt16BE(8) !== 1) throw new Error('PAT program_number');
      pats.push(section.readUInt16BE(10) & 0x1fff);
    } else if (pats.length > 0 && packet.pid === pats[pats.length - 1]) {
      const section = parseSection(packet.payload);
      if (section[0] !== 0x02) throw new Error('PMT table_id');
      const infoLength = section.readUInt16BE(10) & 0x0fff;
      const streams: PmtTable['streams'] = [];
      for (let at = 12 + infoLength; at < section.length - 4; at += 5 + (section.readUInt16BE(at + 3) & 0x0fff)) {
        streams.push({ streamType: section[at]!, pid: section.readUInt16BE(at + 1) & 0x1fff });
      }
      pmts.push({ version: (section[5]! >> 1) & 0x1f, pcrPid: section.readUInt16BE(8) & 0x1fff, streams });
    } else if (packet.hasPayload) {
      if (packet.unitStart) {
        flush(packet.pid);
        open.set(packet.pid, { first: packet, chunks: [packet.payload] });
      } else {
        const unit = open.get(packet.pid);
        if (unit === undefined) throw new Error(`PES continuation without a start on PID ${packet.pid}`);
        unit.chunks.push(packet.payload);
      }
    }
  }
  for (const pid of [...open.keys()]) flush(pid);
  return { packets, pats, pmts, pes };
}
