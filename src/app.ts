import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from './log.js';
import type { Config } from './config/schema.js';
import { Hub } from './core/hub.js';
import { ConnIdSequence, randomStatId, randomString } from './core/ids.js';
import type { GateSink, NotifySink, RelayEvent } from './hooks/events.js';
import { createHookSystem, validateHookTargets, type HookSystem } from './hooks/hook-system.js';
import { ClientRegistry } from './session/client-registry.js';
import { clientHandle, clientHandles } from './session/client-handles.js';
import type { ClientHandle, Handlers } from './hooks/handlers/types.js';
import type { LifecycleContext, PlayObservers, PublishObservers } from './session/client.js';
import { RtmpServer, type RtmpServerOptions } from './server/rtmp/rtmp-server.js';
import { HttpServer, type HttpServerOptions } from './server/http/http-server.js';
import { SrsApi } from './server/http/api/srs-api.js';
import { WebConsole } from './server/http/console/web-console.js';
import { PlayerPage } from './server/http/players/player-page.js';
import { TrafficStats } from './session/traffic-stats.js';
import { PrometheusExporter } from './stats/prometheus-exporter.js';
import { HlsService } from './hls/hls-service.js';
import { EdgeService, type EdgeServiceOptions } from './relay/edge-service.js';
import { ForwardService, type ForwardServiceOptions } from './relay/forward-service.js';
import { LalPulls } from './relay/lal-pulls.js';
import { OriginTokenTraverse } from './relay/token-traverse.js';
import { DEFAULT_PULL_LIMITS } from './relay/relay-pull.js';
import { LalApi } from './server/http/api/lal-api.js';
import { StreamGroups } from './session/stream-groups.js';
import { UpdateTicker } from './stats/update-ticker.js';
import { SrsSignature } from './rtmp/constants.js';
import { LAL_VERSIONS } from './hooks/lal/lal-body.js';

/** Everything the composition root needs; the CLI and `startServer` build it. */
export interface AppOptions {
  config: Config;
  logger: Logger;
  /** Builds the next config on SIGHUP / reload(); throws ConfigError to keep the old one. */
  reloadConfig?: () => Config;
  /** In-process gate/notify sinks (embedding, untyped; the typed API is `app.handlers`). */
  handlers?: readonly (GateSink | NotifySink)[];
  /** Per typed handler call, ms (default 5 s): past it the call is skipped and its signal aborts. */
  handlerTimeoutMs?: number;
  /** What a typed authorizer that throws or times out means (default deny). */
  onAuthorizerFailure?: 'deny' | 'allow';
  /** Where stdio hook lines go (default process.stdout). */
  stdout?: NodeJS.WritableStream;
  /** Tests shorten protocol timeouts and bounds. */
  rtmp?: Pick<RtmpServerOptions, 'limits' | 'timeouts' | 'playerLimits'>;
  /** Tests shorten the HTTP server's bounds. */
  http?: Pick<HttpServerOptions, 'limits' | 'playerLimits'>;
  /** Tests shorten the edge's grace, timeouts and backoff. */
  edge?: Pick<EdgeServiceOptions, 'stopGraceMs' | 'limits'> & { forwardLimits?: ForwardServiceOptions['limits'] };
  /** Whether to write the pid file named by the config (the CLI does; embedders usually not). */
  writePidFile?: boolean;
}

