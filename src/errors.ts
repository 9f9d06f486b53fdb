/**
 * Error classes with stable codes (undici style). Callers branch on `code`,
 * never on the message. Every layer throws only these.
 */
export class SrsError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A config file or value is wrong; names the file and line as SRS does. */
export class ConfigError extends SrsError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  constructor(message: string, where?: { file?: string | undefined; line?: number | undefined; code?: string }) {
    const prefix = where?.file !== undefined ? `${where.file}:${where.line ?? 0}: ` : '';
    super(where?.code ?? 'ERR_CONFIG_INVALID', prefix + message);
    this.file = where?.file;
    this.line = where?.line;
  }
}

/** The peer sent bytes that break the RTMP/AMF spec or a configured bound. */
export class ProtocolError extends SrsError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** A gate (on_connect/on_publish/on_play, in-process handler) refused the session. */
export class HookDeniedError extends SrsError {
  /** The hook that denied, e.g. `on_publish`; safe to show to the client. */
  readonly hook: string;
  constructor(hook: string, message: string, options?: { cause?: unknown }) {
    super('ERR_HOOK_DENIED', message, options);
    this.hook = hook;
  }
}

/** Something took longer than its explicit bound. */
export class TimeoutError extends SrsError {
  constructor(message: string, code = 'ERR_TIMEOUT') {
    super(code, message);
  }
}

/** A user-facing command line or flag error: printed as one line, no stack. */
export class UsageError extends SrsError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}
