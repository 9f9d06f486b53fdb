import type { Logger } from '../log.js';
import { DEFAULT_VHOST, findVhost, type Config, type VhostConfig } from '../config/schema.js';
import { Hub } from '../core/hub.js';
import type { Stream } from '../core/stream.js';
import type { RelayEvent } from '../hooks/events.js';
import type { ClientRegistry } from '../session/client-registry.js';
import type { PlayObservers, PlayViewer, PublishObservers } from '../session/client.js';
import { errorMessage } from '../util/error-message.js';
import { RelayPull, type PullLimits } from './relay-pull.js';
import { parseRtmpUrl } from './rtmp-url.js';
import { urlTarget } from './upstream-url.js';

/**
 * lalserver's relay pulls (lal-lssn-spec A6): on demand through
 * `/api/ctrl/start_relay_pull` and static (`static_relay_pull`: the first
 * viewer of a stream without input pulls `rtmp://addr/app/stream`, the
 * viewer's query not forwarded). Each is a {@link RelayPull}, so it shows in
 * the registry, the APIs and the notify sinks as any pull. lal's rules:
 * `pull_retry_num` N means N+1 upstream sessions (-1: forever), counted
 * until the pull is stopped; `auto_stop_pull_after_no_out_ms` -1 never,
 * 0 as soon as the stream has no viewer, N after N ms without one, checked
 * once a second. Static pulls retry forever and stop as soon as the last
 * viewer left.
 */

/** What `start_relay_pull` asks (lal's defaults when a key is absent: http_api.go:134-145). */
export interface LalPullRequest {
  readonly url: string;
  /** '' = the last item of the URL's path. */
  readonly streamName: string;
  readonly timeoutMs: number;
  readonly retryNum: number;
  readonly autoStopAfterNoOutMs: number;
}

/** Why a start was refused, with lal's Go error text (API code 2001). */
export type LalPullStart = { readonly ok: true; readonly streamName: string; readonly ordinal: number } | { readonly ok: false; readonly desp: string };

export interface LalPullsOptions {
  readonly hub: Hub;
  readonly registry: ClientRegistry;
  readonly logger: Logger;
  readonly getConfig: () => Config;
  readonly instanceId: string;
  readonly limits: PullLimits;
  readonly publishObservers?: PublishObservers | undefined;
  readonly relayEvents?: ((event: RelayEvent) => void) | undefined;
  /** Whether the stream has any viewer of any protocol (HLS included), now. */
  readonly hasViewers: (vhost: string, app: string, stream: string) => boolean;
}

/** lal's texts (group__relay_pull.go:298-350, lal:pkg/base/error.go:89). */
export const LAL_PULL_ERRORS = Object.freeze({
  dupInStream: 'lal.logic: in stream already exist at group',
  shouldAutoStop: 'should auto stop pull',
});

/** lal checks its groups once a second (group__.go:196-201). */
const TICK_MS = 1_000;

interface RunningPull {
  readonly pull: RelayPull;
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  readonly autoStopAfterNoOutMs: number;
  lastHadViewersMs: number;
}

export class LalPulls implements PlayObservers {
  /** By hub key: one pull per stream. */
  private readonly pulls = new Map<string, RunningPull>();
  private readonly ticker: NodeJS.Timeout;

