import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { playerAssets, type PlayerAsset } from './player-assets.js';

/**
 * The player page at `/players/` of the HTTP server (SRS ships its players
 * under the html dir at the same path): plays `?url=` over HTTP-FLV and
 * HTTP-TS with mpegts.js and over HLS with hls.js, both served from their npm
 * packages, never from a CDN. Names not ours under `/players/` fall through
 * to the static files, so an operator's own pages there still work.
 */

const SECURITY_HEADERS = {
  // hls.js runs its transmuxer in a worker made from a blob; media comes through MSE as blob: URLs.
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; connect-src *; img-src 'self' data:",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
} as const;

/** The players' builds: the UMD files that define `window.mpegts` and `window.Hls`. */
const LIBRARIES = { 'mpegts.js': 'mpegts.js/dist/mpegts.js', 'hls.js': 'hls.js/dist/hls.min.js' } as const;

export class PlayerPage {
  private readonly assets: ReadonlyMap<string, PlayerAsset>;

  constructor() {
    const files = new Map(playerAssets());
    const requireFrom = createRequire(import.meta.url);
    // Resolved at start: a missing package is a start error, not a broken page later.
    for (const [name, file] of Object.entries(LIBRARIES)) {
      files.set(name, { contentType: 'text/javascript; charset=utf-8', body: readFileSync(requireFrom.resolve(file)) });
    }
    this.assets = files;
  }

  /** True for the page itself and its files; other names under /players/ are static files. */
  owns(pathname: string): boolean {
    if (pathname === '/players') return true;
    if (!pathname.startsWith('/players/')) return false;
    const name = pathname.slice('/players/'.length);
    return name === '' || this.assets.has(name);
  }

  handle(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      text(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
      return;
    }
    if (pathname === '/players') {
      res.writeHead(302, { Location: '/players/', 'Content-Length': 0 });
      res.end();
      return;
    }
    const name = pathname.slice('/players/'.length) || 'index.html';
    const asset = this.assets.get(name) as PlayerAsset;
    const cacheControl = Object.hasOwn(LIBRARIES, name) ? 'public, max-age=3600' : 'no-cache';
    res.writeHead(200, { 'Content-Type': asset.contentType, 'Content-Length': asset.body.length, 'Cache-Control': cacheControl, ...SECURITY_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }
}

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  const line = `${body}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(line), ...headers });
  res.end(line);
}
