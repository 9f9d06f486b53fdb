import type { Logger } from '../log.js';
import type { Config } from '../config/schema.js';
import type { GateSink, HlsSegmentEvent, HlsSegmentOpenEvent, HookPort, NotifySink, RelayEvent, ServerEvent, SessionEvent } from './events.js';
import { HookDispatcher, OptionalDeliveries } from './dispatcher.js';
import { HookExecutor, type ExecutorLimits } from './executor.js';
import { createHookHttpClient, DEFAULT_HTTP_CLIENT_LIMITS, DEFAULT_MAX_RESPONSE_BYTES, type HttpClientLimits } from './http-client.js';
import { DEFAULT_RETRY_DELAYS_MS, type SinkStats } from './hook-execution.js';
import { SinkMeter, type HookObserver } from './sink-meter.js';
import { SrsHttpHooksSink } from './srs-http-hooks.js';
import { SrsHlsHooksSink } from './srs-hls-hooks.js';
import { ScriptSink } from './script.js';
import { WebhookSink } from './webhook.js';
import { DEFAULT_STDIO_MAX_BUFFERED_BYTES, StdioSink } from './stdio.js';
import { LalNotifySink, type LalGroupPort } from './lal/lal-notify-sink.js';
import { NotificationDelivery, type DeliverySpoolStats } from './delivery.js';
import { EventIds } from './event-ids.js';
import { Spool } from './spool/spool.js';
import { HandlerSystem } from './handlers/handler-system.js';
import type { ConnectCommand } from './events.js';

export { parseHookFlag, validateHookTargets } from './hook-targets.js';

/** The longest a shutdown waits for spooled notifications in flight. */
const SPOOL_DRAIN_MAX_MS = 1000;

/**
 * The composition of the hook sinks behind the one port a session uses.
 * Gates, in order: SRS http_hooks, then in-process handlers. Notifiers: SRS
 * on_close/on_unpublish/on_stop (own executor), scripts and webhooks (one
 * shared executor: at most `hooks.concurrency` runs, `hooks.queueSize`
 * waiting), stdio, in-process handlers. Every setting is read from
 * `getConfig()` at each event, so a reload applies to the next event.
 */

/** How the app builds the hook system. */
export interface HookSystemOptions {
  /** LIVE config: read at every event (SIGHUP reload applies to the next event). */
  getConfig: () => Config;
  /** Root logger; hook lines go to a child `{ component: 'hooks' }` and name their `sink`. */
  logger: Logger;
  /** For SRS bodies (srs-spec §1.5). */
  serverId: string;
  serviceId: string;
  /** Extra in-process sinks (embedding, the untyped form kept for compatibility). */
  handlers?: readonly (GateSink | NotifySink)[] | undefined;
  /** Ends a client by id (the registry's kick): what a typed handler's `disconnect` does. */
  closeClient?: ((clientId: string, detail: string) => void) | undefined;
  /** Per typed handler call (default 5 s). */
  handlerTimeoutMs?: number | undefined;
  /** What an authorizer that throws or times out means (default deny). */
  onAuthorizerFailure?: 'deny' | 'allow' | undefined;
  /** Told of every hook call's outcome and attempt time (the metrics exporter). */
  observer?: HookObserver | undefined;
  /** The server's own notifiers (the metrics exporter): told of every event, not metered as hooks. */
  internalNotifiers?: readonly NotifySink[] | undefined;
  /** For the stdio sink; default process.stdout. */
  stdout?: NodeJS.WritableStream | undefined;
  /** Backoff of retried HTTP notifications (default 1 s, 3 s: two retries). */
  retryDelaysMs?: readonly number[] | undefined;
  /** Cap on an HTTP response body (default 64 KiB); bigger fails the call. */
  maxResponseBytes?: number | undefined;
  /** Unwritten stdio output beyond which events are dropped (default 1 MiB). */
  stdioMaxBufferedBytes?: number | undefined;
  /** Script stdout/stderr kept for the log, per stream (default 4 KiB). */
  scriptMaxOutputBytes?: number | undefined;
  /** Wait for pipes held by a script's background children after it exits (default 1 s). */
  scriptPipeGraceMs?: number | undefined;
  /** undici pool bounds. */
  httpLimits?: HttpClientLimits | undefined;
  /** What lalserver's http_notify reads of the streams, and its bin_info; absent: every group reads as empty. */
  lal?: { readonly groups: LalGroupPort; readonly binInfo: string } | undefined;
}

/** Counters of one sink. */
export type HookSinkStats = Readonly<SinkStats>;

