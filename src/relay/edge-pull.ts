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
import { upstreamTarget, type PullRequest } from './upstream-url.js';

/** Every bound of a pull (srs-wave2-spec §4.2 gives SRS's: 5 s connect, 5 s silence, 3 s between tries). */
export interface EdgePullLimits extends BackoffLimits {
  /** TCP connect + handshake + `connect`, and separately `play`. */
  readonly connectTimeoutMs: number;
  /** No media for this long while the origin publishes: the upstream is dead, try again. */
  readonly silenceMs: number;
  /** Waiting for the origin's publisher (after UnpublishNotify, or before the first media): reconnect after this long. */
  readonly idleMs: number;
}

export const DEFAULT_EDGE_PULL_LIMITS: EdgePullLimits = {
  connectTimeoutMs: 5_000,
  silenceMs: 5_000,
  idleMs: 30_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 30_000,
};

export interface EdgePullContext {
  readonly hub: Hub;
  readonly registry: ClientRegistry;
  readonly logger: Logger;
  readonly publishObservers?: PublishObservers | undefined;
  readonly limits: EdgePullLimits;
  /** Named in the upstream connect with the chain before it, so an origin that is one of ours upstream refuses the loop. */
  readonly instanceId: string;
  readonly random?: () => number;
}

const PUBLISHING = Object.freeze({ kind: 'publish' as const });

/**
 * One edge stream's pull from its origins (srs-wave2-spec §4.2): an RTMP
 * play upstream whose media this edge publishes into its own stream, so
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
export class EdgePull implements RegisteredClient {
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
    private readonly ctx: EdgePullContext,
    private readonly vhost: VhostConfig,
    private readonly request: PullRequest,
    readonly id: string,
  ) {
    this.publisherRef = { clientId: id };
    this.retry = new RetryClock(ctx.limits, ctx.random);
    this.facts = relayFacts(id, 'rtmp-pull', {
      vhost: vhost.name,
      app: request.app,
      stream: request.stream,
      param: request.param,
      streamUrl: generateStreamUrl(vhost.name, request.app, request.stream),
      streamId: '',
    }, ctx.registry.nextOrdinal('rtmp-pull'));
    this.log = ctx.logger.child({ cid: id, proto: 'rtmp-pull', vhost: vhost.name, app: request.app, stream: request.stream });
  }

  get key(): string {
    return Hub.keyOf(this.vhost.name, this.request.app, this.request.stream);
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
    const { origins } = this.vhost.cluster;
    while (!this.stopped) {
      const origin = origins[this.originIndex % origins.length] ?? origins[0]!;
      const carriedMedia = await this.session(origin);
      if (this.stopped) return;
      this.originIndex++;
      this.attempts = carriedMedia ? 0 : this.attempts + 1;
      // The next origin at once; a pause only after every origin failed in a row, and only then are
      // local viewers told the stream stopped (until then a failover is a stall, as SRS's edge).
      if (this.attempts > 0 && this.attempts % origins.length === 0) {
        this.unpublish();
        await this.retry.sleep(this.retry.delayMs(this.attempts / origins.length - 1));
      }
    }
  }

  /** One upstream connection; resolves with whether it carried media when it ends. */
  private async session(origin: { host: string; port: number }): Promise<boolean> {
    const { limits } = this.ctx;
    const target = upstreamTarget(origin, this.vhost.cluster.vhost, this.request);
    const where = `${origin.host}:${origin.port}`;
    let carriedMedia = false;
    // Media since the watchdog's last look: a flag per message, the clock read once per tick.
    let mediaSinceTick = false;
    let lastMediaMs = Date.now();
    let client: RtmpClient;
    try {
      const via = [...(this.request.relayVia ?? []), this.ctx.instanceId].join(' ');
      client = await RtmpClient.connect(target.url, { tcUrl: target.tcUrl, timeoutMs: limits.connectTimeoutMs, connectArgs: { srs_ts_via: via } });
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
    try {
      await client.play();
      this.log.info({ origin: where, url: target.url, tcUrl: target.tcUrl }, 'edge pull start');
      lastMediaMs = Date.now();
    } catch (error) {
      this.log.warn({ origin: where, err: errorMessage(error) }, 'edge pull: origin refused the play');
      client.close();
    }
    const closedBy = await client.closed;
    clearInterval(watchdog);
    this.bytesBefore += client.bytesReceived;
    this.upstream = undefined;
    if (!this.stopped && carriedMedia) this.log.warn({ origin: where, err: closedBy?.message }, 'edge pull: upstream ended');
    return carriedMedia;
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
