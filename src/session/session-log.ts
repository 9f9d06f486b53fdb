import type { Logger } from '../log.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * One session's child logger, bound to its client id and ip and later to its
 * vhost, app and stream. The pino child is built when a line is first
 * written, not when the bindings change: at `warn`, a session that ends
 * normally never builds one (three per session otherwise, each serialising
 * its bindings).
 */
export class SessionLog {
  private child: Logger | undefined;

  constructor(
    private readonly base: Logger,
    private bindings: Record<string, unknown>,
  ) {}

  /** The bindings of every line from now on. */
  rebind(bindings: Record<string, unknown>): void {
    this.bindings = bindings;
    this.child = undefined;
  }

  debug(fields: object, msg: string): void {
    this.write('debug', fields, msg);
  }

  info(fields: object, msg: string): void {
    this.write('info', fields, msg);
  }

  warn(fields: object, msg: string): void {
    this.write('warn', fields, msg);
  }

  error(fields: object, msg: string): void {
    this.write('error', fields, msg);
  }

  private write(level: Level, fields: object, msg: string): void {
    if (!this.base.isLevelEnabled(level)) return;
    this.child ??= this.base.child(this.bindings);
    this.child[level](fields, msg);
  }
}
