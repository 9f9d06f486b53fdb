import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, unlinkSync, write, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../log.js';
import { SrsError } from '../../errors.js';
import type { Envelope } from '../notification.js';
import { encodeRecord, type DoneOutcome } from './record-codec.js';
import { CORRUPT_DIR, HEADER_LINE, LOCK_FILE, lockHolder, pendingOf, readSpoolDir, segmentName } from './spool-files.js';

/**
 * The durable spool (README "Durable spool"): a write-ahead log of
 * notifications in segment files (record-codec.ts, spool-files.ts). An
 * envelope is appended before its first attempt and a done mark after its
 * last; records are written and fdatasync'd in batches, at most
 * {@link FLUSH_INTERVAL_MS} after they were appended (sooner once
 * {@link FLUSH_RECORDS} wait), so a crash loses at most that window. When
 * the written segment passes its size it is closed and a new one opened;
 * the closed ones are then compacted into one file holding only what is
 * still pending, and deleted. At open the directory is read, unreadable
 * lines are set aside in `corrupt/`, and what is pending is rewritten into
 * a fresh segment and handed back for delivery.
 *
 * A directory that cannot be created, locked or written leaves the spool
 * unavailable: `append` says so and the caller sends from memory (counted).
 */

/** Batches are synced this often at most (the window a crash can lose). */
export const FLUSH_INTERVAL_MS = 50;
/** A batch this long is synced at once. */
export const FLUSH_RECORDS = 256;

/** Stable codes of spool errors. */
export const SpoolErrorCode = {
  /** Another live process holds the directory's lock. */
  Locked: 'ERR_SPOOL_LOCKED',
  /** The directory cannot be created, read or written. */
  Io: 'ERR_SPOOL_IO',
} as const;

export class SpoolError extends SrsError {}

export interface SpoolOptions {
  readonly dir: string;
  readonly maxSizeBytes: number;
  readonly logger: Logger;
}

/** Why an envelope was not written. */
export type SpoolRejection = 'full' | 'unavailable';

/** What `append` did. */
export type AppendResult = { readonly kind: 'spooled'; readonly durable: Promise<boolean> } | { readonly kind: 'rejected'; readonly reason: SpoolRejection };

export interface SpoolStats {
  readonly available: boolean;
  /** Bytes of the segment files, including what is waiting to be written. */
  readonly bytes: number;
  readonly pending: number;
  readonly segments: number;
  readonly writeErrors: number;
  /** Unreadable lines set aside at open. */
  readonly corrupt: number;
}

interface Segment {
  readonly counter: number;
  bytes: number;
  /** Pending envelopes whose E line is in this file. */
  live: number;
}

interface Located {
  segment: Segment;
  readonly line: string;
}

/** The write-ahead log of one server; `Spool.open` builds it and reads what is pending. */
export class Spool {
  private readonly segments: Segment[] = [];
  private readonly located = new Map<number, Located>();
  private fd: number | undefined;
  private buffer: string[] = [];
  private waiters: Array<(ok: boolean) => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private totalBytes = 0;
  private writeErrors = 0;
  private lastErrorCode: string | undefined;
  private closed = false;
  private readonly segmentBytes: number;

  private constructor(
    private readonly options: SpoolOptions,
    private readonly corrupt: number,
  ) {
    // Small segments bound what a compaction rewrites and what dead records cost (an eighth of the cap each).
    this.segmentBytes = Math.max(4096, Math.min(8 * 1024 * 1024, Math.floor(options.maxSizeBytes / 8)));
  }

