/**
 * The one event model (DESIGN.md "One event model, many sinks"). A session
 * emits each lifecycle event exactly once, in order, with a per-session
 * sequence number. Every event carries every fact any sink needs; each sink
 * maps it to its own wire format (SRS JSON, guide JSON, env lines).
 */

/** Lifecycle moments. `connect`, `publish` and `play` are gated. */
export type SessionEventType = 'accept' | 'connect' | 'publish' | 'unpublish' | 'play' | 'stop' | 'close';

/** The gated subset: the session waits for every gate sink to allow. */
export type GateEventType = 'connect' | 'publish' | 'play';

/** Why a connection ended (guide: data.reason of connection_close). */
export type CloseReason =
  | 'client_close'
  | 'server_shutdown'
  | 'kicked'
  | 'timeout'
  | 'error'
  | 'rejected'
  | 'busy'
  | 'limit'
  /** The stream's publisher left and this viewer's protocol cannot wait for the next one (HTTP-FLV/TS end, as SRS). */
  | 'unpublished'
  /** The RTMP play `duration` argument was reached (SRS stops the play). */
  | 'duration'
  /** A gate's `max_duration` (http_hooks answer data, authorizer) ran out: the publish or play ended. */
  | 'expired';

/** SRS `type` of a client in the API (srs_protocol_rtmp_stack.cpp: `flv-play` for HTTP-FLV and HTTP-TS viewers alike). */
/**
 * SRS's client types, and our relays (SRS does not list its relays as
 * clients): `rtmp-pull` an edge's pull from its origin, `rtmp-forward` a
 * forward or an edge publish pushed upstream.
 */
export type ClientType = 'fmle-publish' | 'flash-publish' | 'rtmp-play' | 'flv-play' | 'hls-play' | 'rtmp-pull' | 'rtmp-forward';

/** The wire a client speaks. */
export type ClientProtocol = 'rtmp' | 'http-flv' | 'http-ts' | 'hls';

export interface SessionEvent {
  readonly type: SessionEventType;
  /** 1, 2, 3 ... within one session, in emission order; a gate's event has the number its notification takes if allowed. */
  readonly seq: number;
  /** Wall clock, ms since epoch. */
  readonly timeMs: number;
  /** SRS client id: 8 chars of [0-9a-z], the id of the HTTP API and http_hooks. */
  readonly clientId: string;
  /** Guide-style connection id, `c000001`. */
  readonly connId: string;
  readonly protocol: ClientProtocol;
  /** 1, 2, 3 ... per protocol in arrival order (the number in lal's session ids, `RTMPPUBSUB1`). */
  readonly ordinal: number;
  readonly ip: string;
  readonly port: number;
  readonly serverIp: string;
  readonly serverPort: number;
  /** Resolved config vhost (e.g. `__defaultVhost__`); raw tcUrl host before resolution; '' before connect. */
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  /** `?token=...` (never duplicated, unlike SRS bug #3930), '' when none. */
  readonly param: string;
  readonly tcUrl: string;
  readonly pageUrl: string;
  /** RTMP connect `flashVer` ('' for other protocols or when absent). */
  readonly flashVer: string;
  /** SRS stream_url: `/app/stream` for the default vhost, else `vhost/app/stream`. */
  readonly streamUrl: string;
  /** SRS statistic stream id (`vid-xxxxxxx`), '' when not registered. */
  readonly streamId: string;
  /** publish: live|record|append. */
  readonly publishType: string;
  readonly clientType: ClientType | undefined;
  readonly sendBytes: number;
  readonly recvBytes: number;
  /** Only on `close`. */
  readonly reason: CloseReason | undefined;
  /** Human detail for close/deny, never a hook URL. */
  readonly detail: string;
}

/** The publisher of a stream as stream events name it (SRS's on_hls body carries the publisher's facts). */
export interface StreamPublisherFacts {
  readonly clientId: string;
  readonly ip: string;
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  readonly param: string;
  readonly tcUrl: string;
  readonly streamUrl: string;
  /** '' when not registered. */
  readonly streamId: string;
}

