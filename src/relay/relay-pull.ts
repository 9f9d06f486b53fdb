import type { Logger } from '../log.js';
import type { VhostConfig } from '../config/schema.js';
import { Hub } from '../core/hub.js';
import { randomStatId } from '../core/ids.js';
import type { Stream } from '../core/stream.js';
import { RtmpClient } from './rtmp-client.js';
import type { CloseReason } from '../hooks/events.js';
import { toMediaPacket } from '../media/flv-tag.js';
import type { ClientRegistry, RegisteredClient } from '../session/client-registry.js';
import { streamOptions, type PublishObservers } from '../session/client.js';
import { publisherFactsOf, type SessionFacts } from '../session/session-event.js';
import { errorMessage } from '../util/error-message.js';
import { relayFacts } from './relay-facts.js';
import { generateStreamUrl } from '../session/stream-url.js';
import { RetryClock, type BackoffLimits } from './retry-clock.js';
import type { UpstreamTarget } from './upstream-url.js';
import type { RelayEvent } from '../hooks/events.js';

/** Every bound of a pull (srs-wave2-spec §4.2 gives SRS's: 5 s connect, 5 s silence, 3 s between tries). */
export interface PullLimits extends BackoffLimits {
  /** TCP connect + handshake + `connect`, and separately `play`. */
  readonly connectTimeoutMs: number;
  /** No media for this long while the origin publishes: the upstream is dead, try again. */
  readonly silenceMs: number;
  /** Waiting for the origin's publisher (after UnpublishNotify, or before the first media): reconnect after this long. */
  readonly idleMs: number;
}

export const DEFAULT_PULL_LIMITS: PullLimits = {
  connectTimeoutMs: 5_000,
  silenceMs: 5_000,
  idleMs: 30_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 30_000,
};

export interface PullContext {
  readonly hub: Hub;
  readonly registry: ClientRegistry;
  readonly logger: Logger;
  readonly publishObservers?: PublishObservers | undefined;
  readonly limits: PullLimits;
  /** Named in the upstream connect with the chain before it, so an origin that is one of ours upstream refuses the loop. */
  readonly instanceId: string;
  /** Told when an upstream play starts and when that upstream ends (lal on_relay_pull_start/stop). */
  readonly relayEvents?: ((event: RelayEvent) => void) | undefined;
  readonly random?: () => number;
}

/** The local stream a pull feeds. */
export interface PullStream {
  readonly app: string;
  readonly stream: string;
  /** The query asked upstream ('' when none), as the registry shows it. */
  readonly param: string;
}

/** Where a pull goes and how long it keeps trying. */
export interface PullPlan {
  /** Tried in order, round after round (an edge's origins; lal's one URL). */
  readonly targets: readonly UpstreamTarget[];
  /** Server ids the relay chain already passed (loop detection upstream). */
  readonly relayVia: readonly string[];
  /** Upstream sessions before the pull gives up, successful ones included (lal pull_retry_num + 1); undefined: forever. */
  readonly maxAttempts?: number | undefined;
  /** Replaces the limits' connect timeout (lal pull_timeout_ms). */
  readonly connectTimeoutMs?: number | undefined;
  /** The pull gave up after `maxAttempts` and stopped itself. */
  readonly onGiveUp?: (() => void) | undefined;
}

const PUBLISHING = Object.freeze({ kind: 'publish' as const });

/**
 * One stream's pull from upstream: an edge's from its origins (srs-wave2-spec
 * §4.2) or a lal relay pull from its URL (lal-lssn-spec A6). An RTMP play
 * upstream whose media this server publishes into its own stream, so
 * every local viewer of any protocol shares it. Origins are tried in config
 * order and the next one is tried at once when one fails (SRS round-robins
 * on every reconnect); after all failed in a row, the pull waits with
 * exponential backoff and jitter, so a dead origin sees no reconnect storm.
 * A lost upstream keeps the local stream published while the next origin
 * is tried (viewers see a stall, not an end); when the origin's publisher
 * leaves, or every origin failed in a row, local viewers are told as on any
 * unpublish and resume when media comes back. The pull is a client in the
 * registry (`rtmp-pull`): the API lists it as the stream's publisher, and a
 * kick restarts its upstream.
 */
