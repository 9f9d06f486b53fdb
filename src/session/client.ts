import type { Logger } from '../log.js';
import { findVhost, type Config, type VhostConfig } from '../config/schema.js';
import { Hub } from '../core/hub.js';
import type { Stream, StreamOptions, StreamPlayer } from '../core/stream.js';
import { checkSecurity } from '../core/security.js';
import { randomStatId } from '../core/ids.js';
import { ALLOW, type ClientProtocol, type ClientType, type CloseReason, type GateControl, type GateVerdict, type HookPort, type SessionEventType, type StreamPublisherFacts } from '../hooks/events.js';
import type { ConnectCommand, MediaIntercept, PublishSite, PublishTaps } from '../hooks/handlers/types.js';
import type { MediaPacket } from '../media/packet.js';
import type { ClientRegistry, RegisteredClient } from './client-registry.js';
import { checkRefer } from './refer.js';
import type { Refusal } from './refusal.js';
import { publisherFactsOf, SessionEventBuilder, type SessionFacts } from './session-event.js';
import { SessionLog } from './session-log.js';
import { generateStreamUrl } from './stream-url.js';

/** The services every client's lifecycle uses; app.ts builds one. */
export interface LifecycleContext {
  getConfig(): Config;
  readonly hub: Hub;
  readonly hooks: HookPort;
  readonly registry: ClientRegistry;
  readonly logger: Logger;
  /** Told of every publish once its stream is claimed (the HLS segmenter); absent in tests that need none. */
  readonly publishObservers?: PublishObservers;
  /** Told when a player joins or leaves a stream (the edge starts and stops its pull); absent when none. */
  readonly playObservers?: PlayObservers;
  /**
   * This running server's random id (not server_id, which servers sharing
   * a directory share): a relay that names it in its chain is a loop.
   */
  readonly instanceId?: string;
  /** Asks an edge vhost's origin about each client's token (`cluster { token_traverse on; }`); absent: never asked. */
  readonly tokenTraverse?: TokenTraverse;
  /** In-process media and cache interceptors (src/hooks/handlers): told of every publish; absent when none can exist. */
  readonly publishTaps?: PublishTaps;
}

/** What the origin is asked with: the client's own URL parts and token. */
export interface TraverseRequest {
  readonly kind: 'publish' | 'play';
  readonly app: string;
  readonly stream: string;
  readonly param: string;
  /** The client's tcUrl, query included; '' for HTTP viewers. */
  readonly tcUrl: string;
  readonly pageUrl: string;
}

export type TraverseVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The edge's token traverse (relay/token-traverse.ts); resolves, never rejects; honours `signal` (the client left). */
export interface TokenTraverse {
  check(vhost: VhostConfig, request: TraverseRequest, signal: AbortSignal): Promise<TraverseVerdict>;
}

/** What a joining player asked with: its query and tcUrl, and the servers its relay chain passed. */
export interface PlayViewer {
  readonly param: string;
  readonly tcUrl: string;
  readonly relayVia: readonly string[];
}

/** What watches players come and go (the edge's pulls). */
export interface PlayObservers {
  /** A player joined `stream`; `viewer` is what it asked with (the first one's query goes upstream). */
  joined(stream: Stream, vhost: VhostConfig, viewer: PlayViewer): void;
  /** A player left `stream` (its count is already down). */
  left(stream: Stream, vhost: VhostConfig): void;
}

/** What watches publishes without being a player (the HLS service). */
export interface PublishObservers {
  /**
   * A publish started on `stream`: the observer adds itself to
   * `stream.observers`. `disconnect` ends the publisher (hls_on_error
   * disconnect); it must not be called from inside `attach`.
   */
  attach(stream: Stream, publisher: StreamPublisherFacts, vhost: VhostConfig, disconnect: (detail: string) => void): void;
}

/** What an adapter knows of its client when it opens it. */
export interface ClientSpec {
  readonly protocol: ClientProtocol;
  readonly connId: string;
  readonly ip: string;
  readonly port: number;
  readonly serverIp: string;
  readonly serverPort: number;
  /** Bytes on the client's wire, as SRS counts them. */
  bytes(): { sendBytes: number; recvBytes: number };
  /** Tears the wire down (socket, response); the lifecycle has already ended. */
  closeWire(reason: CloseReason, detail: string): void;
}

