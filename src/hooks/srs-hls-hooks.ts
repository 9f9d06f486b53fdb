import type { Logger } from '../log.js';
import { findVhost, type Config } from '../config/schema.js';
import type { HlsSegmentEvent, NotifySink, SessionEvent } from './events.js';
import type { HookExecutor } from './executor.js';
import type { HookHttpClient, HttpPostResult } from './http-client.js';
import { isRetryableHttpFailure, logHookExecution, retryDelayMs, type HookOutcome } from './hook-execution.js';
import type { SinkMeter } from './sink-meter.js';
import type { SrsBodyIds } from './srs-body.js';
import { judgeSrsResponse } from './srs-verdict.js';

/** SRS reads the on_hls_notify answer for at most 10 s (srs_app_http_hooks.cpp:388-456). */
const NOTIFY_TIMEOUT_MS = 10_000;

/** What the sink needs; the hook system builds it. */
export interface SrsHlsHooksOptions {
  readonly getConfig: () => Config;
  readonly logger: Logger;
  readonly client: HookHttpClient;
  readonly executor: HookExecutor;
  readonly ids: SrsBodyIds;
  readonly maxResponseBytes: number;
  readonly retryDelaysMs: readonly number[];
  readonly meter: SinkMeter;
  /** The server's working directory, SRS's `cwd` field. */
  readonly cwd: string;
}

/**
 * SRS `on_hls` and `on_hls_notify` (srs-wave2-spec §2.6): after each listed
 * segment, a POST of SRS's body to every on_hls URL (judged as SRS judges
 * any hook: 200 and `0`; a failure is retried and logged, it never touches
 * the stream) and a GET of every on_hls_notify URL with `[ts_url]` and its
 * siblings filled in, reading at most `hls_nb_notify` bytes, status ignored.
 * Both run on the SRS hooks' executor, in order per publisher.
 */
export class SrsHlsHooksSink implements NotifySink {
  readonly name = 'http_hooks';

  constructor(private readonly options: SrsHlsHooksOptions) {}

  notify(_event: SessionEvent): void {
    // Session events are the other SRS sink's (srs-http-hooks.ts).
  }

  segment(event: HlsSegmentEvent): void {
    const vhost = findVhost(this.options.getConfig(), event.publisher.vhost);
    const hooks = vhost?.httpHooks;
    if (vhost === undefined || hooks === undefined || !hooks.enabled) return;
    const timeoutMs = hooks.timeoutMs ?? this.options.getConfig().hooks.timeoutMs;
    if (hooks.onHls.length > 0) {
      const body = encodeOnHlsBody(event, this.options.ids, this.options.cwd);
      for (const url of hooks.onHls) this.submit(event, 'on_hls', url, (signal) => this.options.client.post(url, body, { timeoutMs, maxResponseBytes: this.options.maxResponseBytes, tlsVerify: hooks.tlsVerify, signal }), true);
    }
    for (const template of hooks.onHlsNotify) {
      const p = event.publisher;
      const url = notifyTarget(template, { ...this.options.ids, app: p.app, stream: p.stream, tsUrl: event.uri, param: p.param });
      this.submit(event, 'on_hls_notify', url, (signal) =>
        this.options.client.get(url, { timeoutMs: Math.min(timeoutMs, NOTIFY_TIMEOUT_MS), maxResponseBytes: vhost.hls.nbNotify, truncate: true, tlsVerify: hooks.tlsVerify, signal }), false);
    }
  }

  private submit(event: HlsSegmentEvent, action: 'on_hls' | 'on_hls_notify', url: string, call: (signal: AbortSignal) => Promise<HttpPostResult>, judge: boolean): void {
    const { executor, meter, logger, retryDelaysMs } = this.options;
    const clientId = event.publisher.clientId;
    executor.submit(`${this.name}:${clientId}`, {
      run: async (attempt, signal) => {
        const startedMs = performance.now();
        const result = await call(signal);
        meter.attempt(action, performance.now() - startedMs);
        let reason: string | undefined;
        let outcome: HookOutcome = 'ok';
        if (result.kind === 'failure') {
          reason = result.message;
          outcome = result.failure === 'timeout' ? 'timeout' : 'failed';
        } else if (judge) {
          const verdict = judgeSrsResponse(result.status, result.body);
          if (!verdict.ok) {
            reason = verdict.reason;
            outcome = 'failed';
          }
        }
        logHookExecution(logger, {
          event: action,
          sink: this.name,
          target: url,
          durationMs: performance.now() - startedMs,
          outcome,
          extra: () => ({ client_id: clientId, seq_no: event.seq, attempt, ...(result.kind === 'response' ? { status: result.status } : {}), ...(reason === undefined ? {} : { reason }) }),
        });
        if (reason === undefined) {
          meter.outcome(action, 'delivered');
          return;
        }
        const delayMs = isRetryableHttpFailure(result) ? retryDelayMs(retryDelaysMs, attempt) : undefined;
        if (delayMs !== undefined && !signal.aborted) {
          meter.outcome(action, 'retried');
          return { retryAfterMs: delayMs };
        }
        meter.outcome(action, outcome === 'timeout' ? 'timeout' : 'failed');
        logger.error({ sink: this.name, action, url, client_id: clientId, seq_no: event.seq, attempts: attempt, reason }, 'http hook notification failed');
      },
      dropped: (reason) => {
        meter.outcome(action, 'dropped');
        logger.error({ sink: this.name, action, url, client_id: clientId, reason }, 'http hook notification dropped');
      },
    });
  }
}

/**
 * SRS's on_hls body, field names and order as srs_app_http_hooks.cpp:333-386
 * writes them; `duration` with two decimals (`%.2f`), `seq_no` an integer.
 */
export function encodeOnHlsBody(event: HlsSegmentEvent, ids: SrsBodyIds, cwd: string): string {
  const p = event.publisher;
  const head = JSON.stringify({
    server_id: ids.serverId,
    service_id: ids.serviceId,
    action: 'on_hls',
    client_id: p.clientId,
    ip: p.ip,
    vhost: p.vhost,
    app: p.app,
    tcUrl: p.tcUrl,
    stream: p.stream,
    param: p.param,
  });
  const tail = JSON.stringify({
    cwd,
    file: event.file,
    url: event.url,
    m3u8: event.m3u8,
    m3u8_url: event.m3u8Url,
    seq_no: event.seq,
    stream_url: p.streamUrl,
    stream_id: p.streamId === '' ? undefined : p.streamId,
  });
  return `${head.slice(0, -1)},"duration":${event.duration.toFixed(2)},${tail.slice(1)}`;
}

/** on_hls_notify's URL for one segment (srs-wave2-spec §2.6). */
export function notifyTarget(template: string, vars: { serverId: string; serviceId: string; app: string; stream: string; tsUrl: string; param: string }): string {
  // A segment URI that is already an http(s) URL replaces the configured URL (CDN warm-up of the segment itself).
  if (/^https?:\/\//i.test(vars.tsUrl)) return vars.tsUrl;
  return template
    .replaceAll('[server_id]', vars.serverId)
    .replaceAll('[service_id]', vars.serviceId)
    .replaceAll('[app]', vars.app)
    .replaceAll('[stream]', vars.stream)
    .replaceAll('[ts_url]', vars.tsUrl)
    .replaceAll('[param]', vars.param);
}