/** The running server: the only place long-lived services are created and wired. */
export class App {
  private config: Config;
  readonly hub = new Hub();
  /** Every live client of every protocol (API, shutdown, kick). */
  readonly registry = new ClientRegistry();
  /** The typed in-process handler API: connection and stream handlers, authorizers, media and cache interceptors. */
  readonly handlers: Handlers;
  readonly hooks: HookSystem;
  readonly rtmp: RtmpServer;
  /** http_server: live HTTP-FLV/TS and files, and the API when http_api names the same address. */
  readonly http: HttpServer;
  /** http_api on its own listener; undefined when it shares http_server's or is off. */
  readonly httpApi: HttpServer | undefined;
  /** Bytes and kbps per client, stream and vhost (the API's numbers). */
  readonly traffic: TrafficStats;
  /** exporter: /metrics on its own listener (only /metrics there); undefined when off or sharing the API's port. */
  readonly exporterHttp: HttpServer | undefined;
  private readonly metrics: PrometheusExporter;
  /** Every stream's HLS segmenter (vhosts with hls enabled). */
  readonly hls: HlsService;
  /** The pulls of edge vhosts (`cluster { mode remote; }`). */
  readonly edge: EdgeService;
  /** lalserver's relay pulls: on demand (its HTTP API) and static. */
  private readonly lalPulls: LalPulls;
  /** Streams with their clients, computed from the registry and the hub (lal's groups). */
  readonly groups: StreamGroups;
  /** lal's on_update ticker. */
  private readonly updates: UpdateTicker;
  private readonly startedAtMs = Date.now();
  private boundExporterAddresses: AddressInfo[] = [];
  private rtmpAddresses: AddressInfo[] = [];
  private boundHttpAddresses: AddressInfo[] = [];
  private boundApiAddresses: AddressInfo[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: AppOptions) {
    this.config = options.config;
    validateHookTargets(this.config.hooks);
    const serverId = resolveServerId(this.config, options.logger);
    const serviceId = randomString(8);
    const binInfo = `srs-ts ${SrsSignature.version}, lalserver HTTP Notify ${LAL_VERSIONS.notify} and HTTP API ${LAL_VERSIONS.api} compatible, node ${process.version}`;
    // The hook system exists by the first scrape.
    this.metrics = new PrometheusExporter({ getConfig: () => this.config, clients: this.registry, hub: this.hub, serverId, serviceId, spool: () => this.hooks.spoolStats() });
    this.hooks = createHookSystem({
      observer: this.metrics,
      internalNotifiers: [this.metrics],
      getConfig: () => this.config,
      logger: options.logger,
      serverId,
      serviceId,
      handlers: options.handlers,
      closeClient: (clientId, detail) => this.registry.kick(clientId, detail),
      handlerTimeoutMs: options.handlerTimeoutMs,
      onAuthorizerFailure: options.onAuthorizerFailure,
      stdout: options.stdout,
      // The groups exist once the traffic stats do (below); asked only when an event comes.
      lal: { groups: { stateAfter: (event) => this.groups.stateAfter(event) }, binInfo },
    });
    this.handlers = this.hooks.handlers;
    this.hls = new HlsService({ logger: options.logger, segment: (event) => this.hooks.segment(event), segmentOpen: (event) => this.hooks.segmentOpen(event) });
    // Names this process in edge relay chains (loop detection), whatever server_id it shares.
    const instanceId = randomStatId();
    const forward = new ForwardService({ registry: this.registry, logger: options.logger, limits: options.edge?.forwardLimits });
    const publishObservers: PublishObservers = {
      attach: (stream, publisher, vhost, disconnect) => {
        this.hls.attach(stream, publisher, vhost, disconnect);
        forward.attach(stream, publisher, vhost, disconnect);
      },
    };
    const relayEvents = (event: RelayEvent): void => this.hooks.relay(event);
    const pullBase = { hub: this.hub, registry: this.registry, logger: options.logger, publishObservers, instanceId, relayEvents };
    this.edge = new EdgeService({ ...pullBase, stopGraceMs: options.edge?.stopGraceMs, limits: options.edge?.limits });
    this.lalPulls = new LalPulls({
      ...pullBase,
      getConfig: () => this.config,
      limits: { ...DEFAULT_PULL_LIMITS, ...options.edge?.limits },
      // The groups exist once the traffic stats do (below); asked only on the pulls' tick.
      hasViewers: (vhost, app, stream) => this.groups.hasViewers(vhost, app, stream),
    });
    const playObservers: PlayObservers = {
      joined: (stream, vhost, viewer) => {
        this.edge.joined(stream, vhost, viewer);
        this.lalPulls.joined(stream, vhost, viewer);
      },
      left: (stream, vhost) => this.edge.left(stream, vhost),
    };
    const lifecycle: LifecycleContext = {
      getConfig: () => this.config,
      hub: this.hub,
      hooks: this.hooks,
      registry: this.registry,
      logger: options.logger,
      publishObservers,
      playObservers,
      instanceId,
      tokenTraverse: new OriginTokenTraverse(options.logger),
      publishTaps: this.hooks.handlers,
    };
    const connIds = new ConnIdSequence();
    this.rtmp = new RtmpServer({
      getConfig: () => this.config,
      lifecycle,
      connIds,
      logger: options.logger,
      ...options.rtmp,
    });
    this.traffic = new TrafficStats(this.registry, this.hub);
    this.groups = new StreamGroups(this.registry, this.hub, this.traffic);
    this.updates = new UpdateTicker({ hooks: this.hooks, snapshot: () => this.groups.snapshot() });
    const lalApi = new LalApi({
      snapshot: () => this.groups.snapshot(),
      kick: (clientId, detail) => this.registry.kick(clientId, detail),
      relayPulls: this.lalPulls,
      info: { serverId, startedAtMs: this.startedAtMs, binInfo },
      logger: options.logger,
    });
    const api = new SrsApi({
      getConfig: () => this.config,
      registry: this.registry,
      hub: this.hub,
      stats: this.traffic,
      serverId,
      serviceId,
      startedAtMs: this.startedAtMs,
      reload: () => this.reload(),
      logger: options.logger,
      lal: lalApi,
    });
    const { httpApi, httpServer } = this.config;
    // SRS mounts the API into the HTTP server when both listen on the same address (srs-wave2-spec §1.2); port 0 (any free port) is never the same.
    const shared = httpApi.enabled && httpServer.enabled && httpApi.listen.port !== 0 && httpServer.listen.some((a) => a.port === httpApi.listen.port && a.host === httpApi.listen.host);
    const http = { getConfig: () => this.config, lifecycle, connIds, logger: options.logger, ...options.http };
    // /metrics is on the API as SRS mounts it; with the exporter off it answers SRS's code 1090.
    const exporter = this.config.exporter;
    const apiMetrics = { endpoint: exporter.enabled ? this.metrics : undefined, only: false };
    const webConsole = httpApi.enabled
      ? new WebConsole({ getConfig: () => this.config, hub: this.hub, registry: this.registry, httpPorts: () => this.boundHttpAddresses.map((a) => a.port), logger: options.logger })
      : undefined;
    this.http = new HttpServer({ ...http, serves: { media: true, api: shared ? api : undefined, metrics: shared ? apiMetrics : undefined, console: shared ? webConsole : undefined, players: new PlayerPage() } });
    this.httpApi = httpApi.enabled && !shared ? new HttpServer({ ...http, serves: { media: false, api, metrics: apiMetrics, console: webConsole } }) : undefined;
    const exporterOnApiPort = httpApi.enabled && exporter.listen.port !== 0 && exporter.listen.port === httpApi.listen.port && exporter.listen.host === httpApi.listen.host;
    this.exporterHttp = exporter.enabled && !exporterOnApiPort ? new HttpServer({ ...http, serves: { media: false, api: undefined, metrics: { endpoint: this.metrics, only: true } } }) : undefined;
  }

