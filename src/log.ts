import { mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { SrsError } from './errors.js';
import { BufferedLogFile } from './log-file.js';
import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/** SRS's srs_log_level names plus the guide's (`debug`), mapped to pino levels. */
const LEVELS: Record<string, LevelWithSilent> = {
  verbose: 'trace',
  info: 'debug',
  debug: 'debug',
  trace: 'info',
  warn: 'warn',
  error: 'error',
  silent: 'silent',
};

/**
 * srs_log_file batching (log-file.ts): 16 KiB is about 64 session lines per
 * write; 100 ms keeps a quiet server's lines prompt in `tail -f`.
 */
const LOG_FILE_BATCH = { batchChars: 16 * 1024, maxDelayMs: 100 } as const;

/** Maps an SRS (verbose|info|trace|warn|error) or pino level name to a pino level. */
export function pinoLevel(name: string): LevelWithSilent | undefined {
  return LEVELS[name];
}

export interface LogOptions {
  /** SRS or pino level name. */
  level: string;
  /** `console` writes to stdout (or stderr, see `toStderr`), `file` appends to `file`. */
  tank: 'console' | 'file';
  file?: string | undefined;
  /** Pretty print when the target is a TTY. */
  pretty?: boolean;
  /** When stdio hooks own stdout, logs go to stderr. */
  toStderr?: boolean;
  /** Tests pass a stream to capture lines. */
  destination?: DestinationStream;
}

/** The one place a root logger is made; sessions use `logger.child(...)`. */
export function createLogger(options: LogOptions): Logger {
  const level = pinoLevel(options.level) ?? 'info';
  if (options.destination !== undefined) return pino({ level, base: { pid: process.pid } }, options.destination);
  if (options.tank === 'file' && options.file !== undefined) {
    // Opened here, synchronously: an unwritable path is a start error in one line, and
    // the stream is ready at once (sonic-boom throws on exit while an async open is pending).
    let fd: number;
    try {
      mkdirSync(dirname(options.file), { recursive: true });
      fd = openSync(options.file, 'a');
    } catch (error) {
      throw new SrsError('ERR_LOG_FILE', `cannot open srs_log_file ${options.file}: ${(error as Error).message}`, { cause: error });
    }
    return pino({ level }, new BufferedLogFile(fd, LOG_FILE_BATCH));
  }
  const fd = options.toStderr === true ? 2 : 1;
  if (options.pretty === true) {
    return pino({ level, transport: { target: 'pino-pretty', options: { destination: fd, colorize: true } } });
  }
  return pino({ level }, pino.destination({ dest: fd, sync: false }));
}
