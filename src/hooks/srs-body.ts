import type { SessionEvent, SessionEventType } from './events.js';

/**
 * SRS http_hooks request bodies: field names AND order exactly as SRS HEAD
 * (srs_app_http_hooks.cpp, srs-spec §1.5), compact JSON, byte counts as
 * integers, `stream_id` omitted when the stream is not registered.
 */

/** The http_hooks actions that the RTMP session lifecycle fires. */
export type SrsHookAction = 'on_connect' | 'on_close' | 'on_publish' | 'on_unpublish' | 'on_play' | 'on_stop';

/** Session event → SRS action; `accept` has no SRS counterpart. */
export const SRS_ACTION_BY_EVENT: Readonly<Record<SessionEventType, SrsHookAction | undefined>> = {
  accept: undefined,
  connect: 'on_connect',
  close: 'on_close',
  publish: 'on_publish',
  unpublish: 'on_unpublish',
  play: 'on_play',
  stop: 'on_stop',
};

/** Process-wide ids every body starts with (srs-spec §1.5 server_id / service_id). */
export interface SrsBodyIds {
  readonly serverId: string;
  readonly serviceId: string;
}

/**
 * Encodes the body SRS would POST for `action`, from the facts of `event`.
 * Object keys keep insertion order in JSON.stringify: the head and each
 * action's tail list them in SRS order. Head and tail are encoded apart and
 * joined, so no object is spread per gated session.
 */
export function encodeSrsHookBody(action: SrsHookAction, event: SessionEvent, ids: SrsBodyIds): string {
  const e = event;
  const head = JSON.stringify({
    server_id: ids.serverId,
    service_id: ids.serviceId,
    action,
    client_id: e.clientId,
    ip: e.ip,
    vhost: e.vhost,
    app: e.app,
  });
  return joinObjects(head, JSON.stringify(tailOf(action, e)));
}

function tailOf(action: SrsHookAction, e: SessionEvent): Record<string, string | number | undefined> {
  switch (action) {
    case 'on_connect':
      return { stream: e.stream, param: e.param, tcUrl: e.tcUrl, pageUrl: e.pageUrl };
    case 'on_close':
      return { send_bytes: Math.trunc(e.sendBytes), recv_bytes: Math.trunc(e.recvBytes) };
    case 'on_play':
      return { stream: e.stream, tcUrl: e.tcUrl, param: e.param, pageUrl: e.pageUrl, stream_url: e.streamUrl, stream_id: streamIdOf(e) };
    case 'on_publish':
    case 'on_unpublish':
    case 'on_stop':
      return { tcUrl: e.tcUrl, stream: e.stream, param: e.param, stream_url: e.streamUrl, stream_id: streamIdOf(e) };
  }
}

/** `{"a":1}` and `{"b":2}` as `{"a":1,"b":2}`; both are non-empty compact JSON objects. */
function joinObjects(head: string, tail: string): string {
  return `${head.slice(0, -1)},${tail.slice(1)}`;
}

/** stream_id only when the statistic entry exists (srs_app_http_hooks.cpp); JSON.stringify leaves an undefined field out. */
function streamIdOf(event: SessionEvent): string | undefined {
  return event.streamId === '' ? undefined : event.streamId;
}
