/** A directive we accept but do not act on, or read in a legacy form; the CLI logs each once. */
export interface ConfigWarning {
  readonly file: string;
  readonly line: number;
  /** The directive's SRS path, e.g. `vhost.hls` or `rtc_server`. */
  readonly directive: string;
  readonly message: string;
}

/** The one message of a directive SRS knows and we do not implement. */
export const NOT_SUPPORTED = 'not supported, ignored';
