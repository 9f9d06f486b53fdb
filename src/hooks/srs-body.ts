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

/** Encodes the body SRS would POST for `action`, from the facts of `event`. */
export function encodeSrsHookBody(action: SrsHookAction, event: SessionEvent, ids: SrsBodyIds): string {
  // Object keys keep insertion order in JSON.stringify: each branch lists them in SRS order.
  const head = {
    server_id: ids.serverId,
    service_id: ids.serviceId,
    action,
    client_id: event.clientId,
    ip: event.ip,
    vhost: event.vhost,
    app: event.app,
  };
  switch (action) {
    case 'on_connect':
      return JSON.stringify({ ...head, stream: event.stream, param: event.param, tcUrl: event.tcUrl, pageUrl: event.pageUrl });
    case 'on_close':
      return JSON.stringify({ ...head, send_bytes: Math.trunc(event.sendBytes), recv_bytes: Math.trunc(event.recvBytes) });
    case 'on_play':
      return JSON.stringify({
        ...head,
        stream: event.stream,
        tcUrl: event.tcUrl,
        param: event.param,
        pageUrl: event.pageUrl,
        ...streamTail(event),
      });
    case 'on_publish':
    case 'on_unpublish':
    case 'on_stop':
      return JSON.stringify({ ...head, tcUrl: event.tcUrl, stream: event.stream, param: event.param, ...streamTail(event) });
  }
}

/** `stream_url[, stream_id]`: stream_id only when the statistic entry exists (srs_app_http_hooks.cpp). */
function streamTail(event: SessionEvent): { stream_url: string; stream_id?: string } {
  return event.streamId === '' ? { stream_url: event.streamUrl } : { stream_url: event.streamUrl, stream_id: event.streamId };
}
