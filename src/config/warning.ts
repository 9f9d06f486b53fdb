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

/** vhost.tcp_nodelay: SRS's default is off; srs-ts sets TCP_NODELAY on every RTMP socket, whatever the file says. */
export const NO_EFFECT_TCP_NODELAY = 'has no effect: srs-ts always sets TCP_NODELAY';
