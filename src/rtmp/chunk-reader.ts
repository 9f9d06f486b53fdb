import { ProtocolError } from '../errors.js';
import { RtmpSize } from './constants.js';

/** Bounds the chunk layer enforces (issue RTMP item 6). */
export interface ChunkReaderLimits {
  /** Largest message length a header may announce. */
  maxMessageBytes: number;
  /** Distinct chunk stream ids one peer may use. */
  maxChunkStreams: number;
  /** Accepted range for the peer's Set Chunk Size (SRS: [128, 65536]). */
  minChunkSize: number;
  maxChunkSize: number;
}

/** Receives each complete message synchronously, in wire order. */
export interface MessageSink {
  /** `payload` is a fresh Buffer owned by the sink (never reused by the reader). */
  onMessage(typeId: number, timestamp: number, streamId: number, payload: Buffer, csid: number): void;
}

/** Message header bytes per chunk format (RTMP 5.3.1.2). */
const MESSAGE_HEADER_BYTES = [11, 7, 3, 0] as const;
/** First allocation for a message body; it grows (doubling, capped at the length) as chunks arrive. */
const INITIAL_PAYLOAD_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/** Per-csid state that outlives chunks (RTMP 5.3.1.2: headers are deltas against it). */
class ChunkStreamState {
  timestamp = 0;
  /** The last timestamp field (delta for fmt 1/2, absolute for fmt 0): fmt 3 repeats it. */
  delta = 0;
  length = 0;
  typeId = 0;
  streamId = 0;
  /** The last fmt 0/1/2 header used the extended timestamp field. */
  hasExtended = false;
  extendedField = 0;
  payload: Buffer | undefined = undefined;
  received = 0;
  inProgress = false;
}

/**
 * Push parser for the RTMP chunk stream (RTMP 5.3): formats 0-3, csid
 * 2..65599, extended timestamps, any TCP split. State lives per chunk stream
 * and in a small header accumulator, so `feed` may be called with one byte
 * at a time. Protocol control (Set Chunk Size, Abort) is applied by the owner
 * through `setChunkSize` / `abort` from inside `onMessage`, which runs before
 * the next chunk is parsed.
 */
export class ChunkReader {
  private chunkSize: number = RtmpSize.defaultChunkSize;
  private readonly streams = new Map<number, ChunkStreamState>();
  private readonly header = Buffer.alloc(18);
  private headerLength = 0;
  private current: ChunkStreamState | undefined;
  private currentCsid = 0;
  private payloadLeft = 0;

  constructor(private readonly limits: ChunkReaderLimits) {}

  /** The peer's current chunk size. */
  get inChunkSize(): number {
    return this.chunkSize;
  }

  /** Applies a Set Chunk Size from the peer (RTMP 5.4.1), bounded as SRS does. */
  setChunkSize(size: number): void {
    if (!(size >= this.limits.minChunkSize && size <= this.limits.maxChunkSize)) {
      throw new ProtocolError(
        'ERR_RTMP_CHUNK_SIZE',
        `peer chunk size ${size} outside [${this.limits.minChunkSize}, ${this.limits.maxChunkSize}]`,
      );
    }
    this.chunkSize = size;
  }

  /** Drops the partly received message on `csid` (Abort Message, RTMP 5.4.2). */
  abort(csid: number): void {
    const stream = this.streams.get(csid);
    if (stream === undefined || stream === this.current) return;
    stream.payload = undefined;
    stream.received = 0;
    stream.inProgress = false;
  }

  /** Parses `bytes`, calling `sink.onMessage` for every message completed. Throws ProtocolError on bad input. */
  feed(bytes: Buffer, sink: MessageSink): void {
    let pos = 0;
    const end = bytes.length;
    while (pos < end) {
      if (this.payloadLeft > 0) {
        const count = Math.min(this.payloadLeft, end - pos);
        this.appendPayload(bytes, pos, count);
        pos += count;
        this.payloadLeft -= count;
        if (this.payloadLeft === 0) this.endChunk(sink);
        continue;
      }
      // Header: accumulate exactly as many bytes as the header needs so far.
      let need = this.headerBytesNeeded();
      while (this.headerLength < need && pos < end) {
        const count = Math.min(need - this.headerLength, end - pos);
        bytes.copy(this.header, this.headerLength, pos, pos + count);
        this.headerLength += count;
        pos += count;
        need = this.headerBytesNeeded();
      }
      if (this.headerLength < need) return;
      this.startChunk(sink);
    }
  }

  /** Total header bytes the chunk needs, given the bytes accumulated so far. */
  private headerBytesNeeded(): number {
    const length = this.headerLength;
    if (length < 1) return 1;
    const first = this.header[0] as number;
    const low = first & 0x3f;
    const basic = low === 0 ? 2 : low === 1 ? 3 : 1;
    if (length < basic) return basic;
    const fmt = first >> 6;
    const total = basic + (MESSAGE_HEADER_BYTES[fmt as 0 | 1 | 2 | 3] as number);
    if (length < total) return total;
    if (fmt < 3) return this.header.readUIntBE(basic, 3) === RtmpSize.extendedTimestamp ? total + 4 : total;
    return this.streams.get(this.csidOf(first))?.hasExtended === true ? total + 4 : total;
  }