/** The session-facing port plus lifecycle. */
export interface HookSystem extends HookPort {
  /** A stream's HLS segment to every sink that takes segment events; never blocks, never throws. */
  segment(event: HlsSegmentEvent): void;
  /** An HLS segment file opened; never blocks, never throws. */
  segmentOpen(event: HlsSegmentOpenEvent): void;
  /** An RTMP connect arrived; never blocks, never throws. */
  connectCommand(event: SessionEvent, command?: ConnectCommand): void;
  /** A client was created (see HookPort.clientCreated); never blocks, never throws. */
  clientCreated(build: () => SessionEvent): void;
  /** A client ended before accept (see HookPort.clientDiscarded); never blocks, never throws. */
  clientDiscarded(build: () => SessionEvent): void;
  /** The typed in-process handler API (register handlers, interceptors) and the publish taps. */
  readonly handlers: HandlerSystem;
  /** A server-scope event (start, periodic update); never blocks, never throws. */
  server(event: ServerEvent): void;
  /** Whether some sink wants a server_update at this tick (seconds since the listeners started). */
  wantsUpdate(tick: number): boolean;
  /** A relay event; never blocks, never throws (nothing emits them until relays exist). */
  relay(event: RelayEvent): void;
  /** Waits (bounded) until queued notifications are delivered or dropped; used on SIGTERM after close events. */
  drain(timeoutMs: number): Promise<void>;
  /** The spool's size, pending count and drops; undefined without `hooks { spool DIR; }`. */
  spoolStats(): DeliverySpoolStats | undefined;
  /** Counters for logs/API: delivered, failed, dropped, retried per sink. */
  stats(): Record<string, { delivered: number; failed: number; dropped: number; retried: number }>;
  /** Drops what is still queued, kills running scripts, closes the undici agents. */
  close(): Promise<void>;
}

