import type { Logger } from '../../log.js';
import type { MediaPacket } from '../../media/packet.js';
import { ALLOW, type ConnectCommand, type GateControl, type GateSink, type GateVerdict, type NotifySink, type SessionEvent } from '../events.js';
import type { HookExecutor } from '../executor.js';
import { guardedCall } from './handler-call.js';
import { HandlerList } from './handler-list.js';
import { decodeMetadata } from '../../core/metadata-values.js';
import { PublishTap } from './publish-tap.js';
import type {
  AuthDecision,
  Authorizer,
  CacheInterceptor,
  ClientControl,
  ConnectionHandler,
  HandlerContext,
  Handlers,
  MediaInterceptor,
  PublishOwner,
  PublishSite,
  PublishTaps,
  RegisterOptions,
  StreamHandler,
  StreamRef,
} from './types.js';

/** What the handler system needs; the hook system builds it. */
export interface HandlerSystemOptions {
  readonly logger: Logger;
  /** Runs the notification calls: bounded, in order per client. */
  readonly executor: HookExecutor;
  /** Ends a client by id with reason `kicked` (the registry's kick); unknown ids are ignored. */
  readonly closeClient: (clientId: string, detail: string) => void;
  /** Per handler call; past it the call is skipped and its signal aborts. */
  readonly timeoutMs: number;
  /** What an authorizer that throws or times out means (default deny: fail closed, as the gates). */
  readonly onAuthorizerFailure?: 'deny' | 'allow';
}

/** What the system keeps per client while handlers exist: its control, its state bag, its "gone" signal. */
interface ClientRecord {
  readonly control: ClientControl;
  readonly state: Map<string | symbol, unknown>;
  readonly gone: AbortController;
  /** The latest event, for calls that come from the media path (onMetadata). */
  last: SessionEvent;
}

type Notification = { readonly kind: string; readonly run: (ctx: HandlerContext, handler: ConnectionHandler & StreamHandler) => unknown };

/**
 * The in-process handler API (issue 15) as one sink: a gate sink for the
 * authorizers, a notify sink for connection and stream handlers, and the
 * publish taps for media and cache interceptors. With nothing registered it
 * keeps no per-client state and the media path is untouched.
 */
export class HandlerSystem implements GateSink, NotifySink, PublishTaps, Handlers {
  readonly name = 'handlers';
  private readonly connection = new HandlerList<ConnectionHandler>();
  private readonly stream = new HandlerList<StreamHandler>(() => this.retap());
  private readonly authorizers = new HandlerList<Authorizer>();
  readonly media = new HandlerList<MediaInterceptor>(() => this.retap());
  readonly cache = new HandlerList<CacheInterceptor>(() => this.retap());
  private readonly clients = new Map<string, ClientRecord>();
  private readonly taps = new Set<PublishTap>();

  constructor(private readonly options: HandlerSystemOptions) {}

  get logger(): Logger {
    return this.options.logger;
  }

  addConnectionHandler(handler: ConnectionHandler, options?: RegisterOptions): () => void {
    return this.connection.add(handler, options?.order ?? handler.order ?? 0);
  }

  addStreamHandler(handler: StreamHandler, options?: RegisterOptions): () => void {
    return this.stream.add(handler, options?.order ?? handler.order ?? 0);
  }

  addAuthorizer(handler: Authorizer, options?: RegisterOptions): () => void {
    return this.authorizers.add(handler, options?.order ?? handler.order ?? 0);
  }

  addMediaInterceptor(handler: MediaInterceptor, options?: RegisterOptions): () => void {
    return this.media.add(handler, options?.order ?? handler.order ?? 0);
  }

  addCacheInterceptor(handler: CacheInterceptor, options?: RegisterOptions): () => void {
    return this.cache.add(handler, options?.order ?? handler.order ?? 0);
  }

  // --- authorizers (gate) ---

  wantsGate(event: SessionEvent): boolean {
    const method = AUTH_METHOD[event.type as 'connect' | 'publish' | 'play'];
    return method !== undefined && this.authorizers.items.some((a) => a[method] !== undefined);
  }

