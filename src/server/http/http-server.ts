import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../../log.js';
import type { Config, ListenAddress } from '../../config/schema.js';
import type { ConnIdSequence } from '../../core/ids.js';
import { Client, type LifecycleContext } from '../../session/client.js';
import { normalizeIp } from '../../util/ip.js';
import { DEFAULT_PLAYER_LIMITS, type PlayerLimits } from '../../core/player.js';
import { clientIp } from './client-ip.js';
import { crossdomainHeaders } from './cors.js';
import { LiveViewer } from './live-viewer.js';
import { StaticFiles } from './static-files.js';
import { matchStreamMount, requestedHost } from './stream-mount.js';
import type { SrsApi } from './api/srs-api.js';
import { WebConsole } from './console/web-console.js';
import type { PlayerPage } from './players/player-page.js';
import { HlsViewers } from './hls-viewers.js';
import { findVhost } from '../../config/schema.js';

/** Explicit bounds of the HTTP server (srs-wave2-spec §1.2: SRS reads headers for at most 15 s). */
export interface HttpLimits {
  /** Largest request head (request line + headers); more is answered 431 by Node. */
  maxHeaderBytes: number;
  /** From connect until the request head is complete (slowloris). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection between requests. */
  keepAliveTimeoutMs: number;
  /** Open sockets on one HTTP listener; more are dropped at accept. */
  maxSockets: number;
  /** Requests served on one keep-alive connection. */
  maxRequestsPerSocket: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 15_000,
  keepAliveTimeoutMs: 15_000,
  maxSockets: 1_000,
  maxRequestsPerSocket: 100,
};

/** What renders `/metrics` (the Prometheus exporter, wired by the app). */
export interface MetricsEndpoint {
  render(): Promise<{ readonly contentType: string; readonly body: string }>;
}

/**
 * `/metrics` on a listener: `endpoint` undefined when the exporter is off (SRS
 * then answers `{"code":1090}`); `only` for the exporter's own listener,
 * which serves nothing else (SRS's serves the whole API, DELETE included:
 * srs-wave2-spec §6.9).
 */
export interface MetricsRoute {
  readonly endpoint: MetricsEndpoint | undefined;
  readonly only: boolean;
}

export interface HttpServerOptions {
  /** `media`: live streams and files (http_server); `api`: SRS's /api/ (http_api); both when they share a port; `metrics`: /metrics. */
  readonly serves: {
    readonly media: boolean;
    readonly api: SrsApi | undefined;
    readonly metrics?: MetricsRoute | undefined;
    /** The web console at /console/, beside the API. */
    readonly console?: WebConsole | undefined;
    /** The player page at /players/, beside the streams it plays. */
    readonly players?: PlayerPage | undefined;
  };
  getConfig(): Config;
  lifecycle: LifecycleContext;
  connIds: ConnIdSequence;
  logger: Logger;
  limits?: Partial<HttpLimits>;
  playerLimits?: Partial<PlayerLimits>;
}

/**
 * SRS `http_server`: on every listen address, live streams through each
 * vhost's `http_remux` mount (HTTP-FLV, HTTP-TS) and files from `dir`
 * otherwise (srs-wave2-spec §1.2-1.7). Every live viewer is a client of the
 * one lifecycle; files and refusals are plain responses.
 */
export class HttpServer {
  private readonly servers: Server[] = [];
  private readonly limits: HttpLimits;
  private readonly playerLimits: PlayerLimits;
  private staticFiles: { dir: string; files: StaticFiles } | undefined;
  /** Connections that sent a whole request head (the first-request timer spares them). */
  private readonly requested = new WeakSet<Socket>();
  /** Connections already answered with an error status: the parser may fail again on the bytes that follow. */
  private readonly answeredBad = new WeakSet<Socket>();
  /** Drops at accept since the last drop line (one line per second at most). */
  private dropSummary: { count: number; timer: NodeJS.Timeout } | undefined;
  /** HLS playlists, segments and viewers (media listeners only). */
  private readonly hls: HlsViewers | undefined;

  constructor(private readonly options: HttpServerOptions) {
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
    this.playerLimits = { ...DEFAULT_PLAYER_LIMITS, ...options.playerLimits };
    this.hls = options.serves.media ? new HlsViewers({ lifecycle: options.lifecycle, connIds: options.connIds, logger: options.logger }) : undefined;
  }

