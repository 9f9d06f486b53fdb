import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_VHOST, findVhost, type Config } from '../../../config/schema.js';
import type { Hub } from '../../../core/hub.js';
import type { Logger } from '../../../log.js';
import type { ClientRegistry } from '../../../session/client-registry.js';
import { checkBasicAuth } from '../api/basic-auth.js';
import { expandStreamVars } from '../../../config/stream-vars.js';
import { requestedHost, streamPlayPath } from '../stream-mount.js';
import { consoleAssets, type ConsoleAsset } from './console-assets.js';

/**
 * The web console at `/console/` of the API listener (SRS ships one): live
 * streams and clients from the SRS API, a kick button per client, and a
 * player page for streams served over HTTP-FLV, playing them with mpegts.js
 * served from its npm package (never a CDN). Behind http_api's Basic auth
 * when that is on. Scripts only from this origin (CSP), nothing inline.
 */

export interface WebConsoleOptions {
  readonly getConfig: () => Config;
  readonly hub: Hub;
  readonly registry: ClientRegistry;
  /** The http_server ports actually bound (empty when off): the play URLs name one. */
  readonly httpPorts: () => readonly number[];
  readonly logger: Logger;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
} as const;

/** What the console's play links are made of (`play.json`). */
interface PlayUrls {
  /** The HTTP server's player page; empty when http_server is off. */
  readonly player: string;
  readonly streams: Record<string, { flv?: string; hls?: string }>;
}

export class WebConsole {
  private readonly assets: ReadonlyMap<string, ConsoleAsset>;

  constructor(private readonly options: WebConsoleOptions) {
    this.assets = consoleAssets();
  }

  /** True for `/console` and everything under `/console/`. */
  static owns(pathname: string): boolean {
    return pathname === '/console' || pathname.startsWith('/console/');
  }

  handle(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    req.resume();
    const { auth } = this.options.getConfig().httpApi;
    if (auth.enabled) {
      const verdict = checkBasicAuth(req.headers.authorization, auth.username, auth.password);
      if (verdict !== 'ok') {
        this.options.logger.warn({ ip: req.socket.remoteAddress, path: pathname.slice(0, 128), reason: verdict }, 'console: unauthorized');
        this.text(res, 401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="srs"' });
        return;
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      this.text(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
      return;
    }
    if (pathname === '/console') {
      res.writeHead(302, { Location: '/console/', 'Content-Length': 0 });
      res.end();
      return;
    }
    const name = pathname.slice('/console/'.length) || 'index.html';
    if (name === 'play.json') {
      this.send(req, res, { contentType: 'application/json', body: Buffer.from(JSON.stringify(this.playUrls(req))) }, 'no-store');
      return;
    }
    const asset = this.assets.get(name);
    if (asset === undefined) {
      this.text(res, 404, 'Not Found');
      return;
    }
    this.send(req, res, asset, 'no-cache');
  }

  /**
   * The player page and each live stream's HTTP-FLV and HLS URLs by its SRS
   * stream id, on the first http_server port, at the host the console was
   * reached by.
   */
  private playUrls(req: IncomingMessage): PlayUrls {
    const config = this.options.getConfig();
    const port = this.options.httpPorts()[0];
    const streams: Record<string, { flv?: string; hls?: string }> = {};
    if (port === undefined) return { player: '', streams };
    const origin = `http://${requestedHost(new URLSearchParams(), req.headers.host) || '127.0.0.1'}:${port}`;
    for (const client of this.options.registry.list()) {
      const { vhost, app, stream: name } = client.facts;
      if (vhost === '' || name === '') continue;
      const stream = this.options.hub.get(`${vhost}/${app}/${name}`);
      const vhostConfig = findVhost(config, vhost);
      if (stream === undefined || !stream.isActive || vhostConfig === undefined || Object.hasOwn(streams, stream.statId)) continue;
      const urls: { flv?: string; hls?: string } = {};
      const flvPath = streamPlayPath(vhostConfig, app, name);
      if (flvPath !== undefined && flvPath.split('?')[0]!.endsWith('.flv')) urls.flv = `${origin}${flvPath}`;
      if (vhostConfig.enabled && vhostConfig.hls.enabled) {
        const m3u8 = expandStreamVars(vhostConfig.hls.m3u8File, { vhost, app, stream: name }).split('/').map(encodeURIComponent).join('/');
        urls.hls = `${origin}/${m3u8}${vhost === DEFAULT_VHOST ? '' : `?vhost=${encodeURIComponent(vhost)}`}`;
      }
      streams[stream.statId] = urls;
    }
    return { player: `${origin}/players/`, streams };
  }

  private send(req: IncomingMessage, res: ServerResponse, asset: ConsoleAsset, cacheControl: string): void {
    res.writeHead(200, { 'Content-Type': asset.contentType, 'Content-Length': asset.body.length, 'Cache-Control': cacheControl, ...SECURITY_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }

  private text(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    const body = `${text}\n`;
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }
}
