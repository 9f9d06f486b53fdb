import type { Logger } from '../log.js';
import type { VhostConfig } from '../config/schema.js';
import type { Stream } from '../core/stream.js';
import type { StreamPublisherFacts } from '../hooks/events.js';
import type { ClientRegistry } from '../session/client-registry.js';
import type { PublishObservers } from '../session/client.js';
import { DEFAULT_FORWARDER_LIMITS, Forwarder, type ForwarderLimits, type ForwardTarget } from './forwarder.js';

export interface ForwardServiceOptions {
  readonly registry: ClientRegistry;
  readonly logger: Logger;
  readonly limits?: Partial<ForwarderLimits>;
}

/**
 * Starts the {@link Forwarder}s of a publish: one per `forward`
 * destination (srs-wave2-spec §4.6, also for a stream an edge pulls, as
 * SRS), and, on an edge vhost, one to its origins for a publish made at the
 * edge (§4.3) whose failure ends that publish. Each forwarder watches the
 * stream and stops with the publish.
 */
export class ForwardService implements PublishObservers {
  private readonly limits: ForwarderLimits;

  constructor(private readonly options: ForwardServiceOptions) {
    this.limits = { ...DEFAULT_FORWARDER_LIMITS, ...options.limits };
  }

  attach(stream: Stream, publisher: StreamPublisherFacts, vhost: VhostConfig, disconnect: (detail: string) => void): void {
    const targets: ForwardTarget[] = [];
    // The edge's own pull is already the origin's stream: pushing it back would loop.
    const pulled = this.options.registry.get(publisher.clientId)?.type === 'rtmp-pull';
    if (vhost.cluster.mode === 'remote' && !pulled) {
      targets.push({ upstreams: vhost.cluster.origins, vhostTemplate: vhost.cluster.vhost, onFailure: (detail) => disconnect(`edge publish to origin failed: ${detail}`) });
    }
    if (vhost.forward.enabled) for (const destination of vhost.forward.destinations) targets.push({ upstreams: [destination], vhostTemplate: '[vhost]' });
    const { registry, logger } = this.options;
    for (const target of targets) {
      const forwarder = new Forwarder({ registry, logger, limits: this.limits }, stream, publisher, target, registry.newId());
      stream.observers.add(forwarder);
      forwarder.start();
    }
  }
}
