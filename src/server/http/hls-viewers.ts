import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { Logger } from '../../log.js';
import type { Config, VhostConfig } from '../../config/schema.js';
import type { ConnIdSequence } from '../../core/ids.js';
import { Client, type LifecycleContext } from '../../session/client.js';
import { normalizeIp } from '../../util/ip.js';
import { clientIp } from './client-ip.js';
import { crossdomainHeaders } from './cors.js';
import { decodeSafePath, StaticFiles } from './static-files.js';

/** A playlist is a few KiB; anything bigger under hls_path is not ours to rewrite. */
const MAX_PLAYLIST_BYTES = 1024 * 1024;
/** Kicked sessions remembered so their player is told `EOF` (SRS), bounded. */
const MAX_EOF_CTX = 10_000;
/**
 * An HLS viewer that has not asked for its playlist for this long has
 * stopped: 3 target durations (a player polls about once per target
 * duration), at least 10 s. SRS waits 2 x hls_window (120 s by default) and
 * ends one session per 5 s tick (srs-wave2-spec §2.5, §6.4).
 */
export function hlsViewerTimeoutMs(hls: VhostConfig['hls']): number {
  return Math.max(10_000, 3 * hls.fragmentSec * hls.tdRatio * 1000);
}

/** One HLS viewer: a client of the lifecycle tracked across its requests by `hls_ctx`. */
interface HlsViewer {
  readonly ctx: string;
  readonly client: Client;
  readonly timeoutMs: number;
  lastRequestMs: number;
  sendBytes: number;
  recvBytes: number;
}

export interface HlsViewersOptions {
  readonly lifecycle: LifecycleContext;
  readonly connIds: ConnIdSequence;
  readonly logger: Logger;
  /** How often stopped viewers are looked for. */
  readonly expiryCheckMs?: number;
}

/**
 * HLS playlists and segments from each vhost's `hls_path`, and HLS viewers
 * as sessions (`hls_ctx`, srs-wave2-spec §2.5) with SRS's quirks fixed
 * (§6.4): the first playlist request passes on_play (403 with the reason
 * when denied: nothing is served and no session or on_stop follows), gets
 * SRS's master playlist naming its ctx (relative, so it works behind a
 * path-rewriting proxy, SRS #4338) and appears as `hls-play`; a ctx that is
 * not a live session of ours is a new viewer, asked on_play with the query
 * it brought (the token included), under a ctx we pick; segments need a
 * live ctx when `hls_ts_ctx` is on and count into its bytes; on_stop fires
 * once, when the viewer stopped asking for its playlist
 * ({@link hlsViewerTimeoutMs}), all such viewers at the same check, or at
 * once on a kick.
 */
