import type { Logger } from '../log.js';
import { findVhost, type Config, type HttpHooksConfig } from '../config/schema.js';
import { ALLOW, type GateControl, type GateSink, type GateVerdict, type NotifySink, type SessionEvent } from './events.js';
import { encodeSrsHookBody, SRS_ACTION_BY_EVENT, type SrsBodyIds, type SrsHookAction } from './srs-body.js';
import { judgeSrsResponse } from './srs-verdict.js';
import type { HookHttpClient } from './http-client.js';
import type { HookExecutor } from './executor.js';
import { hookExecutionLevel, isRetryableHttpFailure, logHookExecution, type HookOutcome } from './hook-execution.js';
import type { SinkMeter } from './sink-meter.js';
import { requestHeaders, type NotificationDelivery } from './delivery.js';
import type { EventIds } from './event-ids.js';

/**
 * SRS `http_hooks` (srs-spec §1): on_connect/on_publish/on_play gate the
 * session; on_close/on_unpublish/on_stop are notifications. The vhost's
 * settings are read from the live config at every event, so a reload applies
 * to the next event (get_vhost_http_hooks_enabled is evaluated per event).
 */

type UrlListKey = 'onConnect' | 'onClose' | 'onPublish' | 'onUnpublish' | 'onPlay' | 'onStop';

/** The directive of each action inside `http_hooks { }`. */
const DIRECTIVE: Readonly<Record<SrsHookAction, UrlListKey & keyof HttpHooksConfig>> = {
  on_connect: 'onConnect',
  on_close: 'onClose',
  on_publish: 'onPublish',
  on_unpublish: 'onUnpublish',
  on_play: 'onPlay',
  on_stop: 'onStop',
};

const GATED: ReadonlySet<SrsHookAction> = new Set(['on_connect', 'on_publish', 'on_play']);

/** What the sink needs; the hook system builds it. */
export interface SrsHttpHooksOptions {
  readonly getConfig: () => Config;
  readonly logger: Logger;
  readonly client: HookHttpClient;
  /** Runs the notifications (bounded, per-session FIFO). */
  readonly executor: HookExecutor;
  readonly ids: SrsBodyIds;
  readonly maxResponseBytes: number;
  readonly meter: SinkMeter;
  /** Sends the notifications (headers, retries, the spool). */
  readonly delivery: NotificationDelivery;
  /** Gate requests carry an event id and sequence too. */
  readonly eventIds: EventIds;
}

/** Why a call did not pass. */
interface CallFailure {
  readonly reason: string;
  readonly retryable: boolean;
  readonly outcome: HookOutcome;
  /** The receiver answered and refused (a non-200 status or a non-zero code), as opposed to no usable answer. */
  readonly denied: boolean;
}

/** One call, resolved from the config in force when the event happened. */
interface CallPlan {
  readonly action: SrsHookAction;
  readonly urls: readonly string[];
  readonly body: string;
  readonly timeoutMs: number;
  readonly tlsVerify: boolean;
  readonly secret: string | undefined;
}

/** The SRS http_hooks sink: gate for connect/publish/play, notifier for close/unpublish/stop. */
export class SrsHttpHooksSink implements GateSink, NotifySink {
  readonly name = 'http_hooks';

  constructor(private readonly options: SrsHttpHooksOptions) {}

  /** True when the event's directive lists URLs in its vhost's enabled http_hooks. */
  wantsGate(event: SessionEvent): boolean {
    const action = SRS_ACTION_BY_EVENT[event.type];
    return action !== undefined && GATED.has(action) && (this.enabledHooks(event)?.[DIRECTIVE[action]].length ?? 0) > 0;
  }

  /**
   * Every URL of the directive, in config order, one after another; the first
   * failure denies and later URLs are not called (srs-spec §1.2).
   */
  async gate(event: SessionEvent, signal: AbortSignal): Promise<GateVerdict> {
    const plan = this.plan(event);
    if (plan === undefined || !GATED.has(plan.action)) return ALLOW;
    const { meter } = this.options;
    // Each URL's answer may add control (issue 17); a later URL's field wins over an earlier one's.
    let control: GateControl | undefined;
    const takeControl = (next: GateControl): void => {
      control = { ...control, ...next };
    };
    for (const url of plan.urls) {
      if (signal.aborted) return { allow: false, hook: plan.action, reason: `${plan.action} aborted: session closed` };
      const failure = await this.call(plan, url, event, signal, 1, takeControl);
      if (failure !== undefined) {
        meter.outcome(plan.action, failure.outcome === 'timeout' ? 'timeout' : failure.denied ? 'denied' : 'failed');
        return { allow: false, hook: plan.action, reason: `${plan.action} denied: ${failure.reason}` };
      }
    }
    meter.outcome(plan.action, 'allowed');
    return control === undefined ? ALLOW : { allow: true, control };
  }