export class RelayPull implements RegisteredClient {
  readonly protocol = 'rtmp' as const;
  readonly type = 'rtmp-pull' as const;
  readonly startedAtMs = Date.now();
  readonly facts: SessionFacts;
  private readonly log: Logger;
  private readonly publisherRef: { clientId: string };
  private stopped = false;
  private upstream: RtmpClient | undefined;
  private publishing: Stream | undefined;
  private attempts = 0;
  private originIndex = 0;
  private readonly retry: RetryClock;
  private bytesBefore = 0;

  constructor(
    private readonly ctx: PullContext,
    private readonly vhost: VhostConfig,
    private readonly local: PullStream,
    private readonly plan: PullPlan,
    readonly id: string,
  ) {
    this.publisherRef = { clientId: id };
    this.retry = new RetryClock(ctx.limits, ctx.random);
    this.facts = relayFacts(id, 'rtmp-pull', {
      vhost: vhost.name,
      app: local.app,
      stream: local.stream,
      param: local.param,
      streamUrl: generateStreamUrl(vhost.name, local.app, local.stream),
      streamId: '',
    }, ctx.registry.nextOrdinal('rtmp-pull'));
    this.log = ctx.logger.child({ cid: id, proto: 'rtmp-pull', vhost: vhost.name, app: local.app, stream: local.stream });
  }

  get key(): string {
    return Hub.keyOf(this.vhost.name, this.local.app, this.local.stream);
  }

  /** Registers and runs until {@link stop}. */
  start(): void {
    this.ctx.registry.add(this);
    void this.run();
  }

  /** Ends the pull for good: the upstream closes, local viewers are told the stream stopped. */
  stop(detail: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ctx.registry.remove(this);
    this.retry.wake();
    this.upstream?.close();
    this.unpublish();
    this.log.info({ detail }, 'edge pull stop');
  }

  /** Publishing while the local stream carries upstream media (lal: the pull session is established). */
  get current(): { readonly kind: 'publish' } | undefined {
    return this.publishing === undefined ? undefined : PUBLISHING;
  }

  bytes(): { sendBytes: number; recvBytes: number } {
    return { sendBytes: 0, recvBytes: this.bytesBefore + (this.upstream?.bytesReceived ?? 0) };
  }

  /** A kick (API) restarts the upstream; the pull itself lives while the edge has viewers. */
  close(reason: CloseReason, detail: string): void {
    this.log.warn({ reason, detail }, 'edge pull upstream closed by request');
    this.upstream?.close();
  }

  private async run(): Promise<void> {
    const { targets, maxAttempts } = this.plan;
    let sessions = 0;
    while (!this.stopped) {
      const target = targets[this.originIndex % targets.length] ?? targets[0]!;
      const carriedMedia = await this.session(target);
      if (this.stopped) return;
      sessions++;
      if (maxAttempts !== undefined && sessions >= maxAttempts) {
        this.log.warn({ attempts: sessions }, 'relay pull: attempts used up, stopping');
        this.stop('attempts used up');
        this.plan.onGiveUp?.();
        return;
      }
      this.originIndex++;
      this.attempts = carriedMedia ? 0 : this.attempts + 1;
      // The next origin at once; a pause only after every origin failed in a row, and only then are
      // local viewers told the stream stopped (until then a failover is a stall, as SRS's edge).
      if (this.attempts > 0 && this.attempts % targets.length === 0) {
        this.unpublish();
        await this.retry.sleep(this.retry.delayMs(this.attempts / targets.length - 1));
      }
    }
  }