export class HlsViewers {
  private readonly viewers = new Map<string, HlsViewer>();
  private readonly eof = new Set<string>();
  private readonly files = new Map<string, StaticFiles>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: HlsViewersOptions) {
    this.timer = setInterval(this.expire, options.expiryCheckMs ?? 1000);
    this.timer.unref();
  }

  /** True when `pathname` is HLS output of an HLS-enabled vhost (a `.m3u8`, or a `.ts` file that exists there). */
  async owns(vhost: VhostConfig | undefined, pathname: string): Promise<boolean> {
    if (vhost === undefined || !vhost.enabled || !vhost.hls.enabled) return false;
    if (pathname.endsWith('.m3u8')) return true;
    if (!pathname.endsWith('.ts')) return false;
    const file = this.fileOf(vhost, pathname);
    return file !== undefined && (await stat(file).then((s) => s.isFile(), () => false));
  }

  async handle(req: IncomingMessage, res: ServerResponse, pathname: string, query: URLSearchParams, vhost: VhostConfig, config: Config): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answer(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
      return;
    }
    if (config.httpServer.crossdomain && req.headers.origin !== undefined) for (const [name, value] of crossdomainHeaders()) res.setHeader(name, value);
    const file = this.fileOf(vhost, pathname);
    if (file === undefined) {
      answer(res, 400, 'Bad Request');
      return;
    }
    const ctx = query.get('hls_ctx') ?? '';
    if (pathname.endsWith('.ts')) {
      await this.serveSegment(req, res, pathname, vhost, ctx);
      return;
    }
    const playlist = await readPlaylist(file);
    if (playlist === undefined) {
      answer(res, 404, 'Not Found');
      return;
    }
    if (!vhost.hls.ctx) {
      sendPlaylist(req, res, playlist);
      return;
    }
    if (ctx !== '' && this.eof.has(ctx)) {
      answer(res, 404, `HLS stream ${ctx} is EOF`);
      return;
    }
    const viewer = this.viewers.get(ctx);
    if (viewer !== undefined && !viewer.client.isClosed) {
      viewer.lastRequestMs = Date.now();
      viewer.recvBytes += requestBytes(req);
      const body = vhost.hls.tsCtx ? withCtx(playlist, ctx) : playlist;
      viewer.sendBytes += sendPlaylist(req, res, body);
      return;
    }
    await this.admit(req, res, pathname, query, vhost, config);
  }

  /** Stops the expiry timer (at shutdown the registry ends every viewer's session). */
  close(): void {
    clearInterval(this.timer);
  }

  private async admit(req: IncomingMessage, res: ServerResponse, pathname: string, query: URLSearchParams, vhost: VhostConfig, config: Config): Promise<void> {
    const { lifecycle } = this.options;
    if (lifecycle.registry.size >= config.maxConnections) {
      this.options.logger.warn({ ip: req.socket.remoteAddress, max: config.maxConnections }, 'http: refuse hls viewer, max_connections reached');
      answer(res, 503, 'Service Unavailable');
      return;
    }
    const socket = req.socket;
    const peer = normalizeIp(socket.remoteAddress ?? '');
    const id = lifecycle.registry.newId();
    let viewer: HlsViewer | undefined;
    const client = new Client(
      lifecycle,
      {
        protocol: 'hls',
        connId: this.options.connIds.take(),
        ip: clientIp(peer, req.headers, config.httpServer.trustedProxies),
        port: socket.remotePort ?? 0,
        serverIp: normalizeIp(socket.localAddress ?? ''),
        serverPort: socket.localPort ?? 0,
        bytes: () => ({ sendBytes: viewer?.sendBytes ?? 0, recvBytes: viewer?.recvBytes ?? 0 }),
        closeWire: (reason) => {
          this.viewers.delete(id);
          if (reason === 'kicked') this.rememberEof(id);
        },
      },
      id,
    );
    client.accept();
    // The query the viewer brought, without a ctx that is not (or no longer) a session of ours.
    const kept = new URLSearchParams(query);
    kept.delete('hls_ctx');
    const keptQuery = kept.toString();
    const { app, stream } = namesOf(decodeSafePath(pathname) ?? pathname);
    const referer = req.headers.referer;
    const admission = await client.admit(
      { kind: 'play', clientType: 'hls-play' },
      {
        vhost: vhost.name,
        app,
        // SRS's hooks see the playlist's name, `s.m3u8`, and `stream_url` without it (srs-wave2-spec §2.5).
        stream: `${stream}.m3u8`,
        hubStream: stream,
        param: keptQuery === '' ? '' : `?${keptQuery}`,
        tcUrl: `rtmp://${hostOf(req)}/${app}`,
        pageUrl: typeof referer === 'string' ? referer : '',
      },
    );
    if (!admission.ok) {
      const { refusal } = admission;
      const notFound = refusal.code === 'vhost_not_found' || refusal.code === 'vhost_disabled' || refusal.code === 'empty_stream';
      client.log.warn({ status: notFound ? 404 : 403, code: refusal.code, description: refusal.description }, 'refused');
      if (!res.headersSent && !res.destroyed) answer(res, notFound ? 404 : 403, refusal.description);
      client.close(refusal.reason, refusal.description);
      return;
    }
    if (client.isClosed) return;
    viewer = { ctx: id, client, timeoutMs: hlsViewerTimeoutMs(vhost.hls), lastRequestMs: Date.now(), sendBytes: 0, recvBytes: requestBytes(req) };
    this.viewers.set(id, viewer);
    client.log.info({ url: req.url?.slice(0, 256) }, 'hls viewer start');
    // SRS's master playlist (srs_app_http_static.cpp:149-206), the variant named relative to it.
    const variant = `${path.posix.basename(pathname)}?hls_ctx=${id}${keptQuery === '' ? '' : `&${keptQuery}`}`;
    viewer.sendBytes += sendPlaylist(req, res, `#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1\n${variant}\n`);
  }

  private async serveSegment(req: IncomingMessage, res: ServerResponse, pathname: string, vhost: VhostConfig, ctx: string): Promise<void> {
    const viewer = this.viewers.get(ctx);
    if (vhost.hls.ctx && vhost.hls.tsCtx && (viewer === undefined || viewer.client.isClosed)) {
      // SRS serves segments to anyone (§2.5 d): a segment is only for a viewer that passed on_play.
      answer(res, this.eof.has(ctx) ? 404 : 403, this.eof.has(ctx) ? `HLS stream ${ctx} is EOF` : 'hls_ctx of a playing viewer required');
      return;
    }
    const dir = vhost.hls.path;
    let files = this.files.get(dir);
    if (files === undefined) {
      files = new StaticFiles({ dir });
      if (this.files.size >= 64) this.files.clear();
      this.files.set(dir, files);
    }
    res.setHeader('Cache-Control', 'no-cache');
    if (viewer !== undefined) viewer.recvBytes += requestBytes(req);
    const outcome = await files.serve(req, res, pathname);
    if (viewer !== undefined && 'bytes' in outcome) viewer.sendBytes += outcome.bytes;
  }

  /** The file under the vhost's hls_path a URL path names; undefined for traversal, NUL or a malformed escape. */
  private fileOf(vhost: VhostConfig, pathname: string): string | undefined {
    const decoded = decodeSafePath(pathname);
    return decoded === undefined ? undefined : path.join(vhost.hls.path, decoded);
  }

  private rememberEof(ctx: string): void {
    if (this.eof.size >= MAX_EOF_CTX) this.eof.clear();
    this.eof.add(ctx);
  }

  /** Every viewer past its timeout ends now (SRS: one per 5 s tick). */
  private readonly expire = (): void => {
    const nowMs = Date.now();
    for (const viewer of [...this.viewers.values()]) {
      if (nowMs - viewer.lastRequestMs > viewer.timeoutMs) viewer.client.close('timeout', `no playlist request for ${viewer.timeoutMs} ms`);
    }
  };
}

