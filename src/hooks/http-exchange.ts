import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { HttpPostOptions, HttpPostResult } from './http-client.js';

/**
 * One POST as an undici dispatch handler. `undici.request` would add, per
 * call, a RequestHandler, a Readable for the body, its async iterator and
 * an AbortSignal of our own for the deadline; a hook answer is a few bytes,
 * so the handler collects them itself and settles exactly once: on the
 * response, a failure, the deadline or the caller's abort. Settling first
 * and aborting after means a request still queued for a socket is answered
 * at its deadline, not when it finally reaches the wire.
 */
export class PostExchange implements Dispatcher.DispatchHandler {
  private settled = false;
  private controller: Dispatcher.DispatchController | undefined;
  private status = 0;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly resolve: (result: HttpPostResult) => void,
    private readonly options: HttpPostOptions,
  ) {
    this.timer = setTimeout(this.onTimeout, options.timeoutMs);
    options.signal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.settled) {
      controller.abort(new ExchangeSettledError());
      return;
    }
    this.controller = controller;
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx informational heads precede the real one.
    if (statusCode < 200 || this.settled) return;
    this.status = statusCode;
    const declared = Number(headers['content-length'] ?? NaN);
    if (declared > this.options.maxResponseBytes && this.options.truncate !== true) this.failTooLarge(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    if (this.size + chunk.length > this.options.maxResponseBytes) {
      if (this.options.truncate !== true) {
        this.failTooLarge(controller);
        return;
      }
      // Enough read (on_hls_notify reads at most hls_nb_notify bytes): answer with what came and stop the transfer.
      this.chunks.push(chunk.subarray(0, this.options.maxResponseBytes - this.size));
      this.size = this.options.maxResponseBytes;
      this.onResponseEnd();
      controller.abort(new ExchangeSettledError());
      return;
    }
    this.size += chunk.length;
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.size);
    this.settle({ kind: 'response', status: this.status, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    // After our own settle (deadline, abort, too large) the error is the echo of our abort.
    if (this.settled) return;
    this.settle(failureOf(error));
  }

  private readonly onTimeout = (): void => {
    this.settleAndAbort({ kind: 'failure', failure: 'timeout', message: `timeout after ${this.options.timeoutMs} ms` });
  };

  private readonly onCallerAbort = (): void => {
    this.settleAndAbort({ kind: 'failure', failure: 'aborted', message: 'aborted' });
  };

  private failTooLarge(controller: Dispatcher.DispatchController): void {
    this.settle({ kind: 'failure', failure: 'too_large', message: `response body over ${this.options.maxResponseBytes} bytes`, status: this.status });
    controller.abort(new ExchangeSettledError());
  }

  private settleAndAbort(result: HttpPostResult): void {
    if (this.settled) return;
    this.settle(result);
    this.controller?.abort(new ExchangeSettledError());
  }

  private settle(result: HttpPostResult): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.options.signal?.removeEventListener('abort', this.onCallerAbort);
    this.resolve(result);
  }
}

/** The reason we hand undici when we stop a request whose outcome is already decided. */
class ExchangeSettledError extends Error {
  constructor() {
    super('hook request no longer needed');
    this.name = 'ExchangeSettledError';
  }
}

/** Classifies an undici failure with a short, URL-free message. */
function failureOf(error: unknown): HttpPostResult {
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') return { kind: 'failure', failure: 'refused', message: 'connection refused' };
  // Certificate problems (self-signed, expired, wrong host) will not heal on a retry.
  if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL/.test(code)) return { kind: 'failure', failure: 'tls', message: `tls error ${code}` };
  return { kind: 'failure', failure: 'network', message: `network error ${code ?? 'unknown'}` };
}

/** The errno-style code of an undici error or of its cause (connect errors are wrapped). */
function errorCode(error: unknown): string | undefined {
  let fallback: string | undefined;
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (/^E[A-Z]/.test(code)) return code;
      fallback ??= code;
    }
    current = current.cause;
  }
  return fallback;
}