/** An HLS segment was closed and listed in the playlist (SRS on_hls, on_hls_notify; lal on_hls_make_ts). */
export interface HlsSegmentEvent {
  readonly type: 'hls_segment';
  readonly timeMs: number;
  readonly publisher: StreamPublisherFacts;
  /** Seconds. */
  readonly duration: number;
  /** `hls_path/<ts name>` as SRS writes it (e.g. `./objs/nginx/html/live/s-12.ts`). */
  readonly file: string;
  /** The ts path relative to hls_path beside the m3u8 (`live/s-12.ts`), or the URI when it is an http(s) URL. */
  readonly url: string;
  readonly m3u8: string;
  /** The m3u8 path relative to hls_path (`live/s.m3u8`). */
  readonly m3u8Url: string;
  readonly seq: number;
  /** The segment's URI as the playlist lists it (on_hls_notify's `[ts_url]`). */
  readonly uri: string;
}

/**
 * An HLS segment file was opened (lal on_hls_make_ts `open`): the segment
 * may still be dropped (under 100 ms), in which case no close follows and
 * its seq is used again by the next open.
 */
export interface HlsSegmentOpenEvent {
  readonly type: 'hls_segment_open';
  readonly timeMs: number;
  readonly publisher: StreamPublisherFacts;
  /** `hls_path/<ts name>`, the name the closed segment gets (`[duration]` not yet filled in). */
  readonly file: string;
  readonly m3u8: string;
  readonly m3u8Url: string;
  readonly seq: number;
}

/** Bytes of one client during the last sampling interval of the traffic stats (0 before the first). */
export interface TrafficWindow {
  readonly sentBytes: number;
  readonly recvBytes: number;
  /** Length of the interval, ms; 0 before two samples exist. */
  readonly ms: number;
}

/** One client of a stream as a snapshot shows it. */
export interface ClientSnapshot {
  readonly clientId: string;
  readonly protocol: ClientProtocol;
  readonly ordinal: number;
  readonly ip: string;
  readonly port: number;
  readonly startedAtMs: number;
  readonly sendBytes: number;
  readonly recvBytes: number;
  readonly window: TrafficWindow;
}

/** One stream (lal: group) with its clients, read from the registry and the hub when a snapshot is taken. */
export interface StreamSnapshot {
  readonly vhost: string;
  readonly app: string;
  /** The hub's name of the stream (`s`, never `s.m3u8` or `s.flv`). */
  readonly stream: string;
  readonly video: { readonly codec: 'avc' | 'hevc'; readonly width: number; readonly height: number } | undefined;
  /** undefined: no audio sequence header yet; `other`: a format we do not parse. */
  readonly audio: 'aac' | 'other' | undefined;
  /** A client that publishes to us; undefined when none does (or an edge pull feeds the stream). */
  readonly publisher: ClientSnapshot | undefined;
  /** The edge pull feeding the stream from an upstream (lal: the group's pull session). */
  readonly pull: ClientSnapshot | undefined;
  /** Every viewer of every protocol, in registry (arrival) order; forwarders are not viewers. */
  readonly players: readonly ClientSnapshot[];
}

/** The server started (lal on_server_start): sent before the listeners are bound. */
export interface ServerStartEvent {
  readonly type: 'server_start';
  readonly timeMs: number;
  readonly startedAtMs: number;
}

/** The periodic update (lal on_update): every stream with every client. */
export interface ServerUpdateEvent {
  readonly type: 'server_update';
  readonly timeMs: number;
  readonly streams: readonly StreamSnapshot[];
}

/** Server-scope events. */
export type ServerEvent = ServerStartEvent | ServerUpdateEvent;

/**
 * A relay pull from an upstream started or stopped (lal on_relay_pull_*).
 * Defined so sinks can map it; nothing emits it until relays exist.
 */
export interface RelayEvent {
  readonly type: 'relay_start' | 'relay_stop';
  readonly timeMs: number;
  readonly clientId: string;
  readonly ordinal: number;
  /** The upstream URL, query included. */
  readonly url: string;
  /** `host:port` of the upstream as the URL names it. */
  readonly remote: string;
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  readonly param: string;
  readonly sendBytes: number;
  readonly recvBytes: number;
  /** The stream's state after the change. */
  readonly hasPublisher: boolean;
  readonly hasPlayers: boolean;
}

