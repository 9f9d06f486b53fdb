import { Hub } from '../core/hub.js';
import type { Stream } from '../core/stream.js';
import type { ClientSnapshot, SessionEvent, StreamSnapshot } from '../hooks/events.js';
import { parseAudioConfig, parseVideoConfig } from '../media/codec-info.js';
import type { ClientRegistry, RegisteredClient } from './client-registry.js';
import type { TrafficStats } from './traffic-stats.js';
import { hubStreamOf } from './stream-url.js';

/**
 * Streams with their clients, read from the registry and the hub when asked
 * (lal's groups: on_update, /api/stat/*, has_in/has_out of its events).
 * Nothing is kept here: every answer is computed from the live objects, so
 * it cannot drift from what the SRS API shows.
 */
export class StreamGroups {
  constructor(
    private readonly registry: ClientRegistry,
    private readonly hub: Hub,
    private readonly stats: TrafficStats,
  ) {}

  /**
   * The event's stream after the change it reports (its lease has already
   * joined or left the hub): a publisher; a viewer of any protocol other
   * than the event's own client (HLS viewers are not in the hub).
   */
  stateAfter(event: SessionEvent): { hasIn: boolean; hasOut: boolean } {
    const key = Hub.keyOf(event.vhost, event.app, hubStreamOf(event));
    return { hasIn: this.hub.get(key)?.publisher !== undefined, hasOut: this.hasViewersOf(key, event.clientId) };
  }

  /** Whether a viewer of any protocol (HLS included) or a forwarder reads the stream now. */
  hasViewers(vhost: string, app: string, stream: string): boolean {
    return this.hasViewersOf(Hub.keyOf(vhost, app, stream), undefined);
  }

  private hasViewersOf(key: string, exceptClientId: string | undefined): boolean {
    if ((this.hub.get(key)?.players.size ?? 0) > 0) return true;
    for (const client of this.registry.list()) {
      if (client.id !== exceptClientId && client.current?.kind === 'play' && keyOfClient(client) === key) return true;
    }
    return false;
  }

  /** Every stream that has a publishing or playing client, in the arrival order of its first client. */
  snapshot(): StreamSnapshot[] {
    this.stats.refresh();
    const groups = new Map<string, { vhost: string; app: string; stream: string; publisher: ClientSnapshot | undefined; pull: ClientSnapshot | undefined; players: ClientSnapshot[] }>();
    for (const client of this.registry.list()) {
      const kind = client.current?.kind;
      // A forwarder reads the stream but is nobody's viewer (lal lists no push sessions in a group).
      if (kind === undefined || client.type === 'rtmp-forward') continue;
      const f = client.facts;
      const stream = hubStreamOf(f);
      const key = Hub.keyOf(f.vhost, f.app, stream);
      let group = groups.get(key);
      if (group === undefined) {
        group = { vhost: f.vhost, app: f.app, stream, publisher: undefined, pull: undefined, players: [] };
        groups.set(key, group);
      }
      if (client.type === 'rtmp-pull') group.pull = this.clientSnapshot(client);
      else if (kind === 'publish') group.publisher = this.clientSnapshot(client);
      else group.players.push(this.clientSnapshot(client));
    }
    return [...groups].map(([key, group]) => ({ ...group, ...codecsOf(this.hub.get(key)) }));
  }

  private clientSnapshot(client: RegisteredClient): ClientSnapshot {
    const traffic = this.stats.ofClient(client);
    const sent = traffic.send.lastInterval();
    const received = traffic.recv.lastInterval();
    const f = client.facts;
    return {
      clientId: client.id,
      protocol: client.protocol,
      ordinal: f.ordinal,
      ip: f.ip,
      port: f.port,
      startedAtMs: client.startedAtMs,
      ...client.bytes(),
      window: { sentBytes: sent.bytes, recvBytes: received.bytes, ms: Math.max(sent.ms, received.ms) },
    };
  }
}

function keyOfClient(client: RegisteredClient): string {
  const f = client.facts;
  return Hub.keyOf(f.vhost, f.app, hubStreamOf(f));
}

/** Codec and picture size from the stream's sequence headers; a malformed header shows as none. */
function codecsOf(stream: Stream | undefined): Pick<StreamSnapshot, 'video' | 'audio'> {
  const headers = stream?.sequenceHeaders;
  let video: StreamSnapshot['video'];
  let audio: StreamSnapshot['audio'];
  try {
    const info = headers?.video === undefined ? undefined : parseVideoConfig(headers.video.payload);
    if (info !== undefined) video = { codec: info.codec, width: info.width, height: info.height };
  } catch {
    video = undefined;
  }
  try {
    if (headers?.audio !== undefined) audio = parseAudioConfig(headers.audio.payload) === undefined ? 'other' : 'aac';
  } catch {
    audio = 'other';
  }
  return { video, audio };
}