  /** Queues on_close/on_unpublish/on_stop to every URL; returns at once. */
  notify(event: SessionEvent): void {
    // on_close needs a parsed `connect` (srs-spec §1.6): without a tcUrl, SRS fires nothing;
    // HTTP viewers get on_play/on_stop only, no on_connect/on_close (srs-wave2-spec §1.6).
    if (event.type === 'close' && (event.tcUrl === '' || event.protocol !== 'rtmp')) return;
    // connect/publish/play reach every notifier too; their call was the gate's.
    const action = SRS_ACTION_BY_EVENT[event.type];
    if (action === undefined || GATED.has(action)) return;
    const plan = this.plan(event);
    if (plan === undefined) return;
    for (const url of plan.urls) {
      this.options.delivery.submit(
        {
          sink: this.name,
          event: plan.action,
          method: 'POST',
          url,
          body: plan.body,
          timeoutMs: plan.timeoutMs,
          tlsVerify: plan.tlsVerify,
          judge: 'srs',
          chain: `${this.name}:${event.clientId}`,
          secret: { kind: 'vhost', vhost: event.vhost },
          clientId: event.clientId,
        },
        this.options.executor,
      );
    }
  }

  /** The event's vhost's http_hooks from the config in force, when enabled. */
  private enabledHooks(event: SessionEvent): HttpHooksConfig | undefined {
    const hooks = findVhost(this.options.getConfig(), event.vhost)?.httpHooks;
    return hooks?.enabled === true ? hooks : undefined;
  }

  private plan(event: SessionEvent): CallPlan | undefined {
    const action = SRS_ACTION_BY_EVENT[event.type];
    if (action === undefined) return undefined;
    const hooks = this.enabledHooks(event);
    if (hooks === undefined) return undefined;
    const urls = hooks[DIRECTIVE[action]];
    if (urls.length === 0) return undefined;
    return {
      action,
      urls: [...urls],
      body: encodeSrsHookBody(action, event, this.options.ids),
      timeoutMs: hooks.timeoutMs ?? this.options.getConfig().hooks.timeoutMs,
      tlsVerify: hooks.tlsVerify,
      secret: hooks.secret,
    };
  }

  /**
   * One POST + SRS verdict; logs the URL server-side. Resolves undefined when
   * it passed; `denied` when the server answered and refused (not 200 `0`).
   */
  private async call(
    plan: CallPlan,
    url: string,
    event: SessionEvent,
    signal: AbortSignal,
    attempt: number,
    /** Gates only: told of the control an allowing answer carries. */
    onControl?: (control: GateControl) => void,
  ): Promise<CallFailure | undefined> {
    const startedMs = performance.now();
    const result = await this.options.client.post(url, plan.body, {
      timeoutMs: plan.timeoutMs,
      maxResponseBytes: this.options.maxResponseBytes,
      tlsVerify: plan.tlsVerify,
      signal,
      headers: requestHeaders(plan.secret, plan.body, this.options.eventIds.next()),
    });
    this.options.meter.attempt(plan.action, performance.now() - startedMs);
    let failure: CallFailure | undefined;
    let outcome: HookOutcome = 'ok';
    if (result.kind === 'failure') {
      outcome = result.failure === 'timeout' ? 'timeout' : 'failed';
      failure = { reason: result.message, retryable: isRetryableHttpFailure(result), outcome, denied: false };
    } else {
      const verdict = judgeSrsResponse(result.status, result.body);
      if (!verdict.ok) {
        outcome = 'failed';
        failure = { reason: verdict.reason, retryable: isRetryableHttpFailure(result), outcome, denied: true };
      } else {
        // A `data` field of the wrong type: logged, and the allow stands (issue 17).
        if (verdict.ignored !== undefined) this.options.logger.warn({ sink: this.name, action: plan.action, url, client_id: event.clientId, ignored: verdict.ignored }, 'http hook answer data ignored');
        if (verdict.control !== undefined) onControl?.(verdict.control);
      }
    }
    // Gates run per session and production logs at warn: build the line only when it is written.
    if (!this.options.logger.isLevelEnabled(hookExecutionLevel(outcome))) return failure;
    logHookExecution(this.options.logger, {
      event: plan.action,
      sink: this.name,
      target: url,
      durationMs: performance.now() - startedMs,
      outcome,
      extra: () => ({
        client_id: event.clientId,
        attempt,
        ...(result.kind === 'response' ? { status: result.status } : {}),
        ...(failure === undefined ? {} : { reason: failure.reason }),
        ...(failure !== undefined && result.kind === 'response' ? { response: result.body.toString('utf8', 0, 256) } : {}),
      }),
    });
    return failure;
  }
}