  /** Each authorizer in order, inside the gate: the first deny wins; renames chain; a failure denies (or allows, as configured). */
  async gate(event: SessionEvent, signal: AbortSignal): Promise<GateVerdict> {
    const method = AUTH_METHOD[event.type as 'connect' | 'publish' | 'play'];
    if (method === undefined) return ALLOW;
    const record = this.record(event);
    let control: GateControl | undefined;
    let current = event;
    for (const authorizer of this.authorizers.items) {
      const authorize = authorizer[method];
      if (authorize === undefined) continue;
      if (signal.aborted) return { allow: false, hook: 'authorizer', reason: 'authorizer aborted: session closed' };
      const request = { ...streamRefOf(current), publishType: current.publishType };
      const outcome = await guardedCall(this.logger, { handler: `authorizer ${method}`, clientId: event.clientId }, this.options.timeoutMs, AbortSignal.any([signal, record.gone.signal]), (callSignal) =>
        (authorize as (ctx: HandlerContext, request: StreamRef & { publishType: string }) => AuthDecision | PromiseLike<AuthDecision>).call(authorizer, this.context(record, current, callSignal), request),
      );
      if (!outcome.ok) {
        if ((this.options.onAuthorizerFailure ?? 'deny') === 'deny') return { allow: false, hook: 'authorizer', reason: 'authorizer failed' };
        continue;
      }
      const decision = outcome.value;
      if (typeof decision !== 'object' || decision === null || decision.allow !== true) {
        const reason = typeof decision === 'object' && decision !== null && typeof decision.reason === 'string' && decision.reason !== '' ? decision.reason : 'denied by authorizer';
        return { allow: false, hook: 'authorizer', reason };
      }
      const next = controlOf(decision);
      if (next !== undefined) {
        control = { ...control, ...next };
        if (next.stream !== undefined) current = { ...current, stream: next.stream, streamUrl: current.streamUrl.endsWith(`/${current.stream}`) ? current.streamUrl.slice(0, current.streamUrl.length - current.stream.length) + next.stream : current.streamUrl };
      }
    }
    return control === undefined ? ALLOW : { allow: true, control };
  }

  // --- connection and stream handlers (notify) ---

  /** The event is built only when a handler exists: a server without handlers pays nothing per client. */
  clientCreated(build: () => SessionEvent): void {
    if (this.connection.size === 0 && this.stream.size === 0 && this.authorizers.size === 0) return;
    const event = build();
    const record = this.record(event);
    this.queue(record, event, { kind: 'onCreated', run: (ctx, h) => h.onCreated?.(ctx) }, this.connection.items);
  }

  /** A client ended before accept: its onDisposed (and its record) is due like any close. */
  clientDiscarded(build: () => SessionEvent): void {
    if (this.clients.size === 0) return;
    const event = build();
    if (!this.clients.has(event.clientId)) return;
    this.notify(event);
  }

  connectCommand(event: SessionEvent, command?: ConnectCommand): void {
    if (this.connection.size === 0) return;
    const record = this.record(event);
    const cmd: ConnectCommand = command ?? { commandObject: {}, args: undefined };
    this.queue(record, event, { kind: 'onConnected', run: (ctx, h) => h.onConnected?.(ctx, cmd) }, this.connection.items);
  }

  notify(event: SessionEvent): void {
    if (event.type === 'close') {
      const record = this.clients.get(event.clientId);
      // Dropped now, not after the job: a close job the queue drops must not leak the bag.
      this.clients.delete(event.clientId);
      if (record === undefined && this.connection.size === 0) return;
      const rec = record ?? this.newRecord(event);
      rec.gone.abort();
      rec.last = event;
      const close = { reason: event.reason ?? 'client_close', detail: event.detail };
      this.queue(rec, event, { kind: 'onDisposed', run: (ctx, h) => h.onDisposed?.(ctx, close) }, this.connection.items, true);
      return;
    }
    if (this.connection.size === 0 && this.stream.size === 0 && this.authorizers.size === 0) return;
    const record = this.record(event);
    const ref = streamRefOf(event);
    switch (event.type) {
      case 'accept':
        this.queue(record, event, { kind: 'onHandshakeComplete', run: (ctx, h) => h.onHandshakeComplete?.(ctx) }, this.connection.items);
        return;
      case 'publish':
        this.queue(record, event, { kind: 'onPublished', run: (ctx, h) => h.onPublished?.(ctx, { ...ref, publishType: event.publishType }) }, this.stream.items);
        return;
      case 'unpublish':
        this.queue(record, event, { kind: 'onUnpublished', run: (ctx, h) => h.onUnpublished?.(ctx, ref) }, this.stream.items);
        return;
      case 'play':
        this.queue(record, event, { kind: 'onSubscribed', run: (ctx, h) => h.onSubscribed?.(ctx, ref) }, this.stream.items);
        return;
      case 'stop':
        this.queue(record, event, { kind: 'onUnsubscribed', run: (ctx, h) => h.onUnsubscribed?.(ctx, ref) }, this.stream.items);
        return;
      default:
        return;
    }
  }

  /** Waits (bounded) for queued handler calls; SIGTERM. */
  drain(timeoutMs: number): Promise<void> {
    return this.options.executor.drain(timeoutMs);
  }

  // --- media and cache interceptors (publish taps) ---

