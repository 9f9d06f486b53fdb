import type { Logger } from '../log.js';
import { findVhost, type Config } from '../config/schema.js';
import type { HlsSegmentEvent, NotifySink, SessionEvent } from './events.js';
import type { HookExecutor } from './executor.js';
import type { SrsBodyIds } from './srs-body.js';
import type { NotificationDelivery } from './delivery.js';

/** SRS reads the on_hls_notify answer for at most 10 s (srs_app_http_hooks.cpp:388-456). */
const NOTIFY_TIMEOUT_MS = 10_000;

/** What the sink needs; the hook system builds it. */
export interface SrsHlsHooksOptions {
  readonly getConfig: () => Config;
  readonly logger: Logger;
  readonly executor: HookExecutor;
  readonly ids: SrsBodyIds;
  /** Sends the notifications (headers, judging, retries, the spool); meters them as `http_hooks_hls`. */
  readonly delivery: NotificationDelivery;
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
      for (const url of hooks.onHls) this.submit(event, 'on_hls', url, { method: 'POST', body, timeoutMs, tlsVerify: hooks.tlsVerify });
    }
    for (const template of hooks.onHlsNotify) {
      const p = event.publisher;
      const url = notifyTarget(template, { ...this.options.ids, app: p.app, stream: p.stream, tsUrl: event.uri, param: p.param });
      this.submit(event, 'on_hls_notify', url, { method: 'GET', body: '', timeoutMs: Math.min(timeoutMs, NOTIFY_TIMEOUT_MS), tlsVerify: hooks.tlsVerify, truncateBytes: vhost.hls.nbNotify });
    }
  }

  private submit(event: HlsSegmentEvent, action: 'on_hls' | 'on_hls_notify', url: string, request: { method: 'POST' | 'GET'; body: string; timeoutMs: number; tlsVerify: boolean; truncateBytes?: number }): void {
    const clientId = event.publisher.clientId;
    this.options.delivery.submit(
      {
        sink: 'http_hooks_hls',
        event: action,
        url,
        ...request,
        // on_hls is judged as SRS judges any hook; on_hls_notify's answer is read (bounded) and ignored.
        judge: action === 'on_hls' ? 'srs' : 'any',
        chain: `${this.name}:${clientId}`,
        secret: { kind: 'vhost', vhost: event.publisher.vhost },
        clientId,
        fields: { seq_no: event.seq },
      },
      this.options.executor,
    );
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
