import type { Logger } from '../log.js';
import type { VhostConfig } from '../config/schema.js';
import type { Hub } from '../core/hub.js';
import type { Stream } from '../core/stream.js';
import type { ClientRegistry } from '../session/client-registry.js';
import type { PlayObservers, PlayViewer, PublishObservers } from '../session/client.js';
import { DEFAULT_EDGE_PULL_LIMITS, EdgePull, type EdgePullLimits } from './edge-pull.js';

export interface EdgeServiceOptions {
  readonly hub: Hub;
  readonly registry: ClientRegistry;
  readonly logger: Logger;
  readonly publishObservers?: PublishObservers | undefined;
  readonly instanceId: string;
  /** How long a pull outlives its last viewer, so a player that reconnects at once finds it running. */
  readonly stopGraceMs?: number;
  readonly limits?: Partial<EdgePullLimits>;
}

/** SRS stops the pull the moment the last player leaves; ours waits this long (srs-wave2-spec §4.2). */
const DEFAULT_STOP_GRACE_MS = 3_000;

/**
 * The edge of `cluster { mode remote; }` vhosts: the first player of a
 * stream (RTMP, HTTP-FLV, HTTP-TS) starts one {@link EdgePull}, later
 * players share it, and it stops {@link DEFAULT_STOP_GRACE_MS} after the
 * last one left. HLS viewers fetch files and do not start a pull.
 */
export class EdgeService implements PlayObservers {
  private readonly pulls = new Map<string, { pull: EdgePull; stopTimer: NodeJS.Timeout | undefined }>();
  private readonly limits: EdgePullLimits;
  private readonly graceMs: number;

  constructor(private readonly options: EdgeServiceOptions) {
    this.limits = { ...DEFAULT_EDGE_PULL_LIMITS, ...options.limits };
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
    const [app, name] = namesOf(stream.key, vhost.name);
    const { hub, registry, logger, publishObservers, instanceId } = this.options;
    const request = { vhost: vhost.name, app, stream: name, param: viewer.param, tcUrl: viewer.tcUrl, relayVia: viewer.relayVia };
    const pull = new EdgePull({ hub, registry, logger, publishObservers, instanceId, limits: this.limits }, vhost, request, registry.newId());
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

/** `vhost/app/stream` -> [app, stream]; the app may hold slashes, the stream does not. */
function namesOf(key: string, vhost: string): [string, string] {
  const rest = key.slice(vhost.length + 1);
  const slash = rest.lastIndexOf('/');
  return [rest.slice(0, slash), rest.slice(slash + 1)];
}
