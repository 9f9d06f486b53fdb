import type { Logger } from '../log.js';
import type { Config, SpoolConfig } from '../config/schema.js';
import type { HookExecutor, RetryRequest } from './executor.js';
import type { HookHttpClient, HttpPostResult } from './http-client.js';
import { logHookExecution, retryDelayMs } from './hook-execution.js';
import type { EventIds } from './event-ids.js';
import { judgeAttempt, secretOf, type AttemptVerdict, type Envelope, type Notification } from './notification.js';
import { HOOK_HEADERS, signatureHeaders } from './signature.js';
import type { SinkMeter } from './sink-meter.js';
import { spoolRetryDelayMs } from './spool/backoff.js';
import type { DoneOutcome } from './spool/record-codec.js';
import type { Spool, SpoolRejection, SpoolStats } from './spool/spool.js';

/**
 * Sends the notifications of every HTTP notify sink (SRS on_close/
 * on_unpublish/on_stop and on_hls/on_hls_notify, webhooks, lal
 * http_notify): one place for the request headers (event id and sequence,
 * the signature), the judging, the `Hook execution` line, the counters and
 * the retry policy. Without a spool a failure that the receiver did not act
 * on is retried after `retryDelaysMs` (1 s, 3 s), from memory. With
 * `hooks { spool DIR; }` each notification is written to the spool before
 * its first attempt and retried, timeouts included, with exponential
 * backoff and jitter until delivered or `spool_max_age` old; what is
 * pending at start is sent again. Gates never come here.
 */

export interface DeliveryOptions {
  readonly getConfig: () => Config;
  readonly logger: Logger;
  readonly client: HookHttpClient;
  /** The meter of each sink by name (`http_hooks`, `webhook` ...). */
  readonly meterOf: (sink: string) => SinkMeter;
  readonly retryDelaysMs: readonly number[];
  readonly maxResponseBytes: number;
  readonly ids: EventIds;
  /** Present when `hooks { spool DIR; }` was set at start. */
  readonly spool?: { readonly spool: Spool; readonly executor: HookExecutor; readonly config: SpoolConfig } | undefined;
  /** Jitter source; tests pin it. */
  readonly random?: () => number;
}

/** Spool counters on top of the spool's own (metrics, logs). */
export interface DeliverySpoolStats extends SpoolStats {
  /** Notifications not written to the spool, by why: sent from memory only. */
  readonly notSpooled: Readonly<Record<SpoolRejection, number>>;
  /** Given up after spool_max_age. */
  readonly expired: number;
}

/** The log line names of each sink (as they were before the spool, which tests and operators grep). */
const LOG_NAME: Readonly<Record<string, { readonly sink: string; readonly failed: string; readonly dropped: string; readonly quiet: boolean }>> = {
  http_hooks: { sink: 'http_hooks', failed: 'http hook notification failed', dropped: 'http hook notification dropped', quiet: false },
  http_hooks_hls: { sink: 'http_hooks', failed: 'http hook notification failed', dropped: 'http hook notification dropped', quiet: false },
  webhook: { sink: 'webhook', failed: 'webhook notification failed', dropped: 'hook dropped', quiet: false },
  // lal's notify runs at every segment and update: its successes go to debug.
  http_notify: { sink: 'http_notify', failed: 'lal notify failed', dropped: 'lal notify dropped', quiet: true },
};

const FALLBACK_NAME = { sink: 'hook', failed: 'hook notification failed', dropped: 'hook dropped', quiet: false };

export class NotificationDelivery {
  private readonly notSpooled: Record<SpoolRejection, number> = { full: 0, unavailable: 0 };
  private expired = 0;
  /** Notifications the spool refused, held in memory (bounded by hooks.queue). */
  private volatile = 0;
  private lastRejectLogMs = 0;
  private readonly random: () => number;

  constructor(private readonly options: DeliveryOptions) {
    this.random = options.random ?? Math.random;
  }

  /** Whether notifications go through the spool. */
  get spooled(): boolean {
    return this.options.spool !== undefined;
  }