/** Builds every sink and the dispatcher; `app.ts` calls it once. */
export function createHookSystem(options: HookSystemOptions): HookSystem {
  const { getConfig } = options;
  // Every hook log line names its sink itself (`sink` field), so one child serves all.
  const logger = options.logger.child({ component: 'hooks' });
  const limits = (): ExecutorLimits => ({ concurrency: getConfig().hooks.concurrency, queueSize: getConfig().hooks.queueSize });
  const client = createHookHttpClient(options.httpLimits ?? DEFAULT_HTTP_CLIENT_LIMITS);
  const srsExecutor = new HookExecutor(limits);
  const guideExecutor = new HookExecutor(limits);
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const stats = new Map<string, SinkStats>();
  const meters = new Map<string, SinkMeter>();
  const meterFor = (name: string): SinkMeter => {
    let meter = meters.get(name);
    if (meter === undefined) {
      meter = new SinkMeter(name, options.observer);
      meters.set(name, meter);
      stats.set(name, meter.counts);
    }
    return meter;
  };
  // The spool is opened once, at start: a reload that adds, moves or drops it applies after a restart.
  const spoolConfig = getConfig().hooks.spool;
  const opened = spoolConfig === undefined ? undefined : Spool.open({ dir: spoolConfig.dir, maxSizeBytes: spoolConfig.maxSizeBytes, logger });
  // With a spool, its own executor: the spool bounds what waits, so the queue does not.
  const spoolExecutor = opened === undefined ? undefined : new HookExecutor(() => ({ concurrency: getConfig().hooks.concurrency, queueSize: Number.MAX_SAFE_INTEGER }));
  const eventIds = new EventIds(Date.now(), opened?.lastSeq ?? 0);
  const delivery = new NotificationDelivery({
    getConfig,
    logger,
    client,
    meterOf: meterFor,
    retryDelaysMs,
    maxResponseBytes,
    ids: eventIds,
    spool: opened === undefined || spoolConfig === undefined || spoolExecutor === undefined ? undefined : { spool: opened.spool, executor: spoolExecutor, config: spoolConfig },
  });

  const srs = new SrsHttpHooksSink({
    getConfig,
    logger,
    client,
    executor: srsExecutor,
    ids: { serverId: options.serverId, serviceId: options.serviceId },
    maxResponseBytes,
    meter: meterFor('http_hooks'),
    delivery,
    eventIds,
  });
  meterFor('http_hooks_hls');
  const srsHls = new SrsHlsHooksSink({
    getConfig,
    logger,
    executor: srsExecutor,
    ids: { serverId: options.serverId, serviceId: options.serviceId },
    delivery,
    cwd: process.cwd(),
  });
  const script = new ScriptSink({
    getConfig,
    logger,
    executor: guideExecutor,
    meter: meterFor('script'),
    maxOutputBytes: options.scriptMaxOutputBytes ?? 4096,
    pipeGraceMs: options.scriptPipeGraceMs ?? 1000,
  });
  meterFor('webhook');
  const webhook = new WebhookSink({
    getConfig,
    logger,
    executor: guideExecutor,
    delivery,
  });
  const stdio = new StdioSink({
    getConfig,
    logger,
    out: options.stdout ?? process.stdout,
    meter: meterFor('stdio'),
    maxBufferedBytes: options.stdioMaxBufferedBytes ?? DEFAULT_STDIO_MAX_BUFFERED_BYTES,
  });

  // lalserver http_notify: its own executor, bounded by the sink itself so a start's stop always has room.
  const lalExecutor = new HookExecutor(() => ({ concurrency: getConfig().hooks.concurrency, queueSize: Number.MAX_SAFE_INTEGER }));
  const lal = new LalNotifySink({
    getConfig,
    logger,
    delivery,
    executor: lalExecutor,
    meter: meterFor('http_notify'),
    serverId: options.serverId,
    binInfo: options.lal?.binInfo ?? 'srs-ts',
    cwd: process.cwd(),
    groups: options.lal?.groups ?? { stateAfter: () => ({ hasIn: false, hasOut: false }) },
  });

  const handlerGates: GateSink[] = [];
  const handlerNotifiers: NotifySink[] = [];
  for (const handler of options.handlers ?? []) {
    if (isGateSink(handler)) handlerGates.push(handler);
    if (isNotifySink(handler)) handlerNotifiers.push(countingNotifier(handler, meterFor(`handler:${handler.name}`)));
  }
  // Typed handlers: their own executor, so a slow handler never queues in front of the HTTP hooks.
  const handlerExecutor = new HookExecutor(limits);
  const typed = new HandlerSystem({
    logger,
    executor: handlerExecutor,
    closeClient: options.closeClient ?? (() => undefined),
    timeoutMs: options.handlerTimeoutMs ?? 5_000,
    onAuthorizerFailure: options.onAuthorizerFailure,
  });
  const notifiers = [srs, srsHls, script, webhook, stdio, lal, ...handlerNotifiers, typed, ...(options.internalNotifiers ?? [])];
  const dispatcher = new HookDispatcher([srs, ...handlerGates, typed], notifiers, logger);
  const optional = new OptionalDeliveries(notifiers, logger);
  // What the spool held at start goes out first, before any new event (every meter exists by now).
  if (opened !== undefined) delivery.resume(opened.pending);

  return {
    wantsGate: (event) => dispatcher.wantsGate(event),
    gate: (event, signal) => dispatcher.gate(event, signal),
    notify: (event) => dispatcher.notify(event),
    segment: (event) => dispatcher.segment(event),
    segmentOpen: (event) => optional.segmentOpen(event),
    connectCommand: (event, command) => optional.connectCommand(event, command),
    clientCreated: (build) => typed.clientCreated(build),
    clientDiscarded: (build) => typed.clientDiscarded(build),
    handlers: typed,
    server: (event) => optional.server(event),
    wantsUpdate: (tick) => optional.wantsUpdate(tick),
    relay: (event) => optional.relay(event),
    drain: async (timeoutMs) => {
      await Promise.all([
        srsExecutor.drain(timeoutMs),
        lalExecutor.drain(timeoutMs),
        guideExecutor.drain(timeoutMs),
        // What the spool holds is on disk and sent at the next start: a dead receiver must not hold up a shutdown.
        spoolExecutor?.drain(Math.min(timeoutMs, SPOOL_DRAIN_MAX_MS)),
        handlerExecutor.drain(timeoutMs),
        stdio.drain(timeoutMs),
        ...handlerNotifiers.map((sink) => sink.drain?.(timeoutMs)),
      ]);
    },
    spoolStats: () => delivery.spoolStats(),
    stats: () => Object.fromEntries([...stats].map(([name, counters]) => [name, { ...counters }])),
    close: async () => {
      srsExecutor.close();
      guideExecutor.close();
      handlerExecutor.close();
      lalExecutor.close();
      spoolExecutor?.close();
      stdio.close();
      await opened?.spool.close();
      await client.close();
    },
  };
}

function isGateSink(sink: GateSink | NotifySink): sink is GateSink {
  return typeof (sink as Partial<GateSink>).gate === 'function';
}

function isNotifySink(sink: GateSink | NotifySink): sink is NotifySink {
  return typeof (sink as Partial<NotifySink>).notify === 'function';
}

/** Counts an in-process notifier's calls; a throw is counted here and logged by the dispatcher. */
function countingNotifier(sink: NotifySink, meter: SinkMeter): NotifySink {
  return {
    name: sink.name,
    notify(event: SessionEvent): void {
      try {
        sink.notify(event);
        meter.outcome(event.type, 'delivered');
      } catch (error) {
        meter.outcome(event.type, 'failed');
        throw error;
      }
    },
    ...(sink.drain === undefined ? {} : { drain: (timeoutMs: number) => sink.drain!(timeoutMs) }),
  };
}
