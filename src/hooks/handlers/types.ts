/**
 * The typed in-process handler API (issue 15; lal-lssn-spec Part B, C4):
 * connection and stream handlers, authorizers, media and cache
 * interceptors. Everything an embedder implements or receives is declared
 * here; `handler-system.ts` runs them. Semantics (README "Embedding"):
 * - order ascending (`order`, default 0), ties in registration order;
 *   registering returns the function that unregisters;
 * - notification handlers run behind a bounded executor, in order per
 *   client, never on the client's or the media's stack; each call has a
 *   timeout, after which it is skipped and its `signal` aborts;
 * - authorizers run inside the gate, before the client is answered;
 * - interceptors run synchronously on the media path and must be cheap.
 */
import type { MediaKind, MediaPacket } from '../../media/packet.js';
import type { StreamCacheListener } from '../../core/stream.js';
import type { ClientProtocol, ClientType, CloseReason, ConnectCommand, SessionEvent } from '../events.js';

export type { ConnectCommand } from '../events.js';

/** A value or a promise of it: handlers may be sync or async. */
export type Awaitable<T> = T | PromiseLike<T>;

/** A live client as handlers and `server.clients()` see it, with the one control there is. */
export interface ClientControl {
  /** SRS client id (the id of logs, http_hooks and the HTTP API). */
  readonly id: string;
  readonly protocol: ClientProtocol;
  readonly ip: string;
  readonly port: number;
  /**
   * Ends the client: close reason `kicked`, `reason` as its detail, every
   * end event (unpublish/stop, close) fires once for every sink. Never
   * blocks (the close runs in a microtask), safe inside any handler or
   * interceptor, idempotent: a second call does nothing.
   */
  disconnect(reason?: string): void;
}

/** What `server.clients()` lists: the control plus what the registry knows now. */
export interface ClientHandle extends ClientControl {
  readonly type: ClientType | undefined;
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  /** `publish`, `play` or undefined between them. */
  readonly activity: 'publish' | 'play' | undefined;
  readonly startedAtMs: number;
}

/** Per call: who, the event behind it, when to give up, and the client's own state. */
export interface HandlerContext {
  readonly client: ClientControl;
  /** The session event this call is about (seq, ids, addresses, vhost/app/stream/param ...). */
  readonly event: SessionEvent;
  /**
   * Aborts when this call's timeout passes or the client goes (in onDisposed:
   * only the timeout). A handler past it is already skipped.
   */
  readonly signal: AbortSignal;
  /** A bag per client, the same object from onCreated to onDisposed, dropped after it. */
  readonly state: Map<string | symbol, unknown>;
}

/** A stream as stream handlers and authorizers name it. */
export interface StreamRef {
  /** `/app/stream` (LiveStreamingServerNet's stream path). */
  readonly streamPath: string;
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  /** The query of the stream request (`?token=x&a=b` → {token: 'x', a: 'b'}). */
  readonly args: Readonly<Record<string, string>>;
}

export interface ConnectionHandler {
  readonly order?: number;
  /** The client object exists: nothing was read yet (RTMP: before the handshake; HTTP: the request arrived). */
  onCreated?(ctx: HandlerContext): Awaitable<void>;
  /** RTMP: C2 arrived; HTTP: the request was parsed (our `accept` event). */
  onHandshakeComplete?(ctx: HandlerContext): Awaitable<void>;
  /** RTMP only: `connect` arrived (the _result is being sent), with its command object and arguments. */
  onConnected?(ctx: HandlerContext, command: ConnectCommand): Awaitable<void>;
  /** The client is gone (our `close` event), after its unpublished/unsubscribed; the last call for it. */
  onDisposed?(ctx: HandlerContext, close: { readonly reason: CloseReason; readonly detail: string }): Awaitable<void>;
}

export interface StreamHandler {
  readonly order?: number;
  /** After NetStream.Publish.Start was written (RTMP). */
  onPublished?(ctx: HandlerContext, stream: StreamRef & { readonly publishType: string }): Awaitable<void>;
  onUnpublished?(ctx: HandlerContext, stream: StreamRef): Awaitable<void>;
  /** A player joined: after NetStream.Play.Start (RTMP) or the response head (HTTP-FLV/TS). */
  onSubscribed?(ctx: HandlerContext, stream: StreamRef): Awaitable<void>;
  onUnsubscribed?(ctx: HandlerContext, stream: StreamRef): Awaitable<void>;
  /** The publisher sent onMetaData (each time it does), decoded to plain values. */
  onMetadata?(ctx: HandlerContext, stream: StreamRef, metadata: Readonly<Record<string, unknown>>): Awaitable<void>;
}