  /** Every live client (every protocol), in arrival order, with `disconnect(reason)`. */
  clients(): ClientHandle[] {
    return clientHandles(this.registry);
  }

  /** One live client by its id, or undefined once it is gone. */
  getClient(id: string): ClientHandle | undefined {
    const client = this.registry.get(id);
    return client === undefined ? undefined : clientHandle(client);
  }

  /** The config in force (swapped by reload). */
  getConfig(): Config {
    return this.config;
  }

  /** The RTMP addresses actually bound (port 0 resolved). */
  get addresses(): readonly AddressInfo[] {
    return this.rtmpAddresses;
  }

  /** The http_server addresses actually bound; empty when http_server is off. */
  get httpAddresses(): readonly AddressInfo[] {
    return this.boundHttpAddresses;
  }

  /** The http_api addresses bound: its own listener's, or http_server's when shared; empty when off. */
  get apiAddresses(): readonly AddressInfo[] {
    if (!this.config.httpApi.enabled) return [];
    return this.httpApi === undefined ? this.boundHttpAddresses : this.boundApiAddresses;
  }

  /** The exporter's own listener addresses; empty when off or on the API's port. */
  get exporterAddresses(): readonly AddressInfo[] {
    return this.boundExporterAddresses;
  }

  async start(): Promise<void> {
    const { logger } = this.options;
    if (this.config.daemon) logger.info('daemon on is accepted but ignored: srs-ts stays in the foreground');
    // lal sends on_server_start before any listener is bound (server_manager__.go:150).
    this.hooks.server({ type: 'server_start', timeMs: Date.now(), startedAtMs: this.startedAtMs });
    this.rtmpAddresses = await this.rtmp.listen(this.config.listen);
    if (this.config.httpServer.enabled) this.boundHttpAddresses = await this.http.listen(this.config.httpServer.listen);
    if (this.httpApi !== undefined) this.boundApiAddresses = await this.httpApi.listen([this.config.httpApi.listen]);
    if (this.exporterHttp !== undefined) this.boundExporterAddresses = await this.exporterHttp.listen([this.config.exporter.listen]);
    this.traffic.start();
    this.updates.start();
    if (this.options.writePidFile === true) writePidFile(this.config.pid, logger);
    logger.info({ rtmp: this.rtmpAddresses.map(addressText), http: this.boundHttpAddresses.map(addressText), api: this.apiAddresses.map(addressText), exporter: this.boundExporterAddresses.map(addressText) }, 'server ready');
  }

