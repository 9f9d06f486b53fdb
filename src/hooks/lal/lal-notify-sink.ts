import type { Logger } from '../../log.js';
import type { Config, HttpNotifyConfig, LalNotifyEvent } from '../../config/schema.js';
import type { HlsSegmentEvent, HlsSegmentOpenEvent, NotifySink, RelayEvent, ServerEvent, SessionEvent } from '../events.js';
import type { HookExecutor } from '../executor.js';
import type { SinkMeter } from '../sink-meter.js';
import type { NotificationDelivery } from '../delivery.js';
import { hlsMakeTsBody, lalInfoBody, relayEventBody, rtmpConnectBody, sessionEventBody, updateBody, type LalJson } from './lal-body.js';
import { lalPullSessionId, lalSessionId } from './lal-session.js';

/**
 * lalserver's HTTP Notify (lal-lssn-spec A1-A4): every event POSTed as
 * lal's JSON (lal-body.ts) to its URL in `http_notify`, read from the live
 * config at each event. Deliberate differences from lal, each one a
 * guarantee a lal receiver can only gain from (README "Differences from
 * lalserver"):
 * - a stop is never sent when its start was dropped, and every start that
 *   was not dropped gets its stop (kick, timeout, shutdown included): room
 *   for the stop is reserved when the start is queued;
 * - failures are retried as our other notifications are (a refused
 *   connection, a 5xx, a 429; never a timeout, the receiver may have acted);
 * - order is kept per session (lal: one global FIFO), sessions run in
 *   parallel up to `hooks.concurrency`;
 * - drops (`hooks.queue` full) are counted and logged, not silent.
 */

/** The stream's state after the change an event reports (lal computes has_in/has_out after the add or removal, A4). */
export interface LalGroupPort {
  /** Whether the event's stream has a publisher and a viewer other than an ending `event` client. */
  stateAfter(event: SessionEvent): { hasIn: boolean; hasOut: boolean };
}

/** What the sink needs; the hook system builds it. */
export interface LalNotifyOptions {
  readonly getConfig: () => Config;
  readonly logger: Logger;
  /** Sends the POSTs (headers, judging, retries, the spool); meters them as `http_notify`. */
  readonly delivery: NotificationDelivery;
  /** Its own executor: the sink bounds it itself (`hooks.queue`), with room kept for every pending stop. */
  readonly executor: HookExecutor;
  readonly meter: SinkMeter;
  readonly serverId: string;
  readonly binInfo: string;
  /** lal's `cwd` of on_hls_make_ts. */
  readonly cwd: string;
  readonly groups: LalGroupPort;
}

/** The start and stop of each pair, and which kind of pair it is. */
const PAIRS = {
  publish: { event: 'on_pub_start', kind: 'pub', start: true },
  unpublish: { event: 'on_pub_stop', kind: 'pub', start: false },
  play: { event: 'on_sub_start', kind: 'sub', start: true },
  stop: { event: 'on_sub_stop', kind: 'sub', start: false },
} as const;

/** One POST to make. */
interface Delivery {
  readonly event: LalNotifyEvent;
  readonly url: string;
  readonly body: string;
  readonly timeoutMs: number;
  /** Executor chain: one per session (or stream, or the server), so their order holds. */
  readonly chain: string;
  /** For log lines: lal's session id and ours, when the event has them. */
  readonly sessionId: string;
  readonly clientId: string;
}

/** The lalserver HTTP Notify sink. */
export class LalNotifySink implements NotifySink {
  readonly name = 'http_notify';
  /** Pairs (`<client>:pub`, `<client>:sub`, `<client>:pull`) whose start was not dropped: their stop is owed and has room kept for it. */
  private readonly open = new Set<string>();

  constructor(private readonly options: LalNotifyOptions) {}

  notify(event: SessionEvent): void {
    if (event.type !== 'publish' && event.type !== 'unpublish' && event.type !== 'play' && event.type !== 'stop') return;
    const config = this.config();
    if (config === undefined) return;
    const pair = PAIRS[event.type];
    const key = `${event.clientId}:${pair.kind}`;
    const url = config.urls[pair.event];
    if (pair.start) {
      if (url === undefined) {
        this.open.add(key);
        return;
      }
      const body = () => JSON.stringify(sessionEventBody(this.options.serverId, event, pair.kind === 'pub' ? 'PUB' : 'SUB', this.options.groups.stateAfter(event)));
      if (this.submit(this.delivery(pair.event, url, config, event, body), 2)) this.open.add(key);
      return;
    }
    // A stop whose start was dropped (or that began before http_notify was on) is not sent.
    if (!this.open.delete(key) || url === undefined) return;
    const body = () => JSON.stringify(sessionEventBody(this.options.serverId, event, pair.kind === 'pub' ? 'PUB' : 'SUB', this.options.groups.stateAfter(event)));
    this.submit(this.delivery(pair.event, url, config, event, body), 0);
  }

