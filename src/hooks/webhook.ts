import type { Logger } from '../log.js';
import type { Config } from '../config/schema.js';
import type { NotifySink, SessionEvent } from './events.js';
import type { HookExecutor } from './executor.js';
import { toGuideEvent } from './guide-event.js';
import type { NotificationDelivery } from './delivery.js';

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
  readonly executor: HookExecutor;
  /** Sends the POSTs (headers, judging, retries, the spool); meters them as `webhook`. */
  readonly delivery: NotificationDelivery;
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
    for (const target of targets) {
      this.options.delivery.submit(
        {
          sink: this.name,
          event: guide.type,
          method: 'POST',
          url: target.target,
          body,
          timeoutMs,
          tlsVerify: true,
          judge: '2xx',
          chain: `${this.name}:${event.clientId}`,
          secret: { kind: 'hooks' },
          clientId: guide.client_id,
          fields: { conn_id: guide.conn_id },
        },
        this.options.executor,
      );
    }
  }
}