  /**
   * Opens (creating) the directory, takes its lock, sets aside unreadable
   * lines and compacts what is pending into a fresh segment. Never throws:
   * on failure the spool is unavailable and the reason is logged.
   */
  static open(options: SpoolOptions): { spool: Spool; pending: Envelope[]; lastSeq: number } {
    const { dir, logger } = options;
    try {
      mkdirSync(dir, { recursive: true });
      const holder = lockHolder(dir);
      if (holder !== undefined && holder !== process.pid) throw new SpoolError(SpoolErrorCode.Locked, `spool ${dir} is in use by pid ${holder}`);
      writeFileSync(join(dir, LOCK_FILE), `${process.pid}\n`);
      // A compaction cut short leaves a temp file; the files it was made from are still there.
      for (const name of readdirSync(dir)) if (name.endsWith('.wal.tmp')) unlinkSync(join(dir, name));
      const contents = readSpoolDir(dir);
      let corrupt = 0;
      for (const { segment, records } of contents.bad) {
        corrupt += records.length;
        const file = join(dir, CORRUPT_DIR, `${segment}.${Date.now()}.bad`);
        mkdirSync(join(dir, CORRUPT_DIR), { recursive: true });
        writeFileSync(file, records.map((record) => JSON.stringify(record) + '\n').join(''));
        logger.error({ dir, segment, records: records.length, reasons: [...new Set(records.map((r) => r.reason))], set_aside: file }, 'spool records unreadable, set aside');
      }
      const spool = new Spool(options, corrupt);
      const pending = pendingOf(contents);
      const counter = (contents.segments.at(-1) ?? 0) + 1;
      const lines = pending.map((envelope) => contents.lines.get(envelope.seq) as string);
      spool.writeWholeSegment(counter, lines);
      for (const old of contents.segments) unlinkSync(join(dir, segmentName(old)));
      const active: Segment = { counter, bytes: Buffer.byteLength(HEADER_LINE) + lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0), live: pending.length };
      spool.segments.push(active);
      spool.totalBytes = active.bytes;
      pending.forEach((envelope, index) => spool.located.set(envelope.seq, { segment: active, line: lines[index] as string }));
      spool.fd = openSync(join(dir, segmentName(counter)), 'a');
      if (pending.length > 0 || corrupt > 0) logger.info({ dir, pending: pending.length, corrupt, bytes: active.bytes }, 'spool opened');
      return { spool, pending, lastSeq: contents.lastSeq };
    } catch (error) {
      const code = (error as { code?: string }).code;
      logger.error({ dir, code, err: (error as Error).message }, 'spool unavailable: notifications are sent without it (not durable) and counted');
      return { spool: new Spool(options, 0), pending: [], lastSeq: 0 };
    }
  }

  /** False when the directory could not be used at open. */
  get available(): boolean {
    return this.fd !== undefined && !this.closed;
  }

  /** Appends an envelope; `durable` resolves once its batch is synced (false when the write failed). */
  append(envelope: Envelope): AppendResult {
    if (!this.available) return { kind: 'rejected', reason: 'unavailable' };
    const line = encodeRecord({ t: 'E', envelope });
    const size = Buffer.byteLength(line);
    // The newest is refused when the cap is reached (README: drop-newest): the spooled ones keep their order.
    if (this.totalBytes + size > this.options.maxSizeBytes) return { kind: 'rejected', reason: 'full' };
    const active = this.segments.at(-1) as Segment;
    active.live++;
    active.bytes += size;
    this.totalBytes += size;
    this.located.set(envelope.seq, { segment: active, line });
    const durable = new Promise<boolean>((resolve) => this.waiters.push(resolve));
    this.enqueue(line);
    return { kind: 'spooled', durable };
  }

  /** Marks a spooled envelope ended; unknown seqs (not spooled) are ignored. */
  markDone(seq: number, outcome: DoneOutcome): void {
    const located = this.located.get(seq);
    if (located === undefined || !this.available) return;
    this.located.delete(seq);
    located.segment.live--;
    const line = encodeRecord({ t: 'D', seq, outcome });
    const active = this.segments.at(-1) as Segment;
    active.bytes += Buffer.byteLength(line);
    this.totalBytes += Buffer.byteLength(line);
    this.enqueue(line);
  }

  stats(): SpoolStats {
    return { available: this.available, bytes: this.totalBytes, pending: this.located.size, segments: this.segments.length, writeErrors: this.writeErrors, corrupt: this.corrupt };
  }

  /** Writes and syncs what is buffered, then releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flushNow();
    await this.chain;
    this.closed = true;
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      rmSync(join(this.options.dir, LOCK_FILE), { force: true });
    }
  }

  private enqueue(line: string): void {
    this.buffer.push(line);
    if (this.buffer.length >= FLUSH_RECORDS) this.flushNow();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flushNow(), FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  private flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const data = this.buffer.join('');
    const waiters = this.waiters;
    this.buffer = [];
    this.waiters = [];
    this.chain = this.chain.then(async () => {
      const ok = await this.writeAndSync(data);
      for (const waiter of waiters) waiter(ok);
      if (ok && (this.segments.at(-1) as Segment).bytes >= this.segmentBytes) this.rotate();
    });
  }

  private async writeAndSync(data: string): Promise<boolean> {
    const fd = this.fd;
    if (fd === undefined) return false;
    try {
      const bytes = Buffer.from(data, 'utf8');
      let offset = 0;
      while (offset < bytes.length) {
        offset += await new Promise<number>((resolve, reject) => write(fd, bytes, offset, bytes.length - offset, null, (error, written) => (error === null ? resolve(written) : reject(error))));
      }
      await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error === null ? resolve() : reject(error))));
      if (this.lastErrorCode !== undefined) this.options.logger.warn({ dir: this.options.dir }, 'spool writes work again');
      this.lastErrorCode = undefined;
      return true;
    } catch (error) {
      this.writeErrors++;
      const code = (error as { code?: string }).code ?? 'unknown';
      // One line per kind of failure, not per batch: a full disk fails every 50 ms.
      if (code !== this.lastErrorCode) this.options.logger.error({ dir: this.options.dir, code, err: (error as Error).message, write_errors: this.writeErrors }, 'spool write failed: these notifications are sent from memory only');
      this.lastErrorCode = code;
      return false;
    }
  }

  /**
   * Closes the written segment, opens the next, and compacts every closed
   * one into a single file of what they still hold pending (all of them at
   * once: a done mark in a closed segment only ever refers to a closed
   * segment's notification, so none is resurrected).
   */
  private rotate(): void {
    const { dir } = this.options;
    try {
      const previous = this.segments.at(-1) as Segment;
      // What waits in the buffer lands in the new file: count it there (its notifications may also be copied below; a seq read twice counts once).
      const next: Segment = { counter: previous.counter + 2, bytes: Buffer.byteLength(HEADER_LINE) + Buffer.byteLength(this.buffer.join('')), live: 0 };
      writeFileSync(join(dir, segmentName(next.counter)), HEADER_LINE);
      const fd = openSync(join(dir, segmentName(next.counter)), 'a');
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = fd;
      const closed = this.segments.splice(0, this.segments.length);
      this.segments.push(next);
      this.totalBytes = next.bytes;
      const moved = [...this.located].filter(([, located]) => located.segment !== next).sort(([a], [b]) => a - b);
      if (moved.length > 0) {
        const compacted: Segment = { counter: previous.counter + 1, bytes: 0, live: moved.length };
        compacted.bytes = this.writeWholeSegment(compacted.counter, moved.map(([, located]) => located.line));
        for (const [, located] of moved) located.segment = compacted;
        this.segments.unshift(compacted);
        this.totalBytes += compacted.bytes;
      }
      for (const segment of closed) unlinkSync(join(dir, segmentName(segment.counter)));
    } catch (error) {
      this.writeErrors++;
      this.options.logger.error({ dir, code: (error as { code?: string }).code, err: (error as Error).message }, 'spool rotation failed');
    }
  }

  /** Writes a segment whole (temp file, fsync, rename): a crash leaves the old files or the new one, never half of it. */
  private writeWholeSegment(counter: number, lines: readonly string[]): number {
    const path = join(this.options.dir, segmentName(counter));
    const data = HEADER_LINE + lines.join('');
    const fd = openSync(`${path}.tmp`, 'w');
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(`${path}.tmp`, path);
    return Buffer.byteLength(data);
  }
}