  attach(site: PublishSite, owner: PublishOwner): () => void {
    const tap = new PublishTap(site, owner, this);
    this.taps.add(tap);
    this.wire(tap);
    return () => {
      if (!this.taps.delete(tap)) return;
      site.interceptor = undefined;
      site.stream?.listenToCache(undefined);
    };
  }

  /** From a tap: onMetaData was cached; stream handlers hear of it in the publisher's order. */
  metadata(owner: PublishOwner, packet: MediaPacket): void {
    const handlers = this.stream.items.filter((h) => h.onMetadata !== undefined);
    if (handlers.length === 0) return;
    const record = this.clients.get(owner.clientId);
    if (record === undefined) return;
    // Decoded now: the payload is borrowed, the call runs later.
    const metadata = Object.freeze(decodeMetadata(packet.payload));
    const ref = streamRefOf(record.last);
    this.queue(record, record.last, { kind: 'onMetadata', run: (ctx, h) => h.onMetadata?.(ctx, ref, metadata) }, handlers);
  }

  /** Handlers changed: every live publish gets (or loses) its interceptor and cache listener. */
  private retap(): void {
    for (const tap of this.taps) this.wire(tap);
  }

  private wire(tap: PublishTap): void {
    tap.site.interceptor = this.media.size > 0 ? tap.intercept : undefined;
    const listens = this.cache.size > 0 || this.stream.items.some((h) => h.onMetadata !== undefined);
    tap.site.stream?.listenToCache(listens ? tap : undefined);
  }

  private record(event: SessionEvent): ClientRecord {
    let record = this.clients.get(event.clientId);
    if (record === undefined) {
      record = this.newRecord(event);
      this.clients.set(event.clientId, record);
    }
    record.last = event;
    return record;
  }

  private newRecord(event: SessionEvent): ClientRecord {
    const { closeClient } = this.options;
    const id = event.clientId;
    let disconnected = false;
    const control: ClientControl = {
      id,
      protocol: event.protocol,
      ip: event.ip,
      port: event.port,
      disconnect(reason?: string): void {
        if (disconnected) return;
        disconnected = true;
        // Deferred: the caller may be inside the session's own stack (a gate, the media path).
        queueMicrotask(() => closeClient(id, reason ?? 'disconnected by a handler'));
      },
    };
    return { control, state: new Map(), gone: new AbortController(), last: event };
  }

  private context(record: ClientRecord, event: SessionEvent, signal: AbortSignal): HandlerContext {
    return { client: record.control, event, signal, state: record.state };
  }

  /** One job on the client's chain: each handler that defines the callback, in order, each guarded. */
  private queue(record: ClientRecord, event: SessionEvent, note: Notification, handlers: readonly (ConnectionHandler | StreamHandler)[], final = false): void {
    const callees = handlers.filter((h) => (h as Record<string, unknown>)[note.kind] !== undefined);
    if (callees.length === 0) return;
    const { logger, timeoutMs } = this.options;
    this.options.executor.submit(`handlers:${event.clientId}`, {
      run: async () => {
        for (const handler of callees) {
          // onDisposed: the client is gone by definition, only the timeout aborts.
          const outer = final ? undefined : record.gone.signal;
          await guardedCall(logger, { handler: note.kind, clientId: event.clientId }, timeoutMs, outer, (signal) => note.run(this.context(record, event, signal), handler as ConnectionHandler & StreamHandler));
        }
      },
      dropped: (reason) => logger.error({ sink: this.name, handler: note.kind, client_id: event.clientId, reason }, 'handler call dropped'),
    });
  }
}

const AUTH_METHOD = { connect: 'authorizeConnect', publish: 'authorizePublish', play: 'authorizePlay' } as const;

/** The stream of an event as handlers name it. */
export function streamRefOf(event: SessionEvent): StreamRef {
  const args: Record<string, string> = {};
  if (event.param !== '') for (const [key, value] of new URLSearchParams(event.param.startsWith('?') ? event.param.slice(1) : event.param)) args[key] = value;
  return { streamPath: `/${event.app}/${event.stream}`, vhost: event.vhost, app: event.app, stream: event.stream, args };
}

/** An authorizer's allow as the session's gate control; what does not fit is dropped (logged by the session if it matters). */
function controlOf(decision: Extract<AuthDecision, { allow: true }>): GateControl | undefined {
  const control: { stream?: string; redirect?: string; maxDurationSec?: number } = {};
  if (typeof decision.stream === 'string' && decision.stream !== '') control.stream = decision.stream;
  if (typeof decision.redirect === 'string' && decision.redirect !== '') control.redirect = decision.redirect;
  if (typeof decision.maxDurationSec === 'number' && decision.maxDurationSec > 0) control.maxDurationSec = decision.maxDurationSec;
  return Object.keys(control).length === 0 ? undefined : control;
}