/** The stream a client names: already split by the protocol (RTMP tcUrl + name, HTTP path + query). */
export interface StreamRequest {
  /** The host or `?vhost=` the client asked for, before resolution to a config vhost. */
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  /** `?token=...`, '' when none. */
  readonly param: string;
  /** RTMP: the connect tcUrl; HTTP: `rtmp://<resolved vhost>/<app>` as SRS fills it (srs-wave2-spec §1.3). Absent: keep what connect set. */
  readonly tcUrl?: string;
  readonly pageUrl?: string;
  /**
   * The stream's name in the hub and in `stream_url` when the name hooks see
   * differs: an HLS viewer's hooks see `s.m3u8` while it watches `s`
   * (srs-wave2-spec §2.5). Absent: `stream`.
   */
  readonly hubStream?: string;
  /** A relay's chain of server ids it came through (srs-ts connect argument `srs_ts_via`); absent for a plain client. */
  readonly relayVia?: readonly string[];
}

export interface PublishIntent {
  readonly kind: 'publish';
  readonly clientType: ClientType;
  /** live | record | append */
  readonly publishType: string;
  /** The stream is claimed: answer the client (NetStream.Publish.Start) before the publish event. */
  started(lease: Lease): void;
}

export interface PlayIntent {
  readonly kind: 'play';
  readonly clientType: ClientType;
  /**
   * Every gate passed: answer the client (NetStream.Play.Start, the HTTP
   * head) and return the player; it joins the stream right after. Absent:
   * the client reads elsewhere (an HLS viewer fetches files), nothing joins
   * the hub and the lease holds no stream.
   */
  createPlayer?(stream: Stream, vhost: VhostConfig): LeasePlayer;
}

/** A player as a lease holds it: it joins the stream and reports what it sent. */
export interface LeasePlayer extends StreamPlayer {
  readonly sentPackets: number;
  readonly dropped: number;
}

export type Intent = PublishIntent | PlayIntent;

export type Admission = { readonly ok: true; readonly lease: Lease } | { readonly ok: false; readonly refusal: Refusal };

/**
 * An admitted publish or play: holds the stream until `end`, which releases
 * it and emits unpublish/stop exactly once.
 */
export class Lease implements PublishSite {
  private ended = false;
  /**
   * Set by the media interceptors while any is registered (PublishTaps), so
   * with none the media path pays one undefined check per packet.
   */
  interceptor: MediaIntercept | undefined;

  constructor(
    readonly kind: 'publish' | 'play',
    readonly stream: Stream | undefined,
    readonly vhost: VhostConfig,
    private readonly player: LeasePlayer | undefined,
    private readonly release: (lease: Lease) => void,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** The publisher's media: through the interceptors (which may drop a data message) into the stream (a play lease ignores it). */
  publish(packet: MediaPacket): void {
    if (this.kind !== 'publish' || this.ended) return;
    const intercept = this.interceptor;
    // An interceptor may end the client (disconnect is deferred, but be safe): re-check.
    if (intercept !== undefined && (!intercept(packet) || this.ended)) return;
    this.stream?.publish(packet);
  }

  /** The player this lease attached (play leases). */
  get attachedPlayer(): LeasePlayer | undefined {
    return this.player;
  }

  /** Leaves the stream; false when already ended. */
  end(): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.release(this);
    return true;
  }
}

/**
 * One client's lifecycle, the same for every protocol (DESIGN.md "One
 * lifecycle for every client"): accept, then for each publish or play
 * resolve vhost/app/stream/param, refer and security, the busy check, the
 * gates (on_connect once per client, then on_publish or on_play), a check
 * after every await that the client is still there, attach to the stream;
 * unpublish/stop when a lease ends; close once, with a reason. Events go to
 * the hook port exactly once each, numbered in order.
 */
export class Client implements RegisteredClient {
  readonly facts: SessionFacts;
  readonly startedAtMs = Date.now();
  readonly log: SessionLog;
  private readonly events: SessionEventBuilder;
  private accepted = false;
  private closed = false;
  /** on_connect passed (SRS fires it once per connection). */
  private connected = false;
  private lease: Lease | undefined;
  /** Cancels the gate in flight when the client ends; only exists while a gate waits. */
  private gateAbort: AbortController | undefined;
  /** A gate's max_duration: ends the client with `expired`; only exists while such a lease runs. */
  private expiry: NodeJS.Timeout | undefined;
  /** Detaches the publish from the media/cache interceptors. */
  private untap: (() => void) | undefined;
  private readonly publisherRef: { clientId: string };

