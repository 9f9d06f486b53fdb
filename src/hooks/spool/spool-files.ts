import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Envelope } from '../notification.js';
import { decodeSegment, encodeRecord, SPOOL_FORMAT_VERSION, type BadRecord, type DoneOutcome } from './record-codec.js';

/**
 * The spool directory on disk, read without changing it (the server at
 * start, and `srs hooks spool` / `replay` while a server may be running):
 *
 *   DIR/seg-<12 digits>.wal    segments (record-codec.ts), the highest number is written to
 *   DIR/spool.lock             the pid of the server using the directory
 *   DIR/corrupt/*.bad          lines that could not be read, set aside at start
 */

export const SEGMENT_PATTERN = /^seg-(\d{12})\.wal$/;
export const LOCK_FILE = 'spool.lock';
export const CORRUPT_DIR = 'corrupt';

/** A segment's file name from its number. */
export function segmentName(counter: number): string {
  return `seg-${String(counter).padStart(12, '0')}.wal`;
}

/** The first line of every segment. */
export const HEADER_LINE = encodeRecord({ t: 'H', v: SPOOL_FORMAT_VERSION });

/** What a directory holds. */
export interface SpoolContents {
  /** Segment numbers, ascending. */
  readonly segments: readonly number[];
  /** Every notification on disk by seq (a seq written twice, by a compaction cut short, counts once). */
  readonly envelopes: ReadonlyMap<number, Envelope>;
  /** Their encoded lines, to copy them without encoding again. */
  readonly lines: ReadonlyMap<number, string>;
  /** Which have ended, and how. */
  readonly done: ReadonlyMap<number, DoneOutcome>;
  /** Lines that are not records, per segment. */
  readonly bad: ReadonlyArray<{ readonly segment: string; readonly records: readonly BadRecord[] }>;
  /** The highest seq seen (0 when none). */
  readonly lastSeq: number;
  readonly bytes: number;
}

/** Reads every segment of `dir`; throws only when the directory cannot be listed. */
export function readSpoolDir(dir: string): SpoolContents {
  const segments = existsSync(dir)
    ? readdirSync(dir)
        .map((name) => SEGMENT_PATTERN.exec(name))
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match) => Number(match[1]))
        .sort((a, b) => a - b)
    : [];
  const envelopes = new Map<number, Envelope>();
  const lines = new Map<number, string>();
  const done = new Map<number, DoneOutcome>();
  const bad: Array<{ segment: string; records: BadRecord[] }> = [];
  let lastSeq = 0;
  let bytes = 0;
  for (const counter of segments) {
    const name = segmentName(counter);
    const text = readFileSync(join(dir, name), 'utf8');
    bytes += Buffer.byteLength(text);
    const decoded = decodeSegment(text);
    if (decoded.bad.length > 0) bad.push({ segment: name, records: decoded.bad });
    for (const record of decoded.records) {
      if (record.t === 'E') {
        envelopes.set(record.envelope.seq, record.envelope);
        lines.set(record.envelope.seq, encodeRecord(record));
        lastSeq = Math.max(lastSeq, record.envelope.seq);
      } else if (record.t === 'D') {
        done.set(record.seq, record.outcome);
        lastSeq = Math.max(lastSeq, record.seq);
      }
    }
  }
  return { segments, envelopes, lines, done, bad, lastSeq, bytes };
}

/** The notifications not yet ended, oldest first. */
export function pendingOf(contents: SpoolContents): Envelope[] {
  return [...contents.envelopes.values()].filter((envelope) => !contents.done.has(envelope.seq)).sort((a, b) => a.seq - b.seq);
}

/** The pid in the lock file when that process is alive, else undefined. */
export function lockHolder(dir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, LOCK_FILE), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