  /**
   * SIGHUP: build the new config; on any error keep the old one and log why
   * (srs-spec §3.3). Hooks, security and vhost settings apply to the next event.
   */
  reload(): boolean {
    const { logger, reloadConfig } = this.options;
    if (reloadConfig === undefined) {
      logger.warn('reload ignored: no config source to reload from');
      return false;
    }
    try {
      const next = reloadConfig();
      validateHookTargets(next.hooks);
      if (JSON.stringify(next.listen) !== JSON.stringify(this.config.listen)) {
        logger.warn({ listen: next.listen }, 'listen changed: takes effect after a restart');
      }
      if (JSON.stringify(next.httpServer.listen) !== JSON.stringify(this.config.httpServer.listen) || next.httpServer.enabled !== this.config.httpServer.enabled) {
        logger.warn({ listen: next.httpServer.listen, enabled: next.httpServer.enabled }, 'http_server listen changed: takes effect after a restart');
      }
      this.config = next;
      logger.info({ file: next.file, vhosts: [...next.vhosts.keys()] }, 'config reloaded');
      return true;
    } catch (error) {
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'reload failed, keeping the old config');
      return false;
    }
  }

  /**
   * Graceful stop: listeners closed, every session ended with
   * `server_shutdown` (their close events queued), notifications drained
   * within `drainMs`, agents closed.
   */
  stop(drainMs = 5_000): Promise<void> {
    this.stopping ??= (async () => {
      // net.Server#close waits for open connections: stop accepting, end the sessions, then wait.
      this.traffic.stop();
      this.updates.stop();
      const listenersClosed = Promise.all([this.rtmp.closeListeners(), this.http.closeListeners(), this.httpApi?.closeListeners(), this.exporterHttp?.closeListeners()]);
      // Pulls first: closing their upstream through the registry would only make them reconnect.
      this.edge.close();
      this.lalPulls.close();
      this.registry.closeAll('server_shutdown', 'server shutdown');
      // Publishers are gone, their last segments listed: hls_dispose removes the files at shutdown as SRS does.
      this.hls.close(true);
      await listenersClosed;
      await this.hooks.drain(drainMs);
      await this.hooks.close();
      if (this.options.writePidFile === true) rmSync(this.config.pid, { force: true });
      this.options.logger.info('server stopped');
    })();
    return this.stopping;
  }
}

/**
 * SRS server_id: config `server_id`, else the id file beside the pid file
 * (`objs/srs.pid` → `objs/srs.id`), else a new `vid-xxxxxxx` persisted there
 * (srs_app_config.cpp, srs-spec §1.5).
 */
function resolveServerId(config: Config, logger: Logger): string {
  if (config.serverId !== undefined && config.serverId !== '') return config.serverId;
  const idFile = config.pid.endsWith('.pid') ? config.pid.slice(0, -4) + '.id' : `${config.pid}.id`;
  try {
    const stored = readFileSync(idFile, 'utf8').trim();
    if (stored !== '') return stored;
  } catch {
    // No id yet: make one below.
  }
  const id = randomStatId();
  try {
    mkdirSync(dirname(idFile), { recursive: true });
    writeFileSync(idFile, id);
  } catch (error) {
    logger.warn({ file: idFile, err: error instanceof Error ? error.message : String(error) }, 'cannot persist server_id');
  }
  return id;
}

function writePidFile(path: string, logger: Logger): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${process.pid}\n`);
  } catch (error) {
    logger.warn({ file: path, err: error instanceof Error ? error.message : String(error) }, 'cannot write pid file');
  }
}

function addressText(address: AddressInfo): string {
  return `${address.address}:${address.port}`;
}