  /** One upstream connection; resolves with whether it carried media when it ends. */
  private async session(target: UpstreamTarget): Promise<boolean> {
    const { limits } = this.ctx;
    const where = target.remote;
    let carriedMedia = false;
    // Media since the watchdog's last look: a flag per message, the clock read once per tick.
    let mediaSinceTick = false;
    let lastMediaMs = Date.now();
    let client: RtmpClient;
    try {
      const via = [...this.plan.relayVia, this.ctx.instanceId].join(' ');
      client = await RtmpClient.connect(target.url, { tcUrl: target.tcUrl, timeoutMs: this.plan.connectTimeoutMs ?? limits.connectTimeoutMs, connectArgs: { srs_ts_via: via } });
    } catch (error) {
      this.log.warn({ origin: where, err: errorMessage(error) }, 'edge pull: connect to origin failed');
      return false;
    }
    if (this.stopped) {
      client.close();
      return false;
    }
    this.upstream = client;
    this.facts.tcUrl = target.tcUrl;
    // The peer is the upstream (SRS API `ip`, lal's `remote_addr` of the group's pull).
    this.facts.ip = target.host;
    this.facts.port = target.port;
    client.onMessage = (kind, timestamp, payload) => {
      mediaSinceTick = true;
      const stream = this.publishing ?? this.publish();
      // Refused locally (an encoder publishes here): not media carried, so the retry backs off.
      if (stream === undefined) return;
      carriedMedia = true;
      stream.publish(toMediaPacket(kind, timestamp, payload));
    };
    client.onStatus = (status) => {
      // The origin's publisher left: local viewers are told now, and resume with its next media.
      if (status.code === 'NetStream.Play.UnpublishNotify') this.unpublish();
    };
    const watchdog = setInterval(() => {
      const nowMs = Date.now();
      if (mediaSinceTick) lastMediaMs = nowMs;
      mediaSinceTick = false;
      const quietMs = nowMs - lastMediaMs;
      if (this.publishing !== undefined ? quietMs > limits.silenceMs : quietMs > limits.idleMs) {
        this.log.warn({ origin: where, quietMs }, 'edge pull: upstream silent, reconnecting');
        client.close();
      }
    }, Math.min(1_000, limits.silenceMs));
    watchdog.unref();
    let playing = false;
    try {
      await client.play();
      this.log.info({ origin: where, url: target.url, tcUrl: target.tcUrl }, 'edge pull start');
      lastMediaMs = Date.now();
      playing = !this.stopped;
      // lal fires on_relay_pull_start on the upstream's Play.Start (client_session.go:551-556).
      if (playing) this.relayEvent('relay_start', target);
    } catch (error) {
      this.log.warn({ origin: where, err: errorMessage(error) }, 'edge pull: origin refused the play');
      client.close();
    }
    const closedBy = await client.closed;
    clearInterval(watchdog);
    this.bytesBefore += client.bytesReceived;
    this.upstream = undefined;
    // Only a started upstream gets its stop (lal also sends one per failed dial: a difference we keep on purpose).
    if (playing) this.relayEvent('relay_stop', target);
    if (!this.stopped && carriedMedia) this.log.warn({ origin: where, err: closedBy?.message }, 'edge pull: upstream ended');
    return carriedMedia;
  }

  private relayEvent(type: RelayEvent['type'], target: UpstreamTarget): void {
    const emit = this.ctx.relayEvents;
    if (emit === undefined) return;
    const stream = this.ctx.hub.get(this.key);
    const { sendBytes, recvBytes } = this.bytes();
    emit({
      type,
      timeMs: Date.now(),
      clientId: this.id,
      ordinal: this.facts.ordinal,
      url: target.url,
      remote: target.remote,
      vhost: this.vhost.name,
      app: this.local.app,
      stream: this.local.stream,
      param: this.local.param,
      sendBytes,
      recvBytes,
      // The pull is the stream's input while it plays (lal counts an established pull as an in session).
      hasPublisher: type === 'relay_start',
      hasPlayers: (stream?.players.size ?? 0) > 0,
    });
  }

  /** Claims the local stream for the upstream's media; undefined when a local publisher holds it. */
  private publish(): Stream | undefined {
    const statId = this.ctx.hub.get(this.key)?.statId ?? randomStatId();
    const acquired = this.ctx.hub.acquirePublish(this.key, this.publisherRef, streamOptions(this.vhost, statId));
    if (!acquired.ok) {
      this.log.warn({ publisher: acquired.publisherClientId }, 'edge pull: the stream is published here, upstream closed');
      this.upstream?.close();
      return undefined;
    }
    this.publishing = acquired.stream;
    this.facts.streamId = acquired.stream.statId;
    this.ctx.publishObservers?.attach(acquired.stream, publisherFactsOf(this.facts), this.vhost, () => this.upstream?.close());
    return acquired.stream;
  }

  private unpublish(): void {
    const stream = this.publishing;
    if (stream === undefined) return;
    this.publishing = undefined;
    this.ctx.hub.releasePublish(stream, this.publisherRef);
  }
}
