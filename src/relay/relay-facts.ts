import type { SessionFacts } from '../session/session-event.js';

/** The stream a relay moves, as its registry entry names it. */
export interface RelayStream {
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  readonly param: string;
  readonly streamUrl: string;
  readonly streamId: string;
}

/** A relay's facts in the registry and API: no peer socket of its own until it connects upstream. */
export function relayFacts(clientId: string, clientType: 'rtmp-pull' | 'rtmp-forward', stream: RelayStream, ordinal: number): SessionFacts {
  return {
    clientId,
    connId: '',
    protocol: 'rtmp',
    ordinal,
    ip: '',
    port: 0,
    serverIp: '',
    serverPort: 0,
    // Field by field: a publisher's facts passed here must not lend the relay its id, ip or tcUrl.
    vhost: stream.vhost,
    app: stream.app,
    stream: stream.stream,
    param: stream.param,
    streamUrl: stream.streamUrl,
    streamId: stream.streamId,
    tcUrl: '',
    pageUrl: '',
    flashVer: '',
    publishType: 'live',
    clientType,
  };
}