  /** Queues one notification (on `executor` without a spool); false when it was dropped. */
  submit(n: Notification, executor: HookExecutor): boolean {
    const { seq, id } = this.options.ids.next();
    const envelope: Envelope = { seq, id, createdMs: Date.now(), n };
    const spool = this.options.spool;
    if (spool === undefined) return executor.submit(n.chain, this.memoryJob(envelope));
    const appended = spool.spool.append(envelope);
    if (appended.kind === 'spooled') return spool.executor.submit(n.chain, this.spooledJob(envelope, appended.durable));
    this.notSpooled[appended.reason]++;
    const nowMs = Date.now();
    // Counted every time; logged at most once a second (a full spool refuses every event).
    if (nowMs - this.lastRejectLogMs >= 1000) {
      this.lastRejectLogMs = nowMs;
      this.options.logger.error({ sink: this.nameOf(n).sink, event: n.event, reason: appended.reason, not_spooled: this.notSpooled[appended.reason] }, appended.reason === 'full' ? 'spool full: newest notification not spooled, sent from memory only' : 'spool unavailable: notification sent from memory only');
    }
    if (this.volatile >= this.options.getConfig().hooks.queueSize) {
      this.dropped(envelope, 'queue_full');
      return false;
    }
    this.volatile++;
    const job = this.memoryJob(envelope);
    return spool.executor.submit(n.chain, {
      run: async (attempt, signal) => {
        const retry = await job.run(attempt, signal);
        if (retry === undefined) this.volatile--;
        return retry;
      },
      dropped: (reason) => {
        this.volatile--;
        job.dropped(reason);
      },
    });
  }

  /** Sends again what the spool held at start, oldest first (each keeps its seq and id). */
  resume(pending: readonly Envelope[]): void {
    const spool = this.options.spool;
    if (spool === undefined) return;
    for (const envelope of pending) spool.executor.submit(envelope.n.chain, this.spooledJob(envelope, Promise.resolve(true)));
  }

  /** The spool's numbers; undefined without a spool. */
  spoolStats(): DeliverySpoolStats | undefined {
    const spool = this.options.spool;
    if (spool === undefined) return undefined;
    return { ...spool.spool.stats(), notSpooled: { ...this.notSpooled }, expired: this.expired };
  }

  /** One attempt: POST (or GET) with the identity and signature headers, judged by the notification's rule. */
  async attempt(envelope: Envelope, attempt: number, signal: AbortSignal): Promise<{ verdict: AttemptVerdict; result: HttpPostResult }> {
    const { n } = envelope;
    const headers = requestHeaders(secretOf(this.options.getConfig(), n.secret), n.body, envelope);
    const options = {
      timeoutMs: n.timeoutMs,
      maxResponseBytes: n.truncateBytes ?? this.options.maxResponseBytes,
      truncate: n.truncateBytes !== undefined,
      tlsVerify: n.tlsVerify,
      signal,
      headers,
    };
    const meter = this.options.meterOf(n.sink);
    const startedMs = performance.now();
    const result = n.method === 'GET' ? await this.options.client.get(n.url, options) : await this.options.client.post(n.url, n.body, options);
    meter.attempt(n.event, performance.now() - startedMs);
    const verdict = judgeAttempt(n.judge, result);
    const name = this.nameOf(n);
    logHookExecution(
      this.options.logger,
      {
        event: n.event,
        sink: name.sink,
        target: n.url,
        durationMs: performance.now() - startedMs,
        outcome: verdict.outcome,
        extra: () => ({
          client_id: n.clientId,
          ...n.fields,
          attempt,
          event_seq: envelope.seq,
          ...(result.kind === 'response' ? { status: result.status } : { error: result.message }),
          ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
          ...(!verdict.ok && result.kind === 'response' && n.judge === 'srs' ? { response: result.body.toString('utf8', 0, 256) } : {}),
        }),
      },
      verdict.ok && name.quiet ? 'debug' : undefined,
    );
    return { verdict, result };
  }

  /** Without a spool: the retry policy of before (two retries of what the receiver did not act on). */
  private memoryJob(envelope: Envelope) {
    const { n } = envelope;
    const meter = this.options.meterOf(n.sink);
    return {
      run: async (attempt: number, signal: AbortSignal): Promise<RetryRequest | undefined> => {
        const { verdict } = await this.attempt(envelope, attempt, signal);
        if (verdict.ok) {
          meter.outcome(n.event, 'delivered');
          return undefined;
        }
        const delayMs = verdict.retryable ? retryDelayMs(this.options.retryDelaysMs, attempt) : undefined;
        if (delayMs !== undefined && !signal.aborted) {
          meter.outcome(n.event, 'retried');
          return { retryAfterMs: delayMs };
        }
        meter.outcome(n.event, verdict.timedOut ? 'timeout' : 'failed');
        this.failed(envelope, attempt, verdict.reason);
        return undefined;
      },
      dropped: (reason: 'queue_full' | 'closed') => this.dropped(envelope, reason),
    };
  }

