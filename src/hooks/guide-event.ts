import type { HookEventName } from '../config/schema.js';
import type { SessionEvent, SessionEventType } from './events.js';

/**
 * The event JSON of the hooks guide (seeds/rtmp-server-event-hooks-guide.md
 * "Event Data Structure"), used by scripts, webhooks and stdio. We add
 * `client_id` (last, so the guide's field order is kept) to match these
 * events with http_hooks calls and logs.
 */

/** `data` of connection_accept. */
export interface AcceptData {
  readonly client_ip: string;
  readonly client_port: number;
  readonly server_ip: string;
  readonly server_port: number;
}

/** Event-specific `data`, per guide event type. */
export type GuideEventData =
  | AcceptData
  | { readonly reason: string }
  | { readonly app: string; readonly publishing_name: string; readonly publishing_type: string }
  | { readonly app: string; readonly publishing_name: string }
  | { readonly app: string };

/** One guide event as written to scripts ($3), webhooks (body) and stdio. */
export interface GuideEvent {
  readonly type: HookEventName;
  /** Unix seconds. */
  readonly timestamp: number;
  readonly conn_id: string;
  /** `app/stream`, '' when no stream is known yet. */
  readonly stream_key: string;
  readonly data: GuideEventData;
  readonly client_id: string;
}

/** Session event → guide event name; `connect` has none (the guide has no such event). */
export const GUIDE_EVENT_BY_TYPE: Readonly<Record<SessionEventType, HookEventName | undefined>> = {
  accept: 'connection_accept',
  connect: undefined,
  publish: 'publish_start',
  unpublish: 'publish_stop',
  play: 'play_start',
  stop: 'play_stop',
  close: 'connection_close',
};

/** Every guide event name, in lifecycle order (flag and config validation). */
export const GUIDE_EVENT_NAMES: readonly HookEventName[] = [
  'connection_accept',
  'publish_start',
  'publish_stop',
  'play_start',
  'play_stop',
  'connection_close',
];

/** The guide's `stream_key`: `app/stream`, or '' when the session has no stream. */
export function streamKeyOf(event: SessionEvent): string {
  return event.stream === '' ? '' : `${event.app}/${event.stream}`;
}

/** Maps a session event to the guide's JSON; `undefined` for `connect`. */
export function toGuideEvent(event: SessionEvent): GuideEvent | undefined {
  const type = GUIDE_EVENT_BY_TYPE[event.type];
  if (type === undefined) return undefined;
  return {
    type,
    timestamp: Math.floor(event.timeMs / 1000),
    conn_id: event.connId,
    stream_key: streamKeyOf(event),
    data: guideData(type, event),
    client_id: event.clientId,
  };
}

function guideData(type: HookEventName, event: SessionEvent): GuideEventData {
  switch (type) {
    case 'connection_accept':
      return { client_ip: event.ip, client_port: event.port, server_ip: event.serverIp, server_port: event.serverPort };
    case 'connection_close':
      return { reason: event.reason ?? 'client_close' };
    case 'publish_start':
      return { app: event.app, publishing_name: event.stream, publishing_type: event.publishType === '' ? 'live' : event.publishType };
    case 'publish_stop':
      return { app: event.app, publishing_name: event.stream };
    case 'play_start':
    case 'play_stop':
      return { app: event.app };
  }
}