  private csidOf(first: number): number {
    const low = first & 0x3f;
    if (low === 0) return 64 + (this.header[1] as number);
    if (low === 1) return 64 + (this.header[1] as number) + (this.header[2] as number) * 256;
    return low;
  }

  /** A whole chunk header is in `this.header`: update the chunk stream and enter its payload. */
  private startChunk(sink: MessageSink): void {
    const header = this.header;
    const first = header[0] as number;
    const fmt = first >> 6;
    const csid = this.csidOf(first);
    const low = first & 0x3f;
    let p = low === 0 ? 2 : low === 1 ? 3 : 1;
    const stream = this.streamFor(csid, fmt);
    const isFirst = !stream.inProgress;
    let pushback: Buffer | undefined;
    if (fmt < 3) {
      const field24 = header.readUIntBE(p, 3);
      p += 3;
      let length = stream.length;
      let typeId = stream.typeId;
      if (fmt <= 1) {
        length = header.readUIntBE(p, 3);
        typeId = header[p + 3] as number;
        p += 4;
      }
      // RTMP 5.3.1.2.1: the message stream id is little-endian.
      const streamId = fmt === 0 ? header.readUInt32LE(p) : stream.streamId;
      if (fmt === 0) p += 4;
      const hasExtended = field24 === RtmpSize.extendedTimestamp;
      const field = hasExtended ? header.readUInt32BE(p) : field24;
      stream.hasExtended = hasExtended;
      stream.extendedField = field;
      if (!isFirst) {
        // SRS tolerates a full header inside a message but never a new length (ERROR_RTMP_PACKET_SIZE).
        if (length !== stream.length) {
          throw new ProtocolError('ERR_RTMP_CHUNK_LENGTH_CHANGED', `chunk stream ${csid}: length changed mid-message`);
        }
      } else {
        if (length > this.limits.maxMessageBytes) {
          throw new ProtocolError('ERR_RTMP_MESSAGE_TOO_LARGE', `message of ${length} bytes exceeds ${this.limits.maxMessageBytes}`);
        }
        stream.length = length;
        stream.typeId = typeId;
        stream.streamId = streamId;
        stream.timestamp = fmt === 0 ? field : (stream.timestamp + field) >>> 0;
        stream.delta = field;
      }
    } else if (stream.hasExtended) {
      const field = header.readUInt32BE(p);
      if (isFirst) {
        stream.timestamp = (stream.timestamp + field) >>> 0;
      } else if (field !== stream.extendedField) {
        // Type-3 continuation quirk (SRS srs_protocol_rtmp_stack.cpp read_message_header): Adobe repeats the
        // extended timestamp in every fmt 3 chunk, old ffmpeg/librtmp do not. If the 4 bytes are not the
        // repeated value they are payload.
        pushback = Buffer.from(header.subarray(p, p + 4));
      }
    } else if (isFirst) {
      stream.timestamp = (stream.timestamp + stream.delta) >>> 0;
    }
    this.headerLength = 0;
    if (isFirst) {
      stream.inProgress = true;
      stream.received = 0;
      stream.payload = stream.length === 0 ? EMPTY : Buffer.allocUnsafe(Math.min(stream.length, INITIAL_PAYLOAD_BYTES));
    }
    this.current = stream;
    this.currentCsid = csid;
    this.payloadLeft = Math.min(this.chunkSize, stream.length - stream.received);
    if (this.payloadLeft === 0) this.endChunk(sink);
    else if (pushback !== undefined) this.feed(pushback, sink);
  }

  private streamFor(csid: number, fmt: number): ChunkStreamState {
    const existing = this.streams.get(csid);
    if (existing !== undefined) return existing;
    // SRS accepts fmt 1 on a fresh csid 2 "to make librtmp happy"; anything else must start with fmt 0.
    if (fmt !== 0 && !(fmt === 1 && csid === 2)) {
      throw new ProtocolError('ERR_RTMP_CHUNK_START', `chunk stream ${csid} starts with fmt ${fmt}, not 0`);
    }
    if (this.streams.size >= this.limits.maxChunkStreams) {
      throw new ProtocolError('ERR_RTMP_CHUNK_STREAMS', `more than ${this.limits.maxChunkStreams} chunk streams`);
    }
    const created = new ChunkStreamState();
    this.streams.set(csid, created);
    return created;
  }

  private appendPayload(bytes: Buffer, pos: number, count: number): void {
    const stream = this.current as ChunkStreamState;
    let payload = stream.payload as Buffer;
    const needed = stream.received + count;
    if (needed > payload.length) {
      const grown = Buffer.allocUnsafe(Math.min(stream.length, Math.max(payload.length * 2, needed)));
      payload.copy(grown, 0, 0, stream.received);
      payload = grown;
      stream.payload = grown;
    }
    bytes.copy(payload, stream.received, pos, pos + count);
    stream.received = needed;
  }

  private endChunk(sink: MessageSink): void {
    const stream = this.current as ChunkStreamState;
    this.current = undefined;
    if (stream.received < stream.length) return;
    const payload = stream.payload as Buffer;
    stream.payload = undefined;
    stream.inProgress = false;
    stream.received = 0;
    sink.onMessage(stream.typeId, stream.timestamp, stream.streamId, payload, this.currentCsid);
  }
}