  constructor(
    private readonly ctx: LifecycleContext,
    private readonly spec: ClientSpec,
    id: string,
  ) {
    this.facts = {
      clientId: id,
      connId: spec.connId,
      protocol: spec.protocol,
      ordinal: ctx.registry.nextOrdinal(spec.protocol),
      ip: spec.ip,
      port: spec.port,
      serverIp: spec.serverIp,
      serverPort: spec.serverPort,
      vhost: '',
      app: '',
      stream: '',
      param: '',
      tcUrl: '',
      pageUrl: '',
      flashVer: '',
      streamUrl: '',
      streamId: '',
      publishType: '',
      clientType: undefined,
    };
    this.publisherRef = { clientId: id };
    this.events = new SessionEventBuilder(this.facts);
    this.log = new SessionLog(ctx.logger, { cid: id, conn: spec.connId, ip: spec.ip, proto: spec.protocol });
    ctx.registry.add(this);
    // In-process connection handlers' onCreated: the client exists, nothing was read yet.
    ctx.hooks.clientCreated?.(() => this.events.buildGate('accept', ZERO_BYTES));
  }

  get id(): string {
    return this.facts.clientId;
  }

  get protocol(): ClientProtocol {
    return this.facts.protocol;
  }

  get type(): ClientType | undefined {
    return this.facts.clientType;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The publish or play in force. */
  get current(): Lease | undefined {
    return this.lease;
  }

  bytes(): { sendBytes: number; recvBytes: number } {
    return this.spec.bytes();
  }

  /** The client got past its protocol's hello (RTMP handshake, an HTTP request): emits accept. */
  accept(): void {
    if (this.accepted || this.closed) return;
    this.accepted = true;
    this.emit('accept');
  }

  /**
   * RTMP connect: what the client said about itself before naming a stream.
   * Sinks that want the connect command itself (lal on_rtmp_connect, sent
   * before the connect reply and never gating) are told now.
   */
  setConnectInfo(info: { vhost: string; app: string; param: string; tcUrl: string; pageUrl: string; flashVer?: string }, command?: ConnectCommand): void {
    Object.assign(this.facts, info);
    this.rebindLog();
    this.ctx.hooks.connectCommand?.(this.events.buildGate('connect', this.bytes()), command);
  }

  /** Admits a publish or a play; a refusal is data the adapter maps to its wire. */
  async admit(intent: Intent, request: StreamRequest): Promise<Admission> {
    const failed = intent.kind;
    // Closed before it asked (a kick, or the wire went, before the adapter got here): ask no gate.
    if (this.closed) return refused('closed', 'client closed', 'client_close');
    if (this.lease !== undefined) return refused('active', 'already publishing or playing', 'rejected');
    const vhost = findVhost(this.ctx.getConfig(), request.vhost);
    if (vhost === undefined) return refused('vhost_not_found', `vhost ${request.vhost} not found`, 'rejected');
    if (!vhost.enabled) return refused('vhost_disabled', `vhost ${request.vhost} disabled`, 'rejected');
    Object.assign(this.facts, {
      vhost: vhost.name,
      app: request.app,
      stream: request.stream,
      param: request.param,
      streamUrl: generateStreamUrl(vhost.name, request.app, request.hubStream ?? request.stream),
    });
    if (request.tcUrl !== undefined) this.facts.tcUrl = request.tcUrl;
    if (request.pageUrl !== undefined) this.facts.pageUrl = request.pageUrl;
    this.rebindLog();
    // RTMP connects once and may publish or play again: on_connect is the connection's, as SRS.
    let control: GateControl | undefined;
    if (!this.connected && this.protocol === 'rtmp') {
      const connectVerdict = await this.gate('connect');
      if (this.closed) return refused('closed', 'client closed', 'client_close');
      if (!connectVerdict.allow) return refused('connect_denied', connectVerdict.reason, 'rejected');
      if (connectVerdict.control?.redirect !== undefined) return redirected(connectVerdict.control.redirect);
      control = connectVerdict.control;
      this.connected = true;
      this.emit('connect');
    }
    if (request.stream === '') return refused('empty_stream', 'empty stream name', 'rejected');
    this.facts.clientType = intent.clientType;
    if (intent.kind === 'publish') this.facts.publishType = intent.publishType;
    const { instanceId } = this.ctx;
    if (intent.kind === 'play' && instanceId !== undefined && request.relayVia?.includes(instanceId) === true) {
      return refused('relay_loop', `relay loop: this server (${instanceId}) is already upstream of this pull`, 'rejected');
    }
    if (vhost.cluster.mode === 'remote' && vhost.cluster.tokenTraverse && this.ctx.tokenTraverse !== undefined) {
      const traversed = await this.traverse(vhost, intent.kind);
      if (this.closed) return refused('closed', 'client closed', 'client_close');
      if (!traversed.ok) return refused('traverse_denied', `token traverse: ${traversed.reason}`, 'rejected');
    }
    const referDenied = checkRefer(vhost.refer, failed, this.facts.pageUrl);
    if (referDenied !== undefined) return refused('refer', referDenied, 'rejected');
    const denied = checkSecurity(vhost.security, failed, this.facts.ip);
    if (denied !== undefined) return refused('security', denied, 'rejected');
    if (control?.stream !== undefined) this.rename(control.stream, request);
    let key = Hub.keyOf(vhost.name, this.facts.app, request.hubStream ?? this.facts.stream);
    const { hub } = this.ctx;
    // Deliberate difference from SRS: a busy stream is refused before on_publish is called.
    if (intent.kind === 'publish' && hub.isBusy(key)) return busy(this.facts.streamUrl);
    this.facts.streamId = hub.get(key)?.statId ?? randomStatId();
    const verdict = await this.gate(intent.kind);
    if (this.closed) return refused('closed', 'client closed', 'client_close');
    if (!verdict.allow) return refused('denied', verdict.reason, 'rejected');
    control = verdict.control === undefined ? control : { ...control, ...verdict.control };
    if (control?.redirect !== undefined) return redirected(control.redirect);
    if (verdict.control?.stream !== undefined && this.rename(verdict.control.stream, request)) {
      key = Hub.keyOf(vhost.name, this.facts.app, this.facts.stream);
      if (intent.kind === 'publish' && hub.isBusy(key)) return busy(this.facts.streamUrl);
      this.facts.streamId = hub.get(key)?.statId ?? randomStatId();
    }
    const options = streamOptions(vhost, this.facts.streamId);
    if (intent.kind === 'publish') {
      const acquired = hub.acquirePublish(key, this.publisherRef, options);
      if (!acquired.ok) return busy(this.facts.streamUrl);
      const lease = new Lease('publish', acquired.stream, vhost, undefined, this.releasePublish);
      this.lease = lease;
      this.untap = this.ctx.publishTaps?.attach(lease, { clientId: this.id, vhost: vhost.name, app: this.facts.app, stream: this.facts.stream });
      this.armExpiry(control?.maxDurationSec);
      intent.started(lease);
      this.emit('publish');
      this.ctx.publishObservers?.attach(acquired.stream, publisherFactsOf(this.facts), vhost, (detail) => this.close('error', detail));
      this.log.info({ type: intent.publishType, clientType: intent.clientType }, 'publish start');
      return { ok: true, lease };
    }
    const stream = intent.createPlayer === undefined ? undefined : hub.streamOf(key, options);
    const player = stream === undefined ? undefined : intent.createPlayer?.(stream, vhost);
    const lease = new Lease('play', stream, vhost, player, this.releasePlay);
    this.lease = lease;
    this.armExpiry(control?.maxDurationSec);
    if (player !== undefined) {
      const joined = hub.addPlayer(key, player, options);
      this.ctx.playObservers?.joined(joined, vhost, { param: this.facts.param, tcUrl: this.facts.tcUrl, relayVia: request.relayVia ?? [] });
    }
    this.emit('play');
    this.log.info({ live: stream?.isActive ?? hub.isBusy(key) }, 'play start');
    return { ok: true, lease };
  }

  /** Ends the publish or play in force (unpublish/stop); the client stays. False when there was none. */
  endLease(): boolean {
    return this.lease?.end() ?? false;
  }

  /**
   * Ends the client: the gate in flight is cancelled, the lease ends
   * (unpublish/stop), close is emitted once (for an accepted client) and the
   * wire is torn down. Idempotent.
   */
  close(reason: CloseReason, detail: string): void {
    if (this.closed) return;
    this.closed = true;
    this.gateAbort?.abort();
    this.lease?.end();
    this.ctx.registry.remove(this);
    this.spec.closeWire(reason, detail);
    if (this.accepted) this.emit('close', reason, detail);
    // Never accepted: no sink hears a close, but handlers that saw onCreated get onDisposed.
    else this.ctx.hooks.clientDiscarded?.(() => ({ ...this.events.buildGate('close', this.bytes()), reason, detail }));
  }

  private readonly releasePublish = (lease: Lease): void => {
    if (this.lease === lease) this.lease = undefined;
    this.disarmExpiry();
    this.untap?.();
    this.untap = undefined;
    if (lease.stream !== undefined) this.ctx.hub.releasePublish(lease.stream, this.publisherRef);
    this.emit('unpublish');
    this.log.info({ frames: lease.stream?.counters.frames ?? 0 }, 'publish stop');
  };

  private readonly releasePlay = (lease: Lease): void => {
    if (this.lease === lease) this.lease = undefined;
    this.disarmExpiry();
    const player = lease.attachedPlayer;
    if (player !== undefined && lease.stream !== undefined) {
      this.ctx.hub.removePlayer(lease.stream, player);
      this.ctx.playObservers?.left(lease.stream, lease.vhost);
    }
    this.emit('stop');
    // A detached play (an HLS viewer) has no player: its bytes are what it fetched.
    this.log.info(player === undefined ? { sendBytes: this.bytes().sendBytes } : { sent: player.sentPackets, dropped: player.dropped }, 'play stop');
  };

  /**
   * A gate renamed the stream: hooks and the hub see the new name from now
   * on. Not for a client whose hub name differs from its hook name (an HLS
   * viewer reads files by URL): logged and ignored. False when ignored.
   */
  private rename(stream: string, request: StreamRequest): boolean {
    if (request.hubStream !== undefined && request.hubStream !== request.stream) {
      this.log.warn({ to: stream }, 'stream rename ignored: not for this protocol');
      return false;
    }
    this.log.info({ from: this.facts.stream, to: stream }, 'stream renamed by a gate');
    this.facts.stream = stream;
    this.facts.streamUrl = generateStreamUrl(this.facts.vhost, this.facts.app, stream);
    this.rebindLog();
    return true;
  }

  /** max_duration from a gate: the client ends with `expired` that many seconds after the lease starts. */
  private armExpiry(seconds: number | undefined): void {
    if (seconds === undefined) return;
    this.expiry = setTimeout(() => this.close('expired', `max_duration ${seconds} s reached`), seconds * 1000);
    this.expiry.unref();
  }

  private disarmExpiry(): void {
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.expiry = undefined;
  }

  private async gate(type: 'connect' | 'publish' | 'play'): Promise<GateVerdict> {
    const event = this.events.buildGate(type, this.bytes());
    // Nothing configured to ask (the usual on_connect): no controller, no dispatch.
    if (!this.ctx.hooks.wantsGate(event)) return ALLOW;
    // One gate at a time; a controller per client that never aborts would still cost a DOMException at close.
    const controller = new AbortController();
    this.gateAbort = controller;
    try {
      return await this.ctx.hooks.gate(event, controller.signal);
    } finally {
      if (this.gateAbort === controller) this.gateAbort = undefined;
    }
  }

  /** SRS: after identify, before the security check (srs-wave2-spec §4.5); cancelled like a gate when the client goes. */
  private async traverse(vhost: VhostConfig, kind: 'publish' | 'play'): Promise<TraverseVerdict> {
    const controller = new AbortController();
    this.gateAbort = controller;
    const f = this.facts;
    try {
      return await (this.ctx.tokenTraverse as TokenTraverse).check(vhost, { kind, app: f.app, stream: f.stream, param: f.param, tcUrl: f.tcUrl, pageUrl: f.pageUrl }, controller.signal);
    } finally {
      if (this.gateAbort === controller) this.gateAbort = undefined;
    }
  }

  private emit(type: SessionEventType, reason?: CloseReason, detail?: string): void {
    this.ctx.hooks.notify(this.events.build(type, this.bytes(), reason, detail));
  }

  private rebindLog(): void {
    const f = this.facts;
    this.log.rebind({ cid: f.clientId, conn: f.connId, ip: f.ip, proto: f.protocol, vhost: f.vhost, app: f.app, ...(f.stream === '' ? {} : { stream: f.stream }) });
  }
}

function refused(code: Refusal['code'], description: string, reason: CloseReason): Admission {
  return { ok: false, refusal: { code, description, reason } };
}

/** A gate answered with a redirect (SRS's RTMP 302): the adapter tells the client where to go. */
function redirected(url: string): Admission {
  return { ok: false, refusal: { code: 'redirect', description: 'RTMP 302 Redirect', reason: 'rejected', redirect: url } };
}

const ZERO_BYTES = Object.freeze({ sendBytes: 0, recvBytes: 0 });

function busy(streamUrl: string): Admission {
  return refused('busy', `stream ${streamUrl} is busy`, 'busy');
}

/** A stream's fan-out options from its vhost (every publisher of the stream, relays included). */
export function streamOptions(vhost: VhostConfig, statId: string): StreamOptions {
  return {
    gopCache: vhost.play.gopCache,
    gopCacheMaxFrames: vhost.play.gopCacheMaxFrames,
    batchWindowMs: vhost.minLatency ? 0 : vhost.play.mwLatencyMs,
    statId,
  };
}
