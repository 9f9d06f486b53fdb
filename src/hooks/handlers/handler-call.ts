import { SrsError } from '../../errors.js';
import type { Logger } from '../../log.js';

/** Why a handler call gave no answer (the call is logged and skipped). */
export class HandlerError extends SrsError {
  constructor(
    code: 'ERR_HANDLER_THROW' | 'ERR_HANDLER_TIMEOUT',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The outcome of one guarded call. */
export type CallOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: HandlerError };

/**
 * Runs one handler call isolated (DESIGN.md: one that throws or hangs harms
 * only itself): a synchronous throw, a rejection and a promise that does not
 * settle within `timeoutMs` all come back as a logged failure; the call's
 * signal aborts at the timeout or when `outer` does. A call that never
 * settles is abandoned: nothing keeps a reference to it.
 */
export async function guardedCall<T>(
  logger: Logger,
  what: { readonly handler: string; readonly clientId: string },
  timeoutMs: number,
  outer: AbortSignal | undefined,
  call: (signal: AbortSignal) => T | PromiseLike<T>,
): Promise<CallOutcome<T>> {
  const timeout = new AbortController();
  const signal = outer === undefined ? timeout.signal : AbortSignal.any([outer, timeout.signal]);
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = call(signal);
    // A synchronous answer (the usual one) costs no timer.
    if (!isThenable(result)) return { ok: true, value: result };
    const expired = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => {
        timeout.abort(new HandlerError('ERR_HANDLER_TIMEOUT', `${what.handler} gave no answer in ${timeoutMs} ms`));
        resolve(TIMED_OUT);
      }, timeoutMs);
      timer.unref();
    });
    const value = await Promise.race([result, expired]);
    if (value === TIMED_OUT) {
      const error = new HandlerError('ERR_HANDLER_TIMEOUT', `${what.handler} gave no answer in ${timeoutMs} ms`);
      logger.warn({ handler: what.handler, client_id: what.clientId, code: error.code, timeout_ms: timeoutMs }, 'handler timed out, skipped');
      return { ok: false, error };
    }
    return { ok: true, value: value as T };
  } catch (cause) {
    const error = new HandlerError('ERR_HANDLER_THROW', `${what.handler} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    logger.warn({ handler: what.handler, client_id: what.clientId, code: error.code, err: error.message }, 'handler failed, skipped');
    return { ok: false, error };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

const TIMED_OUT = Symbol('timed out');

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
