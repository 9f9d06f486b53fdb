import { findVhost, type Config } from '../config/schema.js';
import type { HttpPostResult } from './http-client.js';
import { isRetryableHttpFailure, type HookOutcome } from './hook-execution.js';
import { judgeSrsResponse } from './srs-verdict.js';

/**
 * One HTTP notification as plain data: what a notify sink (SRS
 * on_close/on_unpublish/on_stop and on_hls/on_hls_notify, webhooks, lal
 * http_notify) wants sent, self-contained so the spool can write it to disk
 * and send it again after a restart without the sink that made it. The
 * secret is never stored: `secret` names where to read it from the live
 * config at each attempt.
 */

/** How an answer is judged: SRS's rule (200 and code 0), any 2xx, or any answer at all (on_hls_notify). */
export type NotificationJudge = 'srs' | '2xx' | 'any';

/** Which config block's `secret` signs the request. */
export type SecretRef = { readonly kind: 'vhost'; readonly vhost: string } | { readonly kind: 'hooks' } | { readonly kind: 'http_notify' };

export interface Notification {
  /** The meter of the sink: `http_hooks`, `http_hooks_hls`, `webhook`, `http_notify`. */
  readonly sink: string;
  /** SRS action, guide type or lal event. */
  readonly event: string;
  readonly method: 'POST' | 'GET';
  readonly url: string;
  /** The exact body ('' for a GET). */
  readonly body: string;
  readonly timeoutMs: number;
  readonly tlsVerify: boolean;
  readonly judge: NotificationJudge;
  /** Set for on_hls_notify: read at most this many bytes, then stop (hls_nb_notify). */
  readonly truncateBytes?: number | undefined;
  /** Executor chain: one per session × sink, so order holds. */
  readonly chain: string;
  readonly secret: SecretRef;
  readonly clientId: string;
  /** Extra fields for log lines (lal's session_id, SRS's seq_no, the guide's conn_id). */
  readonly fields?: Readonly<Record<string, string | number>> | undefined;
}

/** A notification with its identity: a server-wide sequence number, an id, and when it was emitted. */
export interface Envelope {
  readonly seq: number;
  readonly id: string;
  readonly createdMs: number;
  readonly n: Notification;
}

/** The live secret a notification is signed with, undefined when that block has none. */
export function secretOf(config: Config, ref: SecretRef): string | undefined {
  if (ref.kind === 'hooks') return config.hooks.secret;
  // `?.`: configs built by hand (embedding, tests) may predate the block.
  if (ref.kind === 'http_notify') return (config.httpNotify as Config['httpNotify'] | undefined)?.secret;
  return findVhost(config, ref.vhost)?.httpHooks.secret;
}

/** How one attempt ended. */
export interface AttemptVerdict {
  readonly ok: boolean;
  readonly outcome: HookOutcome;
  /** Undefined when ok. */
  readonly reason: string | undefined;
  /** The receiver did not act and may take it later: a refused or reset connection, a 5xx, a 429. */
  readonly retryable: boolean;
  readonly timedOut: boolean;
}

/** Judges one answer by the notification's rule. */
export function judgeAttempt(judge: NotificationJudge, result: HttpPostResult): AttemptVerdict {
  if (result.kind === 'failure') {
    const timedOut = result.failure === 'timeout';
    return { ok: false, outcome: timedOut ? 'timeout' : 'failed', reason: result.message, retryable: isRetryableHttpFailure(result), timedOut };
  }
  let reason: string | undefined;
  if (judge === 'srs') {
    const verdict = judgeSrsResponse(result.status, result.body);
    if (!verdict.ok) reason = verdict.reason;
  } else if (judge === '2xx' && (result.status < 200 || result.status >= 300)) {
    reason = `status ${result.status}`;
  }
  if (reason === undefined) return { ok: true, outcome: 'ok', reason: undefined, retryable: false, timedOut: false };
  return { ok: false, outcome: 'failed', reason, retryable: isRetryableHttpFailure(result), timedOut: false };
}