  /** on_rtmp_connect: sent as the connect arrives, before our reply; it never gates (lal's observer is void). */
  connectCommand(event: SessionEvent): void {
    const config = this.config();
    const url = config?.urls.on_rtmp_connect;
    if (config === undefined || url === undefined) return;
    this.submit(this.delivery('on_rtmp_connect', url, config, event, () => JSON.stringify(rtmpConnectBody(this.options.serverId, event))), 1);
  }

  segmentOpen(event: HlsSegmentOpenEvent): void {
    this.hls(event);
  }

  segment(event: HlsSegmentEvent): void {
    this.hls(event);
  }

  server(event: ServerEvent): void {
    const config = this.config();
    if (config === undefined) return;
    const { serverId, binInfo } = this.options;
    const lalEvent: LalNotifyEvent = event.type === 'server_start' ? 'on_server_start' : 'on_update';
    const url = config.urls[lalEvent];
    if (url === undefined) return;
    const body = (): LalJson => (event.type === 'server_start' ? lalInfoBody({ serverId, startedAtMs: event.startedAtMs, binInfo }) : updateBody(serverId, event.streams));
    this.submit({ event: lalEvent, url, body: JSON.stringify(body()), timeoutMs: config.timeoutMs, chain: `${this.name}:server`, sessionId: '', clientId: '' }, 1);
  }

  /** lal: one on_update right after the listeners start, then every `update_interval_sec` on a 1 s ticker (server_manager__.go:279-331). */
  wantsUpdate(tick: number): boolean {
    const config = this.config();
    if (config?.urls.on_update === undefined) return false;
    return tick === 0 || (config.updateIntervalSec > 0 && tick % config.updateIntervalSec === 0);
  }

  relay(event: RelayEvent): void {
    const config = this.config();
    if (config === undefined) return;
    const key = `${event.clientId}:pull`;
    const lalEvent: LalNotifyEvent = event.type === 'relay_start' ? 'on_relay_pull_start' : 'on_relay_pull_stop';
    const url = config.urls[lalEvent];
    const start = event.type === 'relay_start';
    if (!start && !this.open.delete(key)) return;
    if (url === undefined) {
      if (start) this.open.add(key);
      return;
    }
    const sent = this.submit(
      { event: lalEvent, url, body: JSON.stringify(relayEventBody(this.options.serverId, event)), timeoutMs: config.timeoutMs, chain: `${this.name}:${event.clientId}`, sessionId: lalPullSessionId(event.ordinal), clientId: event.clientId },
      start ? 2 : 0,
    );
    if (start && sent) this.open.add(key);
  }

  private hls(event: HlsSegmentEvent | HlsSegmentOpenEvent): void {
    const config = this.config();
    const url = config?.urls.on_hls_make_ts;
    if (config === undefined || url === undefined) return;
    const body = JSON.stringify(hlsMakeTsBody(this.options.serverId, event, this.options.cwd));
    this.submit({ event: 'on_hls_make_ts', url, body, timeoutMs: config.timeoutMs, chain: `${this.name}:hls:${event.publisher.clientId}`, sessionId: '', clientId: event.publisher.clientId }, 1);
  }

  /** http_notify when it is on (lal: `enable` false drops every event silently). */
  private config(): HttpNotifyConfig | undefined {
    // `?.`: configs built by hand (embedding, tests) may predate the block.
    const config = this.options.getConfig().httpNotify as HttpNotifyConfig | undefined;
    return config?.enabled === true ? config : undefined;
  }

  private delivery(event: LalNotifyEvent, url: string, config: HttpNotifyConfig, session: SessionEvent, body: () => string): Delivery {
    // The body is built now: has_in/has_out and the byte sums are those of the moment of the event (A4).
    return { event, url, body: body(), timeoutMs: config.timeoutMs, chain: `${this.name}:${session.clientId}`, sessionId: lalSessionId(session.protocol, session.ordinal), clientId: session.clientId };
  }

  /**
   * Queues one POST when `slots` more jobs fit beside those waiting and the
   * stops owed (a start takes 2: itself and its stop; a stop 0: its room is
   * kept). False, counted and logged, when it does not fit.
   */
  private submit(delivery: Delivery, slots: number): boolean {
    const { executor } = this.options;
    if (slots > 0 && executor.waiting + this.open.size + slots > this.options.getConfig().hooks.queueSize) {
      this.dropped(delivery, 'queue_full');
      return false;
    }
    // lal never reads the answer (http_notify.go:176-180): any 2xx is delivered, the body ignored, garbage included.
    return this.options.delivery.submit(
      {
        sink: this.name,
        event: delivery.event,
        method: 'POST',
        url: delivery.url,
        body: delivery.body,
        timeoutMs: delivery.timeoutMs,
        tlsVerify: true,
        judge: '2xx',
        chain: delivery.chain,
        secret: { kind: 'http_notify' },
        clientId: delivery.clientId,
        fields: { session_id: delivery.sessionId },
      },
      executor,
    );
  }

  private dropped(delivery: Delivery, reason: 'queue_full'): void {
    this.options.meter.outcome(delivery.event, 'dropped');
    this.options.logger.warn({ sink: this.name, event: delivery.event, session_id: delivery.sessionId, client_id: delivery.clientId, reason, dropped: this.options.meter.counts.dropped }, 'lal notify dropped');
  }
}
