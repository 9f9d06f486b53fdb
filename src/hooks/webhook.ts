import type { Logger } from '../log.js';
import type { Config } from '../config/schema.js';
import type { NotifySink, SessionEvent } from './events.js';
import type { HookExecutor } from './executor.js';
import type { HookHttpClient } from './http-client.js';
import { toGuideEvent } from './guide-event.js';
import { isRetryableHttpFailure, logHookExecution, retryDelayMs } from './hook-execution.js';
import type { SinkMeter } from './sink-meter.js';

/**
 * Webhooks of the guide (`--hook-webhook "EVENT=http://..."`): POST the
 * event JSON with `Content-Type: application/json`. Any 2xx is a success;
 * the response body is read (bounded) and ignored. Failures are logged with
 * their status; transient ones are retried (hook-execution.ts).
 */

/** What the sink needs; the hook system builds it. */
export interface WebhookSinkOptions {
  readonly getConfig: () => Config;
  readonly logger: Logger;
  readonly client: HookHttpClient;
  readonly executor: HookExecutor;
  readonly meter: SinkMeter;
  readonly maxResponseBytes: number;
  readonly retryDelaysMs: readonly number[];
}

/** POSTs each guide event to every webhook registered for its type. */
export class WebhookSink implements NotifySink {
  readonly name = 'webhook';

  constructor(private readonly options: WebhookSinkOptions) {}

  notify(event: SessionEvent): void {
    const config = this.options.getConfig();
    if (config.hooks.webhooks.length === 0) return;
    const guide = toGuideEvent(event);
    if (guide === undefined) return;
    const targets = config.hooks.webhooks.filter((target) => target.event === guide.type);
    if (targets.length === 0) return;
    const body = JSON.stringify(guide);
    const timeoutMs = config.hooks.timeoutMs;
    const { executor, meter, logger, client } = this.options;
    for (const target of targets) {
      executor.submit(`${this.name}:${event.clientId}`, {
        run: async (attempt, signal) => {
          const startedMs = performance.now();
          const result = await client.post(target.target, body, {
            timeoutMs,
            maxResponseBytes: this.options.maxResponseBytes,
            tlsVerify: true,
            signal,
          });
          const ok = result.kind === 'response' && result.status >= 200 && result.status < 300;
          const timedOut = result.kind === 'failure' && result.failure === 'timeout';
          meter.attempt(guide.type, performance.now() - startedMs);
          logHookExecution(logger, {
            event: guide.type,
            sink: this.name,
            target: target.target,
            durationMs: performance.now() - startedMs,
            outcome: ok ? 'ok' : timedOut ? 'timeout' : 'failed',
            extra: () => ({
              conn_id: guide.conn_id,
              client_id: guide.client_id,
              attempt,
              ...(result.kind === 'response' ? { status: result.status } : { error: result.message }),
            }),
          });
          if (ok) {
            meter.outcome(guide.type, 'delivered');
            return;
          }
          const delayMs = isRetryableHttpFailure(result) ? retryDelayMs(this.options.retryDelaysMs, attempt) : undefined;
          if (delayMs !== undefined && !signal.aborted) {
            meter.outcome(guide.type, 'retried');
            return { retryAfterMs: delayMs };
          }
          meter.outcome(guide.type, timedOut ? 'timeout' : 'failed');
        },
        dropped: (reason) => {
          meter.outcome(guide.type, 'dropped');
          logger.error({ event: guide.type, sink: this.name, target: target.target, conn_id: guide.conn_id, reason }, 'hook dropped');
        },
      });
    }
  }
}