/** `/live/s.m3u8` (decoded) -> app `live`, stream `s` (SRS reads them from the path the same way). */
function namesOf(pathname: string): { app: string; stream: string } {
  const dir = path.posix.dirname(pathname);
  return { app: dir === '/' ? '' : dir.slice(1), stream: path.posix.basename(pathname, '.m3u8') };
}

/** The raw host the request named (SRS's HLS tcUrl uses it, not the resolved vhost: §6.2). */
function hostOf(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  const colon = host.lastIndexOf(':');
  return colon > host.lastIndexOf(']') ? host.slice(0, colon) : host;
}

/** `.ts` URIs of a live playlist carry the viewer's ctx (srs_app_http_static.cpp:208-254). */
function withCtx(playlist: string, ctx: string): string {
  return playlist
    .split('\n')
    .map((line) => {
      if (line.startsWith('#') || !line.includes('.ts')) return line;
      return line.includes('.ts?') ? line.replace('.ts?', `.ts?hls_ctx=${ctx}&`) : line.replace(/\.ts$/, `.ts?hls_ctx=${ctx}`);
    })
    .join('\n');
}

async function readPlaylist(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file);
    if (!info.isFile() || info.size > MAX_PLAYLIST_BYTES) return undefined;
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Sends a playlist (never cached: it changes every segment); returns the bytes sent. */
function sendPlaylist(req: IncomingMessage, res: ServerResponse, body: string): number {
  const length = Buffer.byteLength(body);
  res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl', 'Content-Length': length, 'Cache-Control': 'no-cache' });
  res.end(req.method === 'HEAD' ? undefined : body);
  return req.method === 'HEAD' ? 0 : length;
}

/** A request's size as received: its request line and headers, roughly as SRS counts them. */
function requestBytes(req: IncomingMessage): number {
  let size = (req.url?.length ?? 0) + 16;
  for (let i = 0; i < req.rawHeaders.length; i += 2) size += (req.rawHeaders[i]?.length ?? 0) + (req.rawHeaders[i + 1]?.length ?? 0) + 4;
  return size;
}

function answer(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const body = `${text}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
