import type { Logger } from '../log.js';
import type { OriginAddress } from '../config/schema.js';
import type { Stream, StreamObserver } from '../core/stream.js';
import { RtmpClient } from './rtmp-client.js';
import type { CloseReason, StreamPublisherFacts } from '../hooks/events.js';
import type { MediaPacket } from '../media/packet.js';
import type { ClientRegistry, RegisteredClient } from '../session/client-registry.js';
import type { SessionFacts } from '../session/session-event.js';
import { errorMessage } from '../util/error-message.js';
import { relayFacts } from './relay-facts.js';
import { RetryClock, type BackoffLimits } from './retry-clock.js';
import { upstreamTarget } from './upstream-url.js';

export interface ForwarderLimits extends BackoffLimits {
  /** TCP connect + handshake + `connect`, and separately `publish` (SRS forward: 3 s). */
  readonly connectTimeoutMs: number;
  /** Unsent bytes above which media is dropped until the next key frame (a destination that does not read). */
  readonly maxPendingBytes: number;
}

export const DEFAULT_FORWARDER_LIMITS: ForwarderLimits = {
  connectTimeoutMs: 3_000,
  maxPendingBytes: 4 * 1024 * 1024,
  backoffBaseMs: 1_000,
  backoffMaxMs: 30_000,
};

export interface ForwarderContext {
  readonly registry: ClientRegistry;
  readonly logger: Logger;
  readonly limits: ForwarderLimits;
  readonly random?: () => number;
}

/** A session that lasted this long was healthy: its loss is retried without backoff. */
const STABLE_SESSION_MS = 10_000;

interface SessionOutcome {
  readonly kind: 'unreachable' | 'refused' | 'closed';
  readonly detail: string;
  readonly upMs: number;
}

/** Where a forwarder publishes, and what a failure means. */
export interface ForwardTarget {
  /** Tried in order: one destination for `forward`, the origins for an edge publish. */
  readonly upstreams: readonly OriginAddress[];
  /** The vhost asked upstream (`[vhost]` = the local one). */
  readonly vhostTemplate: string;
  /**
   * Edge publish: the first failure (refused, unreachable, closed) ends the
   * local publisher, as SRS does, so the encoder learns it and reconnects.
   * Absent (`forward`): retry forever, the publisher never notices.
   */
  readonly onFailure?: (detail: string) => void;
}

const PLAYING = Object.freeze({ kind: 'play' as const });

/**
 * Pushes one publish to an upstream RTMP server (srs-wave2-spec §4.3
 * edge publish, §4.6 forward): connects, publishes the stream under the
 * same app/stream/query, sends the cached metadata and sequence headers,
 * then the live media from the next key frame. Reconnects with backoff; a
 * destination that stops reading costs at most `maxPendingBytes` before
 * media is dropped (to the next key frame), and never slows the stream or
 * its other observers. Listed in the registry as `rtmp-forward`.
 */
export class Forwarder implements StreamObserver, RegisteredClient {
  readonly protocol = 'rtmp' as const;
  readonly type = 'rtmp-forward' as const;
  readonly startedAtMs = Date.now();
  readonly facts: SessionFacts;
  private readonly log: Logger;
  private readonly retry: RetryClock;
  private stopped = false;
  private upstream: RtmpClient | undefined;
  private live = false;
  private waitingKeyframe = true;
  private dropping = false;
  private dropped = 0;
  private attempts = 0;
  private bytesBefore = 0;

  constructor(
    private readonly ctx: ForwarderContext,
    private readonly stream: Stream,
    private readonly publisher: StreamPublisherFacts,
    private readonly target: ForwardTarget,
    readonly id: string,
  ) {
    this.retry = new RetryClock(ctx.limits, ctx.random);
    this.facts = relayFacts(id, 'rtmp-forward', publisher, ctx.registry.nextOrdinal('rtmp-forward'));
    this.log = ctx.logger.child({ cid: id, proto: 'rtmp-forward', vhost: publisher.vhost, app: publisher.app, stream: publisher.stream, publisher: publisher.clientId });
  }

  /** Reads the stream as a player does while its upstream takes media (lal counts a relay push as an out session). */
  get current(): { readonly kind: 'play' } | undefined {
    return this.live ? PLAYING : undefined;
  }

  start(): void {
    this.ctx.registry.add(this);
    void this.run();
  }

