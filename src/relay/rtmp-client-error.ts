import { SrsError } from '../errors.js';

/**
 * Why an RtmpClient operation failed: `code` is the server's status code
 * (e.g. `NetStream.Publish.BadName`) when it refused, or ERR_RTMP_CLIENT_CLOSED /
 * ERR_TIMEOUT / a ProtocolError code; `description` is the server's text.
 */
export class RtmpClientError extends SrsError {
  readonly description: string;

  constructor(code: string, description: string, options?: { cause?: unknown }) {
    super(code, `${code}: ${description}`, options);
    this.description = description;
  }
}
