import { closeSync, mkdirSync, openSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { HlsConfig } from '../config/schema.js';
import type { StreamObserver } from '../core/stream.js';
import type { HlsSegmentEvent, HlsSegmentOpenEvent, StreamPublisherFacts } from '../hooks/events.js';
import type { MediaPacket } from '../media/packet.js';
import { TsMuxer } from '../media/ts-muxer.js';
import { expandStreamVars, type StreamNames } from '../config/stream-vars.js';
import { hookSegmentUrl, nextFloorPiece, segmentName, segmentUri, withDuration } from './hls-names.js';
import { renderPlaylist, windowStart, type ListedSegment } from './m3u8.js';

/** A segment that cannot be written (disk full, read-only, missing directory). */
export const ERR_HLS_WRITE = 'ERR_HLS_WRITE';
/** A frame the TS muxer refused. */
export const ERR_HLS_DECODE = 'ERR_HLS_DECODE';

/** SRS reaps neither below 200 ms (srs_app_hls.cpp:536-570) nor keeps a segment below 100 ms (:648-721). */
const MIN_REAP_MS = 200;
const MIN_SEGMENT_MS = 100;
/** Bytes gathered before one write to the segment file: every disk write is bounded. */
const WRITE_CHUNK_BYTES = 256 * 1024;
/**
 * A segment is cut at this size whatever its duration: a publisher without
 * key frames (or one lying about timestamps) cannot make one file grow
 * without bound. 64 MiB is 10 s of a 50 Mbit/s stream.
 */
export const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;

/** What the segmenter needs from the app. */
export interface HlsSegmenterContext {
  readonly logger: Logger;
  /** Segment events (on_hls, on_hls_notify, our sinks): must return at once. */
  segment(event: HlsSegmentEvent): void;
  /** A segment file was opened (lal on_hls_make_ts `open`); absent: nobody listens. Must return at once. */
  segmentOpen?(event: HlsSegmentOpenEvent): void;
  /** Wall clock, ms (tests move it). */
  now(): number;
}

interface OpenSegment {
  readonly seq: number;
  /** Name relative to hls_path; may still hold `[duration]`. */
  readonly name: string;
  readonly tmpFile: string;
  fd: number | undefined;
  readonly chunks: Buffer[];
  bufferedBytes: number;
  writtenBytes: number;
  minDts: number | undefined;
  maxDts: number;
  discontinuity: boolean;
  readonly publisher: StreamPublisherFacts;
}

interface KeptSegment extends ListedSegment {
  readonly file: string;
}

type SegmenterState = 'live' | 'stopped' | 'disabled';

/**
 * One stream's HLS output (srs-wave2-spec §2.2-2.4): an observer of its
 * publishes that cuts MPEG-TS segments at key frames once `hls_fragment`
 * (x hls_td_ratio) is reached, or on audio at hls_aof_ratio x fragment,
 * writes each to `<name>.tmp` and renames it when it closes, then rewrites
 * the playlist through `<m3u8>.temp` + rename so no reader sees half of
 * one, and deletes segments that leave the window (hls_cleanup). It
 * outlives a publish: a republish continues the sequence with a
 * DISCONTINUITY, as SRS's source-held muxer does. Files are written
 * synchronously in chunks of at most 256 KiB, as SRS writes them: ordering
 * is exact (the last on_hls is queued before on_unpublish) and a failure is
 * known at the frame that caused it.
 */
export class HlsSegmenter implements StreamObserver {
  private config: HlsConfig;
  private publisher: StreamPublisherFacts;
  private disconnect: (detail: string) => void = () => undefined;
  private muxer = new TsMuxer();
  private state: SegmenterState = 'stopped';
  private current: OpenSegment | undefined;
  private nextSeq = 0;
  private readonly kept: KeptSegment[] = [];
  /** A sequence header arrived: the next segment opened carries a DISCONTINUITY. */
  private discontinuityDue = true;
  private floorPiece: number | undefined;
  /** The last segment write failed (continue): the next segment tries again; logged once per failure run. */
  private failing = false;
  /** Frames the muxer refused in this publish (continue): the first is logged. */
  private decodeErrors = 0;
  private lastPacketMs: number;
  private disposed = false;
  private playlistWritten = false;

  constructor(
    readonly names: StreamNames,
    config: HlsConfig,
    publisher: StreamPublisherFacts,
    private readonly ctx: HlsSegmenterContext,
  ) {
    this.config = config;
    this.publisher = publisher;
    this.lastPacketMs = ctx.now();
  }

  /** The playlist's path relative to hls_path (`live/s.m3u8`). */
  get m3u8Name(): string {
    return expandStreamVars(this.config.m3u8File, this.names);
  }

  get isLive(): boolean {
    return this.state === 'live';
  }

  /** Segments listed now (oldest first), for tests and the API. */
  get listed(): readonly ListedSegment[] {
    return this.kept;
  }

  /** A publish starts: settings of the config in force, a fresh muxer, the same sequence. */
  start(config: HlsConfig, publisher: StreamPublisherFacts, disconnect: (detail: string) => void): void {
    this.config = config;
    this.publisher = publisher;
    this.disconnect = disconnect;
    this.muxer = new TsMuxer();
    this.state = 'live';
    this.disposed = false;
    this.discontinuityDue = true;
    this.decodeErrors = 0;
    this.lastPacketMs = this.ctx.now();
    this.ctx.logger.info({ m3u8: this.m3u8File(), seq: this.nextSeq }, 'hls start');
  }

  packet(packet: MediaPacket): void {
    if (this.state !== 'live') return;
    this.lastPacketMs = this.ctx.now();
    if (packet.isMetadata) return;
    if (packet.kind === 'audio' && this.config.acodec === 'an') return;
    if (packet.kind === 'video' && this.config.vcodec === 'vn') return;
    if (packet.isSequenceHeader) {
      // SRS flags the open segment for every sequence header (srs_app_hls.cpp:1385-1389, 1472-1475).
      if (this.current !== undefined) this.current.discontinuity = true;
      else this.discontinuityDue = true;
      this.encode(packet);
      return;
    }
    const segment = this.current;
    if (segment !== undefined && segment.minDts !== undefined && this.shouldReap(segment, packet)) {
      this.close(segment);
      // A failed close under `ignore` or `disconnect` ended HLS for this publish: no new segment.
      if (this.state !== 'live') return;
    }
    const bytes = this.encode(packet);
    if (bytes === undefined || bytes.length === 0) return;
    const target = this.current ?? this.open();
    if (target === undefined) return;
    target.minDts ??= packet.timestamp;
    target.maxDts = Math.max(target.maxDts, packet.timestamp);
    this.append(target, bytes);
  }

  /** The publish ended: the open segment is closed and listed (>= 100 ms); no ENDLIST, files stay (SRS). */
  publishStopped(): void {
    if (this.state === 'live' && this.current !== undefined) this.close(this.current);
    this.dropCurrent();
    this.state = 'stopped';
    this.lastPacketMs = this.ctx.now();
    this.ctx.logger.info({ m3u8: this.m3u8File(), listed: this.kept.length }, 'hls stop');
  }

  /**
   * hls_dispose: after that long without packets, every listed segment and
   * the playlist are deleted (srs_app_hls.cpp:1236-1277). True when this
   * segmenter is done and may be forgotten (the next publish restarts at
   * seq 0, as SRS's freed source).
   */
  disposeIfIdle(nowMs: number, force = false): boolean {
    if (this.state === 'live' || this.disposed) return this.disposed;
    const disposeMs = this.config.disposeSec * 1000;
    if (disposeMs <= 0 || (!force && nowMs - this.lastPacketMs <= disposeMs)) return false;
    for (const segment of this.kept) removeFile(segment.file);
    this.kept.length = 0;
    if (this.playlistWritten) removeFile(this.m3u8File());
    this.playlistWritten = false;
    this.disposed = true;
    this.ctx.logger.info({ m3u8: this.m3u8File() }, 'hls disposed');
    return true;
  }

  private m3u8File(): string {
    return `${this.config.path}/${this.m3u8Name}`;
  }

  private shouldReap(segment: OpenSegment, packet: MediaPacket): boolean {
    const durationMs = packet.timestamp - (segment.minDts as number);
    if (segment.writtenBytes + segment.bufferedBytes >= MAX_SEGMENT_BYTES) return true;
    if (durationMs < MIN_REAP_MS) return false;
    const c = this.config;
    if (packet.kind === 'video') return durationMs >= c.fragmentSec * c.tdRatio * 1000 && (packet.isKeyframe || !c.waitKeyframe);
    return durationMs >= c.fragmentSec * c.aofRatio * 1000;
  }

  /** TS bytes of one frame; a frame the muxer refuses is handled by hls_on_error. */
  private encode(packet: MediaPacket): Buffer | undefined {
    try {
      return this.muxer.encode(packet);
    } catch (error) {
      this.fail(ERR_HLS_DECODE, error);
      return undefined;
    }
  }

  private open(): OpenSegment | undefined {
    const { config } = this;
    const nowMs = this.ctx.now();
    const timestamp = config.tsFloor ? (this.floorPiece = nextFloorPiece(this.floorPiece, nowMs, config.fragmentSec * 1000)) : nowMs;
    const name = segmentName(config.tsFile, this.names, new Date(nowMs), this.nextSeq, timestamp);
    const segment: OpenSegment = {
      seq: this.nextSeq,
      name,
      tmpFile: `${config.path}/${name}.tmp`,
      fd: undefined,
      chunks: [],
      bufferedBytes: 0,
      writtenBytes: 0,
      minDts: undefined,
      maxDts: 0,
      discontinuity: this.discontinuityDue,
      publisher: this.publisher,
    };
    try {
      mkdirSync(path.dirname(segment.tmpFile), { recursive: true });
      segment.fd = openSync(segment.tmpFile, 'w');
    } catch (error) {
      this.fail(ERR_HLS_WRITE, error);
      return undefined;
    }
    this.discontinuityDue = false;
    this.current = segment;
    // Every segment opens with PAT/PMT so it plays on its own (audio-only and mid-GOP cuts included).
    this.muxer.requestTables();
    // lal tells of each ts file when it is opened, duration 0 (lal:pkg/hls/muxer.go:272-311).
    this.ctx.segmentOpen?.({ type: 'hls_segment_open', timeMs: nowMs, publisher: segment.publisher, file: `${config.path}/${name}`, m3u8: this.m3u8File(), m3u8Url: this.m3u8Name, seq: segment.seq });
    return segment;
  }

  private append(segment: OpenSegment, bytes: Buffer): void {
    segment.chunks.push(bytes);
    segment.bufferedBytes += bytes.length;
    if (segment.bufferedBytes >= WRITE_CHUNK_BYTES) this.flush(segment);
  }

  /** Writes what is buffered; false (and the segment dropped) when the disk refuses. */
  private flush(segment: OpenSegment): boolean {
    if (segment.bufferedBytes === 0 || segment.fd === undefined) return segment.fd !== undefined;
    const data = segment.chunks.length === 1 ? (segment.chunks[0] as Buffer) : Buffer.concat(segment.chunks, segment.bufferedBytes);
    segment.chunks.length = 0;
    segment.bufferedBytes = 0;
    try {
      let offset = 0;
      while (offset < data.length) offset += writeSync(segment.fd, data, offset);
      segment.writtenBytes += data.length;
      return true;
    } catch (error) {
      this.fail(ERR_HLS_WRITE, error);
      return false;
    }
  }

  /** Closes `segment`: kept and listed when >= 100 ms, else discarded and its seq reused. */
  private close(segment: OpenSegment): void {
    const durationMs = segment.maxDts - (segment.minDts ?? segment.maxDts);
    if (!this.flush(segment)) return;
    this.current = undefined;
    closeQuietly(segment);
    if (segment.minDts === undefined || durationMs < MIN_SEGMENT_MS) {
      removeFile(segment.tmpFile);
      // The flag stays for the next segment: it still follows a new sequence header.
      if (segment.discontinuity) this.discontinuityDue = true;
      return;
    }
    const name = withDuration(segment.name, durationMs);
    const file = `${this.config.path}/${name}`;
    const uri = segmentUri(this.m3u8Name, name, this.config.entryPrefix);
    try {
      renameSync(segment.tmpFile, file);
      this.kept.push({ seq: segment.seq, durationMs, uri, discontinuity: segment.discontinuity, file });
      this.nextSeq = segment.seq + 1;
      this.writePlaylist();
    } catch (error) {
      this.fail(ERR_HLS_WRITE, error);
      return;
    }
    if (this.failing) this.ctx.logger.info({ m3u8: this.m3u8Name, seq: segment.seq }, 'hls recovered');
    this.failing = false;
    this.ctx.segment({
      type: 'hls_segment',
      timeMs: this.ctx.now(),
      publisher: segment.publisher,
      duration: durationMs / 1000,
      file,
      url: hookSegmentUrl(this.m3u8Name, uri),
      m3u8: this.m3u8File(),
      m3u8Url: this.m3u8Name,
      seq: segment.seq,
      uri,
    });
  }

  /** The window, then the playlist through `<m3u8>.temp` + rename, then deletion of what left it. */
  private writePlaylist(): void {
    const start = windowStart(this.kept, this.config.windowSec);
    const evicted = this.kept.splice(0, start);
    const m3u8 = this.m3u8File();
    mkdirSync(path.dirname(m3u8), { recursive: true });
    writeFileSync(`${m3u8}.temp`, renderPlaylist(this.kept, this.config.fragmentSec, this.config.tdRatio));
    renameSync(`${m3u8}.temp`, m3u8);
    this.playlistWritten = true;
    if (this.config.cleanup) for (const segment of evicted) removeFile(segment.file);
  }

  /**
   * hls_on_error (srs-wave2-spec §2.1, §6.6): `ignore` stops HLS for this
   * publish, `continue` drops the failing frame or segment and tries again
   * with the next one, `disconnect` ends the publisher. SRS disconnects for
   * almost every error even with `continue`; ours does what it says.
   */
  private fail(code: string, error: unknown): void {
    const detail = error instanceof Error ? error.message : String(error);
    const { onError } = this.config;
    const fields = { code, m3u8: this.m3u8Name, on_error: onError, err: detail };
    if (code === ERR_HLS_WRITE) this.dropCurrent();
    if (onError === 'continue') {
      if (code === ERR_HLS_DECODE) {
        if (this.decodeErrors++ === 0) this.ctx.logger.warn(fields, 'hls: frame dropped (the first of this publish)');
        return;
      }
      if (!this.failing) this.ctx.logger.error(fields, 'hls: write failed, this segment is dropped and the next one tried');
      this.failing = true;
      return;
    }
    this.dropCurrent();
    this.state = 'disabled';
    if (onError === 'ignore') {
      this.ctx.logger.error(fields, 'hls: disabled for this publish');
      return;
    }
    this.ctx.logger.error(fields, 'hls: disconnecting the publisher');
    // Not from inside the stream's fan-out loop: the publisher ends on the next turn.
    setImmediate(() => this.disconnect(`hls ${code}: ${detail}`));
  }

  /** Forgets the open segment and its temp file. */
  private dropCurrent(): void {
    const segment = this.current;
    if (segment === undefined) return;
    this.current = undefined;
    closeQuietly(segment);
    removeFile(segment.tmpFile);
    if (segment.discontinuity) this.discontinuityDue = true;
  }
}

function closeQuietly(segment: OpenSegment): void {
  if (segment.fd === undefined) return;
  const fd = segment.fd;
  segment.fd = undefined;
  try {
    closeSync(fd);
  } catch {
    // Closing a descriptor whose writes failed may fail again; the file is dropped either way.
  }
}

function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone (an operator's cleanup, a dispose before): nothing to delete.
  }
}