  /** With the spool: written first, retried until delivered or expired, marked done at its end. */
  private spooledJob(envelope: Envelope, durable: Promise<boolean>) {
    const { n } = envelope;
    const meter = this.options.meterOf(n.sink);
    const spool = this.options.spool!;
    const end = (outcome: DoneOutcome): undefined => {
      spool.spool.markDone(envelope.seq, outcome);
      return undefined;
    };
    return {
      run: async (attempt: number, signal: AbortSignal): Promise<RetryRequest | undefined> => {
        // The write-ahead rule: on disk (or known not to be) before the first attempt.
        if (attempt === 1) await durable;
        const settings = this.options.getConfig().hooks.spool ?? spool.config;
        if (Date.now() - envelope.createdMs > settings.maxAgeMs) {
          this.expired++;
          meter.outcome(n.event, 'failed');
          this.options.logger.warn({ sink: this.nameOf(n).sink, event: n.event, url: n.url, client_id: n.clientId, event_seq: envelope.seq, event_id: envelope.id, attempts: attempt - 1, age_ms: Date.now() - envelope.createdMs }, 'spooled notification expired');
          return end('expired');
        }
        const { verdict } = await this.attempt(envelope, attempt, signal);
        if (verdict.ok) {
          meter.outcome(n.event, 'delivered');
          return end('delivered');
        }
        // Closing: leave it pending on disk, the next start sends it.
        if (signal.aborted) return undefined;
        // Timeouts too: the receiver dedupes by event id, so a second copy is harmless and a lost one is not.
        if (verdict.retryable || verdict.timedOut) {
          meter.outcome(n.event, 'retried');
          return { retryAfterMs: spoolRetryDelayMs(attempt, settings.retryMinMs, settings.retryMaxMs, this.random) };
        }
        meter.outcome(n.event, 'failed');
        this.failed(envelope, attempt, verdict.reason);
        return end('failed');
      },
      // Closed: it stays pending in the spool for the next start.
      dropped: (reason: 'queue_full' | 'closed') => {
        if (reason !== 'closed') this.dropped(envelope, reason);
      },
    };
  }

  private failed(envelope: Envelope, attempts: number, reason: string | undefined): void {
    const { n } = envelope;
    const name = this.nameOf(n);
    const line = { sink: name.sink, event: n.event, action: n.event, url: n.url, client_id: n.clientId, ...n.fields, attempts, reason, event_seq: envelope.seq, event_id: envelope.id };
    if (name.quiet) this.options.logger.warn(line, name.failed);
    else this.options.logger.error(line, name.failed);
  }

  private dropped(envelope: Envelope, reason: 'queue_full' | 'closed'): void {
    const { n } = envelope;
    const meter = this.options.meterOf(n.sink);
    meter.outcome(n.event, 'dropped');
    const name = this.nameOf(n);
    const line = { sink: name.sink, event: n.event, action: n.event, url: n.url, client_id: n.clientId, ...n.fields, reason, dropped: meter.counts.dropped };
    if (name.quiet) this.options.logger.warn(line, name.dropped);
    else this.options.logger.error(line, name.dropped);
  }

  private nameOf(n: Notification): { sink: string; failed: string; dropped: string; quiet: boolean } {
    return LOG_NAME[n.sink] ?? FALLBACK_NAME;
  }
}

/** The identity headers of every hook request, and the signature when there is a secret. */
export function requestHeaders(secret: string | undefined, body: string, identity: { readonly seq: number; readonly id: string }): Record<string, string> {
  const headers: Record<string, string> = { [HOOK_HEADERS.eventId]: identity.id, [HOOK_HEADERS.eventSeq]: String(identity.seq) };
  return secret === undefined ? headers : { ...headers, ...signatureHeaders(secret, Math.floor(Date.now() / 1000), body) };
}