  constructor(private readonly options: LalPullsOptions) {
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  /** `start_relay_pull`: the local stream is `<app of the URL>/<stream_name>` on the default vhost. */
  start(request: LalPullRequest): LalPullStart {
    let app: string;
    let name: string;
    try {
      const parsed = parseRtmpUrl(request.url);
      app = parsed.app.split('?', 1)[0] ?? '';
      name = request.streamName !== '' ? request.streamName : (parsed.streamName.split('?', 1)[0] ?? '');
      if (app === '' || name === '') throw new Error('no app or stream in the url');
    } catch (error) {
      return { ok: false, desp: `parse url failed. url=${request.url} err=${errorMessage(error)}` };
    }
    const vhost = findVhost(this.options.getConfig(), DEFAULT_VHOST);
    if (vhost === undefined) return { ok: false, desp: 'no default vhost' };
    const key = Hub.keyOf(vhost.name, app, name);
    if (this.pulls.has(key) || this.options.hub.get(key)?.isActive === true) return { ok: false, desp: LAL_PULL_ERRORS.dupInStream };
    if (request.autoStopAfterNoOutMs === 0 && !this.options.hasViewers(vhost.name, app, name)) return { ok: false, desp: LAL_PULL_ERRORS.shouldAutoStop };
    const maxAttempts = request.retryNum < 0 ? undefined : request.retryNum + 1;
    const pull = this.run(vhost, app, name, request.url, { maxAttempts, connectTimeoutMs: request.timeoutMs, autoStopAfterNoOutMs: request.autoStopAfterNoOutMs });
    return { ok: true, streamName: name, ordinal: pull.facts.ordinal };
  }

  /** `stop_relay_pull`: the pull of that stream name (any app), with its ordinal; undefined when none runs. */
  stop(streamName: string): { ordinal: number } | undefined {
    for (const [key, running] of this.pulls) {
      if (running.stream !== streamName) continue;
      this.end(key, running, 'stopped by the lal HTTP API');
      return { ordinal: running.pull.facts.ordinal };
    }
    return undefined;
  }

  /** Ends a pull by its client id (lal kick_session of `RTMPPULL<n>`: not restarted). */
  kick(clientId: string): boolean {
    for (const [key, running] of this.pulls) {
      if (running.pull.id !== clientId) continue;
      this.end(key, running, 'kicked');
      return true;
    }
    return false;
  }

  /** Static pull: a viewer joined a stream nobody publishes. */
  joined(stream: Stream, vhost: VhostConfig, _viewer: PlayViewer): void {
    const running = this.pulls.get(stream.key);
    if (running !== undefined) {
      running.lastHadViewersMs = Date.now();
      return;
    }
    const config = this.options.getConfig().staticRelayPull;
    // An edge vhost pulls from its own origins; a published stream needs nothing.
    if (config?.enabled !== true || config.addr === undefined || vhost.cluster.mode === 'remote' || stream.isActive) return;
    const [app, name] = Hub.appAndStreamOf(stream.key, vhost.name);
    const host = config.addr.host.includes(':') ? `[${config.addr.host}]` : config.addr.host;
    // lal: no viewer query upstream, retry forever, stop as soon as no viewer is left (group__relay_pull.go:83-92).
    this.run(vhost, app, name, `rtmp://${host}:${config.addr.port}/${app}/${name}`, { maxAttempts: undefined, connectTimeoutMs: undefined, autoStopAfterNoOutMs: 0 });
  }

  left(_stream: Stream, _vhost: VhostConfig): void {
    // The tick decides, as lal's: HLS viewers count too and are not players of the hub.
  }

  /** Every pull ends (shutdown). */
  close(): void {
    clearInterval(this.ticker);
    for (const [key, running] of this.pulls) this.end(key, running, 'server shutdown');
  }

  private run(vhost: VhostConfig, app: string, name: string, url: string, rules: { maxAttempts: number | undefined; connectTimeoutMs: number | undefined; autoStopAfterNoOutMs: number }): RelayPull {
    const { hub, registry, logger, publishObservers, instanceId, relayEvents, limits } = this.options;
    const key = Hub.keyOf(vhost.name, app, name);
    const query = url.indexOf('?');
    const pull = new RelayPull(
      { hub, registry, logger, publishObservers, instanceId, relayEvents, limits },
      vhost,
      { app, stream: name, param: query === -1 ? '' : url.slice(query) },
      {
        targets: [urlTarget(url)],
        relayVia: [],
        maxAttempts: rules.maxAttempts,
        connectTimeoutMs: rules.connectTimeoutMs,
        onGiveUp: () => {
          if (this.pulls.get(key)?.pull === pull) this.pulls.delete(key);
        },
      },
      registry.newId(),
    );
    this.pulls.set(key, { pull, vhost: vhost.name, app, stream: name, autoStopAfterNoOutMs: rules.autoStopAfterNoOutMs, lastHadViewersMs: Date.now() });
    pull.start();
    return pull;
  }

  private tick(): void {
    const nowMs = Date.now();
    for (const [key, running] of this.pulls) {
      if (running.autoStopAfterNoOutMs < 0) continue;
      if (this.options.hasViewers(running.vhost, running.app, running.stream)) {
        running.lastHadViewersMs = nowMs;
        continue;
      }
      if (nowMs - running.lastHadViewersMs >= running.autoStopAfterNoOutMs) this.end(key, running, 'no viewers left');
    }
  }

  private end(key: string, running: RunningPull, detail: string): void {
    this.pulls.delete(key);
    running.pull.stop(detail);
  }
}