  packet(packet: MediaPacket): void {
    const client = this.upstream;
    if (!this.live || client === undefined) return;
    // Sequence headers and metadata always go: the upstream's decoder config must follow the publisher's.
    const essential = packet.isSequenceHeader || packet.isMetadata;
    if (!essential) {
      if (packet.kind === 'video' && packet.isKeyframe) this.waitingKeyframe = false;
      if (this.waitingKeyframe) return;
      if (client.pendingWriteBytes > this.ctx.limits.maxPendingBytes) {
        if (!this.dropping) this.log.warn({ pendingBytes: client.pendingWriteBytes, max: this.ctx.limits.maxPendingBytes }, 'forward: upstream not reading, dropping media to the next key frame');
        this.dropping = true;
        this.waitingKeyframe = true;
        this.dropped++;
        return;
      }
      if (this.dropping && packet.kind === 'video') {
        this.dropping = false;
        this.log.info({ dropped: this.dropped }, 'forward: upstream reading again');
      }
    }
    client.sendMedia(packet.kind, packet.timestamp, packet.payload);
  }

  publishStopped(): void {
    this.stop('publish ended');
  }

  /** Ends the forward: the upstream sees the unpublish as the socket closes. */
  stop(detail: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ctx.registry.remove(this);
    this.stream.observers.delete(this);
    this.retry.wake();
    this.upstream?.close();
    this.log.info({ detail, dropped: this.dropped }, 'forward stop');
  }

  bytes(): { sendBytes: number; recvBytes: number } {
    return { sendBytes: this.bytesBefore + (this.upstream?.bytesSent ?? 0), recvBytes: 0 };
  }

  /** A kick (API) restarts the upstream connection. */
  close(reason: CloseReason, detail: string): void {
    this.log.warn({ reason, detail }, 'forward upstream closed by request');
    this.upstream?.close();
  }

  private async run(): Promise<void> {
    const { upstreams } = this.target;
    let index = 0;
    while (!this.stopped) {
      const outcome = await this.session(upstreams[index % upstreams.length] ?? upstreams[0]!);
      if (this.stopped || outcome === undefined) return;
      // Edge publish: a refusal, a lost upstream, or every origin unreachable ends the encoder's publish (SRS).
      if (this.target.onFailure !== undefined && (outcome.kind !== 'unreachable' || index + 1 >= upstreams.length)) {
        this.target.onFailure(outcome.detail);
        this.stop(outcome.detail);
        return;
      }
      index++;
      // An upstream that was up a while is retried at once; quick failures count toward the backoff.
      this.attempts = outcome.kind === 'closed' && outcome.upMs >= STABLE_SESSION_MS ? 0 : this.attempts + 1;
      if (this.attempts > 0 && this.attempts % upstreams.length === 0) await this.retry.sleep(this.retry.delayMs(this.attempts / upstreams.length - 1));
    }
  }

  /** One upstream connection until it ends; undefined when the forwarder was stopped meanwhile. */
  private async session(upstream: OriginAddress): Promise<SessionOutcome | undefined> {
    const p = this.publisher;
    const target = upstreamTarget(upstream, this.target.vhostTemplate, { vhost: p.vhost, app: p.app, stream: p.stream, param: p.param, tcUrl: p.tcUrl });
    const where = `${upstream.host}:${upstream.port}`;
    let client: RtmpClient;
    try {
      client = await RtmpClient.connect(target.url, { tcUrl: target.tcUrl, timeoutMs: this.ctx.limits.connectTimeoutMs });
    } catch (error) {
      this.log.warn({ upstream: where, err: errorMessage(error) }, 'forward: connect to upstream failed');
      return { kind: 'unreachable', detail: `connect to ${where} failed: ${errorMessage(error)}`, upMs: 0 };
    }
    if (this.stopped) {
      client.close();
      return undefined;
    }
    this.upstream = client;
    this.facts.tcUrl = target.tcUrl;
    let refused: string | undefined;
    const startedMs = Date.now();
    try {
      await client.publish();
      this.log.info({ upstream: where, url: target.url, tcUrl: target.tcUrl }, 'forward start');
      this.sendCached(client);
      this.live = true;
    } catch (error) {
      refused = `${where} refused the publish: ${errorMessage(error)}`;
      this.log.warn({ upstream: where, err: errorMessage(error) }, 'forward: upstream refused the publish');
      client.close();
    }
    const closedBy = await client.closed;
    this.live = false;
    this.bytesBefore += client.bytesSent;
    this.upstream = undefined;
    if (this.stopped) return undefined;
    if (refused !== undefined) return { kind: 'refused', detail: refused, upMs: 0 };
    this.log.warn({ upstream: where, err: closedBy?.message }, 'forward: upstream closed');
    return { kind: 'closed', detail: `${where} closed the connection`, upMs: Date.now() - startedMs };
  }

  /** What a new upstream needs before live media: metadata and sequence headers; then media from the next key frame. */
  private sendCached(client: RtmpClient): void {
    const { video, audio } = this.stream.sequenceHeaders;
    for (const packet of [this.stream.cachedMetadata, video, audio]) if (packet !== undefined) client.sendMedia(packet.kind, packet.timestamp, packet.payload);
    this.waitingKeyframe = true;
  }
}