/**
 * What an allowing gate may ask of the session beyond "yes" (our extension:
 * SRS ignores `data` in an http_hooks answer; an in-process authorizer may
 * return the same). The session applies it, whichever gate said it.
 */
export interface GateControl {
  /** Publish or play under this stream name instead (rename / route); later gates see the new name. */
  readonly stream?: string;
  /** Answer the RTMP client with SRS's 302 redirect to this URL instead of admitting it. */
  readonly redirect?: string;
  /** End the publish or play this many seconds after it starts, close reason `expired`. */
  readonly maxDurationSec?: number;
}

/** An RTMP `connect` command as the client sent it: its command object and optional arguments object (AMF decoded). */
export interface ConnectCommand {
  readonly commandObject: Readonly<Record<string, unknown>>;
  readonly args: Readonly<Record<string, unknown>> | undefined;
}

/** The verdict of a gate sink. A denial names the hook so the client can be told. */
export type GateVerdict =
  | { readonly allow: true; readonly control?: GateControl }
  | { readonly allow: false; readonly hook: string; readonly reason: string };

export const ALLOW: GateVerdict = Object.freeze({ allow: true });

/**
 * A sink that may refuse connect/publish/play (SRS http_hooks, in-process
 * handler). It must resolve (never reject) and must honour `signal`.
 */
export interface GateSink {
  readonly name: string;
  gate(event: SessionEvent, signal: AbortSignal): Promise<GateVerdict>;
  /**
   * False when `gate` would allow this event without doing anything (e.g. no
   * URL configured for it), so a session can skip the gate. Absent: always asked.
   */
  wantsGate?(event: SessionEvent): boolean;
}

/**
 * A sink that is told of every event (SRS on_close/on_unpublish/on_stop,
 * webhooks, scripts, stdio). `notify` must return at once and never throw:
 * the work it starts is bounded and its failures are logged by the sink.
 */
export interface NotifySink {
  readonly name: string;
  notify(event: SessionEvent): void;
  /** A stream event (HLS segment); same rules as `notify`. Absent: the sink has no use for them. */
  segment?(event: HlsSegmentEvent): void;
  /** An HLS segment file was opened; same rules as `notify`. */
  segmentOpen?(event: HlsSegmentOpenEvent): void;
  /**
   * An RTMP client sent `connect` (before the reply; never gating): the
   * event is built as the `connect` gate would see it, its seq not taken.
   */
  connectCommand?(event: SessionEvent, command?: ConnectCommand): void;
  /** A server-scope event; same rules as `notify`. */
  server?(event: ServerEvent): void;
  /**
   * Whether this sink wants a `server_update` at `tick` (whole seconds since
   * the listeners started; 0 right after they did). Asked once a second, so
   * it must be cheap; the snapshot is only taken when some sink says yes.
   */
  wantsUpdate?(tick: number): boolean;
  /** A relay event; same rules as `notify`. */
  relay?(event: RelayEvent): void;
  /** Resolves when queued work is done or dropped (shutdown), bounded by `timeoutMs`. */
  drain?(timeoutMs: number): Promise<void>;
}

/** What a session needs from the hook system: the narrow port it depends on. */
export interface HookPort {
  /** True when some gate sink has work for this event; when false, `gate` would allow it at once. */
  wantsGate(event: SessionEvent): boolean;
  /** Runs every gate sink for this event in order; the first denial wins. */
  gate(event: SessionEvent, signal: AbortSignal): Promise<GateVerdict>;
  /** Hands the event to every notify sink; never blocks, never throws. */
  notify(event: SessionEvent): void;
  /** An RTMP `connect` arrived (see NotifySink.connectCommand); absent in ports with no sink for it. */
  connectCommand?(event: SessionEvent, command?: ConnectCommand): void;
  /**
   * A client object exists (before its handshake, its first read), for the
   * in-process connection handlers' onCreated. `build` makes the event as
   * `accept` would see it (its seq not taken), called only when a handler
   * wants it, so a server without handlers allocates nothing per client.
   */
  clientCreated?(build: () => SessionEvent): void;
  /**
   * A client that never got past its protocol's hello (a failed or timed-out
   * handshake) ended: no sink hears a close for it, but handlers that saw
   * onCreated get their onDisposed. `build` makes that close event.
   */
  clientDiscarded?(build: () => SessionEvent): void;
}
