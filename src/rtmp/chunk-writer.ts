import { ProtocolError } from '../errors.js';
import { ChunkStreamId, RtmpSize } from './constants.js';

/** One RTMP message to put on the wire. */
export interface RtmpMessage {
  typeId: number;
  /** Milliseconds, 32-bit. */
  timestamp: number;
  /** Message stream id (0 for the connection, createStream's id for NetStream traffic). */
  streamId: number;
  payload: Buffer;
}

/** Chunk stream ids of media, as SRS (`initialize_audio/video/amf0_script` prefer_cid: 7, 6, 4). */
export const MEDIA_CSID: { readonly audio: number; readonly video: number; readonly data: number } = Object.freeze({
  audio: ChunkStreamId.Audio,
  video: ChunkStreamId.Video,
  data: ChunkStreamId.OverConnection2,
});

/** Header formats (RTMP 5.3.1.2): 0 full, 1 same stream, 2 timestamp delta only, 3 nothing. */
export type ChunkFormat = 0 | 1 | 2 | 3;

const MESSAGE_HEADER_BYTES = [11, 7, 3, 0] as const;

function basicHeaderBytes(csid: number): number {
  if (!Number.isInteger(csid) || csid < 2 || csid > RtmpSize.maxChunkStreamId) {
    throw new ProtocolError('ERR_RTMP_CSID', `chunk stream id ${csid} outside [2, ${RtmpSize.maxChunkStreamId}]`);
  }
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

/** RTMP 5.3.1.1: 1-byte form for csid 2-63, 2-byte for 64-319, 3-byte up to 65599. */
function writeBasicHeader(out: Buffer, offset: number, fmt: ChunkFormat, csid: number): number {
  if (csid < 64) {
    out[offset] = (fmt << 6) | csid;
    return offset + 1;
  }
  if (csid < 320) {
    out[offset] = fmt << 6;
    out[offset + 1] = csid - 64;
    return offset + 2;
  }
  out[offset] = (fmt << 6) | 1;
  out[offset + 1] = (csid - 64) & 0xff;
  out[offset + 2] = (csid - 64) >> 8;
  return offset + 3;
}

/**
 * Writes `message` as chunks whose first header has format `fmt`.
 * `field` is what the header's timestamp field carries (absolute for fmt 0,
 * delta for 1/2, unused for 3). When it needs the extended field, every
 * fmt 3 continuation repeats it, as Adobe, SRS, ffmpeg and librtmp expect.
 */
function writeChunks(message: RtmpMessage, chunkSize: number, csid: number, fmt: ChunkFormat, field: number): Buffer {
  const basic = basicHeaderBytes(csid);
  const length = message.payload.length;
  if (length > 0xffffff) throw new ProtocolError('ERR_RTMP_MESSAGE_TOO_LARGE', `message of ${length} bytes does not fit 24 bits`);
  const extended = fmt !== 3 && field >= RtmpSize.extendedTimestamp ? 4 : 0;
  const chunks = Math.max(1, Math.ceil(length / chunkSize));
  const firstHeader = basic + MESSAGE_HEADER_BYTES[fmt] + extended;
  const out = Buffer.allocUnsafe(firstHeader + length + (chunks - 1) * (basic + extended));
  let p = writeBasicHeader(out, 0, fmt, csid);
  if (fmt !== 3) {
    out.writeUIntBE(extended > 0 ? RtmpSize.extendedTimestamp : field, p, 3);
    p += 3;
    if (fmt <= 1) {
      out.writeUIntBE(length, p, 3);
      out[p + 3] = message.typeId;
      p += 4;
    }
    if (fmt === 0) {
      // RTMP 5.3.1.2.1: the message stream id is the one little-endian field.
      out.writeUInt32LE(message.streamId >>> 0, p);
      p += 4;
    }
    if (extended > 0) {
      out.writeUInt32BE(field >>> 0, p);
      p += 4;
    }
  }
  let sent = 0;
  for (;;) {
    const count = Math.min(chunkSize, length - sent);
    message.payload.copy(out, p, sent, sent + count);
    p += count;
    sent += count;
    if (sent >= length) break;
    p = writeBasicHeader(out, p, 3, csid);
    if (extended > 0) {
      out.writeUInt32BE(field >>> 0, p);
      p += 4;
    }
  }
  return out;
}

function checkChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 0x7fffffff) {
    throw new ProtocolError('ERR_RTMP_CHUNK_SIZE', `outgoing chunk size ${chunkSize} is invalid`);
  }
}

/**
 * One message as chunks: fmt 0 first chunk (absolute timestamp, so every
 * message stands alone for any player whatever it skipped), fmt 3
 * continuations (repeating the extended timestamp when >= 0xFFFFFF). The
 * same bytes can be written to every player: one Buffer.allocUnsafe.
 */
export function encodeMessageChunks(message: RtmpMessage, chunkSize: number, csid: number): Buffer {
  checkChunkSize(chunkSize);
  return writeChunks(message, chunkSize, csid, 0, message.timestamp >>> 0);
}

interface LastHeader {
  timestamp: number;
  delta: number;
  length: number;
  typeId: number;
  streamId: number;
  /** The last header carried a real delta (fmt 1/2, or 3 after them), so fmt 3 can repeat it. */
  hasDelta: boolean;
}

/**
 * A stateful chunk writer using all four header formats against the last
 * message per chunk stream. Csids listed in `fullHeaderCsids` always get
 * fmt 0: bytes shared between players (media) are written outside this
 * writer, so its state would not match what the peer saw on them.
 */
export class ChunkWriter {
  private size: number;
  private readonly last = new Map<number, LastHeader>();
  private readonly fullHeaderCsids: ReadonlySet<number>;

  constructor(chunkSize: number = RtmpSize.defaultChunkSize, fullHeaderCsids: Iterable<number> = []) {
    checkChunkSize(chunkSize);
    this.size = chunkSize;
    this.fullHeaderCsids = new Set(fullHeaderCsids);
  }

  /** The outgoing chunk size. */
  get chunkSize(): number {
    return this.size;
  }

  /** Changes the outgoing chunk size; call right after encoding the Set Chunk Size message. */
  setChunkSize(chunkSize: number): void {
    checkChunkSize(chunkSize);
    this.size = chunkSize;
  }

  /** Encodes one message on `csid` with the most compact header the previous one allows. */
  encode(message: RtmpMessage, csid: number): Buffer {
    const timestamp = message.timestamp >>> 0;
    const length = message.payload.length;
    const previous = this.last.get(csid);
    const fmt = this.chooseFormat(message, csid, previous);
    const delta = fmt === 0 ? timestamp : timestamp - (previous as LastHeader).timestamp;
    this.last.set(csid, {
      timestamp,
      delta,
      length,
      typeId: message.typeId,
      streamId: message.streamId,
      hasDelta: fmt !== 0,
    });
    return writeChunks(message, this.size, csid, fmt, delta);
  }

  private chooseFormat(message: RtmpMessage, csid: number, previous: LastHeader | undefined): ChunkFormat {
    if (previous === undefined || this.fullHeaderCsids.has(csid) || message.streamId !== previous.streamId) return 0;
    const delta = (message.timestamp >>> 0) - previous.timestamp;
    // Only small forward deltas are compressed; anything else restarts with an absolute fmt 0 header.
    if (delta < 0 || delta >= RtmpSize.extendedTimestamp) return 0;
    if (message.typeId !== previous.typeId || message.payload.length !== previous.length) return 1;
    return previous.hasDelta && delta === previous.delta ? 3 : 2;
  }
}
