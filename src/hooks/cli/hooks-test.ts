import { findVhost, type Config } from '../../config/schema.js';
import type { SessionEvent, SessionEventType } from '../events.js';
import type { HookHttpClient } from '../http-client.js';
import { encodeSrsHookBody, type SrsHookAction } from '../srs-body.js';
import { toGuideEvent } from '../guide-event.js';
import { judgeAttempt, secretOf, type NotificationJudge, type SecretRef } from '../notification.js';
import { requestHeaders } from '../delivery.js';
import { lalInfoBody, rtmpConnectBody, sessionEventBody, updateBody } from '../lal/lal-body.js';
import type { EventIds } from '../event-ids.js';

/**
 * `srs hooks test`: one synthetic event to every configured hook URL
 * (http_hooks of each vhost, webhooks, lal http_notify), signed and
 * identified as the server would, each judged as the server judges it. The
 * request also carries `X-Srs-Hooks-Test: 1` so a receiver can tell.
 */

/** One row of the report. */
export interface HookTestRow {
  readonly scope: string;
  readonly event: string;
  readonly url: string;
  readonly ok: boolean;
  readonly status: number | undefined;
  readonly ms: number;
  readonly verdict: string;
  readonly effect: string;
}

const GATES: ReadonlySet<string> = new Set(['on_connect', 'on_publish', 'on_play']);
const SRS_ACTIONS: ReadonlyArray<readonly [SrsHookAction, 'onConnect' | 'onPublish' | 'onPlay' | 'onUnpublish' | 'onStop' | 'onClose', SessionEventType]> = [
  ['on_connect', 'onConnect', 'connect'],
  ['on_publish', 'onPublish', 'publish'],
  ['on_play', 'onPlay', 'play'],
  ['on_unpublish', 'onUnpublish', 'unpublish'],
  ['on_stop', 'onStop', 'stop'],
  ['on_close', 'onClose', 'close'],
];

/** A made-up client of `vhost`: app `live`, stream `hooks-test`. */
export function syntheticEvent(type: SessionEventType, vhost: string): SessionEvent {
  return {
    type, seq: 1, timeMs: Date.now(), clientId: 'hookstst', connId: 'c000000', protocol: 'rtmp', ordinal: 1, ip: '127.0.0.1', port: 50000,
    serverIp: '127.0.0.1', serverPort: 1935, vhost, app: 'live', stream: 'hooks-test', param: '', tcUrl: 'rtmp://127.0.0.1:1935/live', pageUrl: '',
    flashVer: 'srs hooks test', streamUrl: '/live/hooks-test', streamId: '', publishType: 'live', clientType: type === 'play' || type === 'stop' ? 'rtmp-play' : 'fmle-publish',
    sendBytes: 0, recvBytes: 0, reason: type === 'close' ? 'client_close' : undefined, detail: 'srs hooks test',
  };
}

interface Probe {
  readonly scope: string;
  readonly event: string;
  readonly url: string;
  readonly body: string;
  readonly judge: NotificationJudge;
  readonly secret: SecretRef;
  readonly timeoutMs: number;
  readonly tlsVerify: boolean;
  readonly gate: boolean;
}

/** Every probe the config names; `vhost` narrows http_hooks to one vhost. */
export function probesOf(config: Config, vhostName: string | undefined, serverId: string): Probe[] {
  const probes: Probe[] = [];
  const vhosts = vhostName === undefined ? [...config.vhosts.values()] : [findVhost(config, vhostName)].filter((v) => v !== undefined);
  for (const vhost of vhosts) {
    const hooks = vhost.httpHooks;
    if (!hooks.enabled) continue;
    for (const [action, key, type] of SRS_ACTIONS) {
      for (const url of hooks[key]) {
        const body = encodeSrsHookBody(action, syntheticEvent(type, vhostName ?? vhost.name), { serverId, serviceId: 'hookstst' });
        probes.push({ scope: `vhost ${vhost.name}`, event: action, url, body, judge: 'srs', secret: { kind: 'vhost', vhost: vhost.name }, timeoutMs: hooks.timeoutMs ?? config.hooks.timeoutMs, tlsVerify: hooks.tlsVerify, gate: GATES.has(action) });
      }
    }
  }
  if (vhostName !== undefined) return probes;
  for (const target of config.hooks.webhooks) {
    const type = ({ connection_accept: 'accept', connection_close: 'close', publish_start: 'publish', publish_stop: 'unpublish', play_start: 'play', play_stop: 'stop' } as const)[target.event];
    const guide = toGuideEvent(syntheticEvent(type, '__defaultVhost__'));
    probes.push({ scope: 'hooks', event: target.event, url: target.target, body: JSON.stringify(guide), judge: '2xx', secret: { kind: 'hooks' }, timeoutMs: config.hooks.timeoutMs, tlsVerify: true, gate: false });
  }
  const lal = config.httpNotify;
  if (lal.enabled) {
    for (const [event, url] of Object.entries(lal.urls)) {
      if (url === undefined) continue;
      const pub = event.startsWith('on_pub');
      const sub = event.startsWith('on_sub');
      const body =
        event === 'on_server_start' ? lalInfoBody({ serverId, startedAtMs: Date.now(), binInfo: 'srs hooks test' })
        : event === 'on_update' ? updateBody(serverId, [])
        : event === 'on_rtmp_connect' ? rtmpConnectBody(serverId, syntheticEvent('connect', '__defaultVhost__'))
        : pub || sub ? sessionEventBody(serverId, syntheticEvent(pub ? 'publish' : 'play', '__defaultVhost__'), pub ? 'PUB' : 'SUB', { hasIn: pub, hasOut: sub })
        : undefined;
      if (body === undefined) continue; // relay and HLS events need a real stream
      probes.push({ scope: 'http_notify', event, url, body: JSON.stringify(body), judge: '2xx', secret: { kind: 'http_notify' }, timeoutMs: lal.timeoutMs, tlsVerify: true, gate: false });
    }
  }
  return probes;
}

/** Sends each probe in turn; never throws. */
export async function runProbes(config: Config, probes: readonly Probe[], client: HookHttpClient, ids: EventIds, timeoutMs: number | undefined): Promise<HookTestRow[]> {
  const rows: HookTestRow[] = [];
  for (const probe of probes) {
    const headers = { ...requestHeaders(secretOf(config, probe.secret), probe.body, ids.next()), 'x-srs-hooks-test': '1' };
    const started = performance.now();
    const result = await client.post(probe.url, probe.body, { timeoutMs: timeoutMs ?? probe.timeoutMs, maxResponseBytes: 64 * 1024, tlsVerify: probe.tlsVerify, headers });
    const ms = Math.round(performance.now() - started);
    const verdict = judgeAttempt(probe.judge, result);
    const status = result.kind === 'response' ? result.status : undefined;
    let effect: string;
    if (probe.gate) effect = verdict.ok ? 'a client would be admitted' : `a client would be refused (${probe.event} denied: ${verdict.reason ?? ''})`;
    else if (verdict.ok) effect = 'delivered; the client is never affected by a notification';
    else effect = `not delivered (${verdict.reason ?? ''}); ${verdict.retryable || verdict.timedOut ? 'it would be retried' : 'it would not be retried'}, the client is unaffected`;
    rows.push({ scope: probe.scope, event: probe.event, url: probe.url, ok: verdict.ok, status, ms, verdict: probe.gate ? (verdict.ok ? 'allow' : 'deny') : verdict.ok ? 'ok' : 'failed', effect });
  }
  return rows;
}