  async listen(addresses: readonly ListenAddress[]): Promise<AddressInfo[]> {
    const bound: AddressInfo[] = [];
    const { limits } = this;
    for (const address of addresses) {
      const server = createServer(
        { maxHeaderSize: limits.maxHeaderBytes, headersTimeout: limits.headersTimeoutMs, requestTimeout: 0, keepAliveTimeout: limits.keepAliveTimeoutMs, connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs), noDelay: true },
        this.onRequest,
      );
      server.maxConnections = limits.maxSockets;
      server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
      server.on('clientError', this.onClientError);
      server.on('connection', this.onConnection);
      server.on('drop', this.onDrop);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: address.port, host: address.host }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (error) => this.options.logger.error({ err: error }, 'http listener error'));
      this.servers.push(server);
      bound.push(server.address() as AddressInfo);
    }
    return bound;
  }

  /**
   * Stops accepting and closes idle keep-alive sockets; resolves when every
   * connection is gone. Live viewers end through the registry (their end
   * events fire and their responses finish); what is still open after
   * `graceMs` (a viewer that does not read) is destroyed.
   */
  async closeListeners(graceMs = 1_000): Promise<void> {
    this.hls?.close();
    const servers = this.servers.splice(0);
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), graceMs).unref();
          }),
      ),
    );
  }

  /**
   * A socket over maxSockets is closed at accept. A flood of them is one
   * line per second, not one per socket: `dropped` counts what a line stands for.
   */
  private readonly onDrop = (data?: { remoteAddress?: string }): void => {
    if (this.dropSummary !== undefined) {
      this.dropSummary.count++;
      return;
    }
    const max = this.limits.maxSockets;
    this.options.logger.warn({ ip: data?.remoteAddress, max, dropped: 1 }, 'http: drop connection, too many sockets');
    const summary = { count: 0, timer: setTimeout(() => {
      this.dropSummary = undefined;
      if (summary.count > 0) this.options.logger.warn({ max, dropped: summary.count }, 'http: drop connection, too many sockets');
    }, 1_000) };
    summary.timer.unref();
    this.dropSummary = summary;
  };

  /**
   * Node's headersTimeout starts at a request's first byte: a connection that
   * never sends one would sit in a maxSockets slot forever. It gets the same
   * bound, counted from accept, and the same 408.
   */
  private readonly onConnection = (socket: Socket): void => {
    const timer = setTimeout(() => {
      if (!this.requested.has(socket)) this.closeBadConnection(socket, 'ERR_HTTP_HEAD_TIMEOUT', 408);
    }, this.limits.headersTimeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.requested.add(req.socket);
    const config = this.options.getConfig();
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
    const query = queryAt === -1 ? '' : url.slice(queryAt + 1);
    const { api, media, metrics } = this.options.serves;
    if (metrics !== undefined && (metrics.only || pathname === '/metrics')) {
      this.serveMetrics(req, res, pathname, metrics);
      return;
    }
    if (this.options.serves.console !== undefined && WebConsole.owns(pathname)) {
      this.options.serves.console.handle(req, res, pathname);
      return;
    }
    if (media && this.options.serves.players?.owns(pathname) === true) {
      this.options.serves.players.handle(req, res, pathname);
      return;
    }
    if (api !== undefined && (pathname === '/api' || pathname.startsWith('/api/') || !media)) {
      api.handle(req, res, !media);
      return;
    }
    const crossdomain = config.httpServer.crossdomain;
    if (req.method === 'OPTIONS' && crossdomain) {
      // SRS answers a CORS preflight before anything else (srs-wave2-spec §1.5).
      for (const [name, value] of crossdomainHeaders()) res.setHeader(name, value);
      res.writeHead(200, { 'Content-Length': 0 });
      res.end();
      return;
    }
    if (this.hls !== undefined && (pathname.endsWith('.m3u8') || pathname.endsWith('.ts'))) {
      void this.routeHls(req, res, pathname, query, config);
      return;
    }
    this.routeLive(req, res, pathname, query, config);
  };

  /** HLS output of an HLS vhost, else what any other path gets (an HTTP-TS mount, a file). */
  private async routeHls(req: IncomingMessage, res: ServerResponse, pathname: string, query: string, config: Config): Promise<void> {
    const params = new URLSearchParams(query);
    const vhost = findVhost(config, requestedHost(params, req.headers.host));
    try {
      if (vhost !== undefined && (await this.hls?.owns(vhost, pathname)) === true) {
        await this.hls?.handle(req, res, pathname, params, vhost, config);
        return;
      }
    } catch (error) {
      this.options.logger.error({ err: error instanceof Error ? error.message : String(error), path: pathname.slice(0, 256) }, 'hls: request failed');
      if (!res.headersSent) this.answer(res, 500, 'Internal Server Error');
      else res.destroy();
      return;
    }
    if (!res.destroyed) this.routeLive(req, res, pathname, query, config);
  }

  private routeLive(req: IncomingMessage, res: ServerResponse, pathname: string, query: string, config: Config): void {
    const mount = pathname.startsWith('/api/') ? undefined : matchStreamMount(config, requestedHost(new URLSearchParams(query), req.headers.host), pathname);
    if (mount === undefined) {
      this.serveFile(req, res, pathname, config);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      this.answer(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
      return;
    }
    if (req.method === 'HEAD') {
      // A HEAD names the stream's type without becoming a viewer (HEAD on FLV once crashed SRS, #4140).
      res.writeHead(200, { 'Content-Type': mount.extension === '.flv' ? 'video/x-flv' : 'video/MP2T', Connection: 'close' });
      res.end();
      return;
    }
    const { lifecycle } = this.options;
    if (lifecycle.registry.size >= config.maxConnections) {
      this.options.logger.warn({ ip: req.socket.remoteAddress, max: config.maxConnections }, 'http: refuse viewer, max_connections reached');
      this.answer(res, 503, 'Service Unavailable');
      return;
    }
    this.startViewer(req, res, mount, query, config);
  }

  private startViewer(req: IncomingMessage, res: ServerResponse, mount: NonNullable<ReturnType<typeof matchStreamMount>>, query: string, config: Config): void {
    const socket = req.socket;
    const peer = normalizeIp(socket.remoteAddress ?? '');
    let viewer: LiveViewer | undefined;
    const client = new Client(
      this.options.lifecycle,
      {
        protocol: mount.extension === '.flv' ? 'http-flv' : 'http-ts',
        connId: this.options.connIds.take(),
        ip: clientIp(peer, req.headers, config.httpServer.trustedProxies),
        port: socket.remotePort ?? 0,
        serverIp: normalizeIp(socket.localAddress ?? ''),
        serverPort: socket.localPort ?? 0,
        bytes: () => viewer?.bytes() ?? { sendBytes: 0, recvBytes: 0 },
        closeWire: (reason, detail) => viewer?.closeWire(reason, detail),
      },
      this.options.lifecycle.registry.newId(),
    );
    viewer = new LiveViewer(req, res, client, mount, { playerLimits: this.playerLimits, crossdomain: config.httpServer.crossdomain });
    const referer = req.headers.referer;
    viewer.start(query, typeof referer === 'string' ? referer : '').catch((error: unknown) => {
      client.log.error({ err: error }, 'viewer crashed');
      client.close('error', error instanceof Error ? error.message : String(error));
    });
  }

  private serveMetrics(req: IncomingMessage, res: ServerResponse, pathname: string, route: MetricsRoute): void {
    if (pathname !== '/metrics') {
      this.answer(res, 404, 'Not Found');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      this.answer(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
      return;
    }
    if (route.endpoint === undefined) {
      // SRS ERROR_EXPORTER_DISABLED, HTTP 200 (srs-wave2-spec §3).
      const body = '{"code":1090}';
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    route.endpoint.render().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        this.options.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'metrics: render failed');
        this.answer(res, 500, 'Internal Server Error');
      },
    );
  }

  private serveFile(req: IncomingMessage, res: ServerResponse, pathname: string, config: Config): void {
    const dir = config.httpServer.dir;
    if (this.staticFiles?.dir !== dir) this.staticFiles = { dir, files: new StaticFiles({ dir }) };
    const started = Date.now();
    void this.staticFiles.files.serve(req, res, pathname).then((outcome) => {
      const level = outcome.status >= 500 ? 'warn' : 'debug';
      this.options.logger[level]({ method: req.method, path: pathname.slice(0, 256), ip: req.socket.remoteAddress, ...outcome, durationMs: Date.now() - started }, 'http file');
    });
  }

  private answer(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    const body = `${text}\n`;
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  /** Garbage, a head over the bound, a slow head: that connection only gets a status and goes. */
  private readonly onClientError = (error: Error & { code?: string }, socket: Socket): void => {
    const code = error.code ?? 'ERR_HTTP';
    // A peer that reset or half-closed its connection sent nothing wrong: there is no one to answer.
    if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable) {
      this.options.logger.debug({ ip: socket.remoteAddress, code }, 'http: connection gone before a request');
      socket.destroy();
      return;
    }
    this.closeBadConnection(socket, code, code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400);
  };

  private closeBadConnection(socket: Socket, code: string, status: 400 | 408 | 431): void {
    if (this.answeredBad.has(socket)) {
      socket.destroy();
      return;
    }
    this.answeredBad.add(socket);
    this.options.logger.warn({ ip: socket.remoteAddress, code, status }, 'http: bad request, connection closed');
    if (socket.writable && !socket.destroyed) {
      const text = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`);
    } else {
      socket.destroy();
    }
  }
}
