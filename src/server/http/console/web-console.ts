import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findVhost, type Config } from '../../../config/schema.js';
import type { Hub } from '../../../core/hub.js';
import type { Logger } from '../../../log.js';
import type { ClientRegistry } from '../../../session/client-registry.js';
import { checkBasicAuth } from '../api/basic-auth.js';
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
  /** The http_server ports actually bound (empty when off): the player's URLs name one. */
  readonly httpPorts: () => readonly number[];
  readonly logger: Logger;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; media-src 'self' blob:; connect-src *; img-src 'self' data:",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
} as const;

export class WebConsole {
  private readonly assets: ReadonlyMap<string, ConsoleAsset>;

  constructor(private readonly options: WebConsoleOptions) {
    const files = new Map(consoleAssets());
    // Resolved at start: a missing package is a start error, not a broken page later.
    const mpegtsFile = createRequire(import.meta.url).resolve('mpegts.js/dist/mpegts.js');
    files.set('mpegts.js', { contentType: 'text/javascript; charset=utf-8', body: readFileSync(mpegtsFile) });
    this.assets = files;
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
    this.send(req, res, asset, name === 'mpegts.js' ? 'public, max-age=3600' : 'no-cache');
  }

  /** Each live stream's HTTP-FLV URL by its SRS stream id, on the first http_server port, at the host the console was reached by. */
  private playUrls(req: IncomingMessage): { streams: Record<string, string> } {
    const config = this.options.getConfig();
    const port = this.options.httpPorts()[0];
    const streams: Record<string, string> = {};
    if (port === undefined) return { streams };
    const host = requestedHost(new URLSearchParams(), req.headers.host) || '127.0.0.1';
    for (const client of this.options.registry.list()) {
      const { vhost, app, stream: name } = client.facts;
      if (vhost === '' || name === '') continue;
      const stream = this.options.hub.get(`${vhost}/${app}/${name}`);
      const vhostConfig = findVhost(config, vhost);
      if (stream === undefined || vhostConfig === undefined || Object.hasOwn(streams, stream.statId)) continue;
      const path = streamPlayPath(vhostConfig, app, name);
      if (path !== undefined && path.split('?')[0]!.endsWith('.flv')) streams[stream.statId] = `http://${host}:${port}${path}`;
    }
    return { streams };
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
