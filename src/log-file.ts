import { writeSync } from 'node:fs';

/** When a {@link BufferedLogFile} writes what it holds. */
export interface BufferedLogFileOptions {
  /** Write as soon as this many characters are held (one write per batch, not per line). */
  readonly batchChars: number;
  /** Longest a line waits in memory when the batch does not fill: `tail -f` still sees it at once to a person. */
  readonly maxDelayMs: number;
}

/**
 * SRS's srs_log_file as a pino destination that writes lines in batches.
 *
 * Why not sonic-boom (`pino.destination({ sync: false })`): it issues one
 * `fs.write` per line when the disk keeps up, and each goes through libuv's
 * thread pool, a hand-off to another thread and a wake-up back, which cost
 * about 40 us per line (0.2 ms per RTMP session of 4-5 lines) on the bench
 * machine; with `minLength` it re-measures its whole pending string with
 * `Buffer.byteLength` on every line, and a write in flight at exit is lost.
 * Here lines are joined in memory and written with one synchronous `write`
 * per batch: the thread hop is gone, and everything not yet written is in
 * this object, so {@link flush} (called on exit, SIGTERM, SIGINT and an
 * uncaught error, see cli.ts) can always write it. A batch of 16 KiB to the
 * page cache blocks the loop for microseconds, as SRS's own log writes do.
 */
export class BufferedLogFile {
  private lines: string[] = [];
  private held = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fd: number,
    private readonly options: BufferedLogFileOptions,
  ) {}

  /** pino calls this with one serialized line (newline included). */
  write(line: string): boolean {
    this.lines.push(line);
    this.held += line.length;
    if (this.held >= this.options.batchChars) this.flush();
    // unref: a held line must never keep a stopping process alive; exit flushes it.
    else if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.options.maxDelayMs).unref();
    return true;
  }

  /**
   * Writes every held line now, synchronously, so it is safe inside a process
   * 'exit' handler; pino's `logger.flush(cb)` lands here. A write error is
   * reported on stderr and the lines dropped: logging must not crash the server.
   */
  flush(done?: (error?: Error) => void): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.held === 0) {
      done?.();
      return;
    }
    const batch = Buffer.from(this.lines.join(''), 'utf8');
    this.lines = [];
    this.held = 0;
    try {
      for (let offset = 0; offset < batch.length; ) offset += writeSync(this.fd, batch, offset);
      done?.();
    } catch (error) {
      process.stderr.write(`srs: cannot write srs_log_file: ${(error as Error).message}\n`);
      done?.(error as Error);
    }
  }

  /** pino's flushSync, used by pino.final-style callers. */
  flushSync(): void {
    this.flush();
  }
}
