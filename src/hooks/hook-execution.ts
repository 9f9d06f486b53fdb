import type { Logger } from '../log.js';
import type { HttpPostResult } from './http-client.js';

/**
 * What every notify sink shares: its counters, the one `Hook execution` log
 * line per run (so the guide's `grep "Hook execution" | jq .duration_ms`
 * works), and the retry policy of HTTP notifications.
 */

/** Counters of one sink, exposed by `HookSystem.stats()`. */
export interface SinkStats {
  /** Runs that succeeded. */
  delivered: number;
  /** Runs that failed for good (after their retries). */
  failed: number;
  /** Jobs never run: queue full, output buffer full, or shut down first. */
  dropped: number;
  /** Extra attempts made after a retryable failure. */
  retried: number;
}

/** Fresh zeroed counters. */
export function createSinkStats(): SinkStats {
  return { delivered: 0, failed: 0, dropped: 0, retried: 0 };
}

/** How one run ended. */
export type HookOutcome = 'ok' | 'failed' | 'timeout';

/** Fields of the `Hook execution` line. */
export interface HookExecutionFields {
  /** Guide event type (`publish_start`) or SRS action (`on_publish`). */
  readonly event: string;
  readonly sink: string;
  /** Script path or URL (server-side log only; never sent to clients). */
  readonly target: string;
  readonly durationMs: number;
  readonly outcome: HookOutcome;
  /** Anything else worth a field (status, attempt, client_id, reason), built only when the line is written. */
  readonly extra?: () => Readonly<Record<string, unknown>>;
}

/** The level of a `Hook execution` line without an explicit one: callers test it before building costly fields. */
export function hookExecutionLevel(outcome: HookOutcome): 'info' | 'warn' {
  return outcome === 'ok' ? 'info' : 'warn';
}

/** Logs the single `Hook execution` line of a run: info when ok, warn otherwise (or `level`). */
export function logHookExecution(logger: Logger, fields: HookExecutionFields, level?: 'debug' | 'info' | 'warn'): void {
  const method = level ?? hookExecutionLevel(fields.outcome);
  // Built only when written: gates run per session, and production runs at warn.
  if (!logger.isLevelEnabled(method)) return;
  const line = {
    event: fields.event,
    sink: fields.sink,
    target: fields.target,
    duration_ms: Math.round(fields.durationMs),
    outcome: fields.outcome,
    ...fields.extra?.(),
  };
  logger[method](line, 'Hook execution');
}

/**
 * Backoff of failed HTTP notifications: two retries, 1 s then 3 s. SRS never
 * retries; we do for transient failures only, see `isRetryableHttpFailure`.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = Object.freeze([1_000, 3_000]);

/**
 * Retry a refused/reset connection, a 5xx or a 429: the receiver did not act.
 * Not a timeout (it may have acted and is slow: retrying piles on), not a 4xx
 * or a non-zero SRS code (the same request gets the same answer).
 */
export function isRetryableHttpFailure(result: HttpPostResult): boolean {
  if (result.kind === 'response') return result.status >= 500 || result.status === 429;
  return result.failure === 'refused' || result.failure === 'network';
}

/** The delay before attempt `attempt + 1`, or undefined when no retry is left. */
export function retryDelayMs(delaysMs: readonly number[], attempt: number): number | undefined {
  return delaysMs[attempt - 1];
}
