import type { Logger } from '../log.js';
import type { VhostConfig } from '../config/schema.js';
import { Hub } from '../core/hub.js';
import type { Stream } from '../core/stream.js';
import type { ClientRegistry } from '../session/client-registry.js';
import type { PlayObservers, PlayViewer, PublishObservers } from '../session/client.js';
import type { RelayEvent } from '../hooks/events.js';
import { DEFAULT_PULL_LIMITS, RelayPull, type PullLimits } from './relay-pull.js';
import { upstreamTarget } from './upstream-url.js';

export interface EdgeServiceOptions {
  readonly hub: Hub;
  readonly registry: ClientRegistry;
  readonly logger: Logger;
  readonly publishObservers?: PublishObservers | undefined;
  readonly instanceId: string;
  readonly relayEvents?: ((event: RelayEvent) => void) | undefined;
  /** How long a pull outlives its last viewer, so a player that reconnects at once finds it running. */
  readonly stopGraceMs?: number;
  readonly limits?: Partial<PullLimits>;
}

/** SRS stops the pull the moment the last player leaves; ours waits this long (srs-wave2-spec §4.2). */
const DEFAULT_STOP_GRACE_MS = 3_000;

/**
 * The edge of `cluster { mode remote; }` vhosts: the first player of a
 * stream (RTMP, HTTP-FLV, HTTP-TS) starts one {@link RelayPull}, later
 * players share it, and it stops {@link DEFAULT_STOP_GRACE_MS} after the
 * last one left. HLS viewers fetch files and do not start a pull.
 */
export class EdgeService implements PlayObservers {
  private readonly pulls = new Map<string, { pull: RelayPull; stopTimer: NodeJS.Timeout | undefined }>();
  private readonly limits: PullLimits;
  private readonly graceMs: number;

  constructor(private readonly options: EdgeServiceOptions) {
    this.limits = { ...DEFAULT_PULL_LIMITS, ...options.limits };
    this.graceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  }

  joined(stream: Stream, vhost: VhostConfig, viewer: PlayViewer): void {
    if (vhost.cluster.mode !== 'remote') return;
    const running = this.pulls.get(stream.key);
    if (running !== undefined) {
      if (running.stopTimer !== undefined) clearTimeout(running.stopTimer);
      running.stopTimer = undefined;
      return;
    }
    // A local publisher (an encoder at the edge) is served as on any vhost: nothing to pull.
    if (stream.isActive) return;
    const [app, name] = Hub.appAndStreamOf(stream.key, vhost.name);
    const { hub, registry, logger, publishObservers, instanceId, relayEvents } = this.options;
    const request = { vhost: vhost.name, app, stream: name, param: viewer.param, tcUrl: viewer.tcUrl };
    const targets = vhost.cluster.origins.map((origin) => upstreamTarget(origin, vhost.cluster.vhost, request));
    const pull = new RelayPull(
      { hub, registry, logger, publishObservers, instanceId, relayEvents, limits: this.limits },
      vhost,
      { app, stream: name, param: viewer.param },
      { targets, relayVia: viewer.relayVia ?? [] },
      registry.newId(),
    );
    this.pulls.set(stream.key, { pull, stopTimer: undefined });
    pull.start();
  }

  left(stream: Stream, _vhost: VhostConfig): void {
    const running = this.pulls.get(stream.key);
    if (running === undefined || stream.players.size > 0 || running.stopTimer !== undefined) return;
    running.stopTimer = setTimeout(() => {
      if (this.pulls.get(stream.key) !== running) return;
      this.pulls.delete(stream.key);
      running.pull.stop('no viewers left');
    }, this.graceMs);
    running.stopTimer.unref();
  }

  /** Stops every pull (shutdown). */
  close(): void {
    for (const { pull, stopTimer } of this.pulls.values()) {
      if (stopTimer !== undefined) clearTimeout(stopTimer);
      pull.stop('server shutdown');
    }
    this.pulls.clear();
  }
}