/**
 * An authorizer's answer. `allow` with `stream` renames (later authorizers
 * and the hub see the new name), with `redirect` sends the RTMP client SRS's
 * 302, with `maxDurationSec` ends the publish or play after that long
 * (close reason `expired`). `deny`'s reason is what the client is told.
 */
export type AuthDecision =
  | { readonly allow: true; readonly stream?: string; readonly redirect?: string; readonly maxDurationSec?: number }
  | { readonly allow: false; readonly reason: string };

export interface Authorizer {
  readonly order?: number;
  /** RTMP only, at the first publish or play (as SRS on_connect). */
  authorizeConnect?(ctx: HandlerContext, request: StreamRef): Awaitable<AuthDecision>;
  /** Before NetStream.Publish.Start. */
  authorizePublish?(ctx: HandlerContext, request: StreamRef & { readonly publishType: string }): Awaitable<AuthDecision>;
  /** Before NetStream.Play.Start or the HTTP response head. */
  authorizePlay?(ctx: HandlerContext, request: StreamRef): Awaitable<AuthDecision>;
}

/** One media message as interceptors see it. */
export interface MediaInfo {
  /** The publisher's client id. */
  readonly clientId: string;
  readonly streamPath: string;
  readonly kind: MediaKind;
  /** ms, the publisher's RTMP timestamp. */
  readonly timestamp: number;
  readonly isKeyframe: boolean;
  readonly isSequenceHeader: boolean;
  readonly isMetadata: boolean;
}

/** What `onMedia` may answer: `'drop'` drops a data message (ignored for audio/video, which decoders need). */
export type MediaVerdict = void | 'drop';

export interface MediaInterceptor {
  readonly order?: number;
  /** Cheap and synchronous: false skips `onMedia` for this message. */
  filter?(info: MediaInfo): boolean;
  /**
   * Before caching and fan-out, synchronously. `payload` (the FLV tag
   * body) is BORROWED: the same Buffer goes on to the GOP cache and every
   * player, so never write to it; copy (`Buffer.from(payload)`) to keep it.
   * A returned promise is not awaited.
   */
  onMedia(info: MediaInfo, payload: Buffer): MediaVerdict;
}

export interface CacheInterceptor {
  readonly order?: number;
  /** A sequence header (AVC/HEVC record, AAC config) was cached; `payload` borrowed as in onMedia. */
  onSequenceHeader?(info: MediaInfo, payload: Buffer): void;
  /** A frame joined the GOP cache; `payload` borrowed. */
  onGopFrame?(info: MediaInfo, payload: Buffer): void;
  /** The GOP cache dropped its frames (a new key frame, a bound). Not called when the publish ends. */
  onGopCleared?(stream: { readonly clientId: string; readonly streamPath: string }): void;
}

/** Registration options; `order` here wins over the handler's own. */
export interface RegisterOptions {
  readonly order?: number;
}

/** The registration API: `server.handlers`. Every add returns its unregister function (idempotent). */
export interface Handlers {
  addConnectionHandler(handler: ConnectionHandler, options?: RegisterOptions): () => void;
  addStreamHandler(handler: StreamHandler, options?: RegisterOptions): () => void;
  addAuthorizer(handler: Authorizer, options?: RegisterOptions): () => void;
  addMediaInterceptor(handler: MediaInterceptor, options?: RegisterOptions): () => void;
  addCacheInterceptor(handler: CacheInterceptor, options?: RegisterOptions): () => void;
}

/** Runs on every packet of a publish before the stream takes it; false drops the packet. */
export type MediaIntercept = (packet: MediaPacket) => boolean;

/** A publish as the interceptors hook into it (the session's lease implements it). */
export interface PublishSite {
  readonly stream: { listenToCache(listener: StreamCacheListener | undefined): void } | undefined;
  /** Set while media interceptors are registered, undefined otherwise. */
  interceptor: MediaIntercept | undefined;
}

/** Who the publish is. */
export interface PublishOwner {
  readonly clientId: string;
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
}

/** What the session tells of every publish so interceptors can hook in; returns the detach function. */
export interface PublishTaps {
  attach(site: PublishSite, owner: PublishOwner): () => void;
}
