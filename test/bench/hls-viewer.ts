/**
 * An HLS viewer of the bench, as a live player behaves: GET the playlist,
 * follow the master playlist's variant (our server's first answer names the
 * viewer's `hls_ctx`), then poll the media playlist every `pollMs` (at most
 * half the target duration) and fetch every segment it has not fetched yet,
 * once, in order. One keep-alive connection per viewer (a player's), every
 * request bounded by a timeout, a playlist by its size; segment bodies are
 * counted and dropped. It starts at the newest listed segment, so a
 * joining audience does not fetch the whole window at once.
 */
import { Agent, get } from 'node:http';
import type { Socket } from 'node:net';
import type { MeteredPlayer } from './fanout-window.js';
import { firstVariantUri, isMasterPlaylist, parseMediaPlaylist, type MediaPlaylist } from './hls-playlist.js';
import { keepError } from './jobs.js';

/** A playlist is a few hundred bytes; a bigger answer is not one. */
const MAX_PLAYLIST_BYTES = 64 * 1024;
/** Fetched sequence numbers kept: far more than a window's segments, and bounded. */
const MAX_FETCHED_KEPT = 10_000;

export interface HlsViewerOptions {
  /** `http://host:port/app/stream.m3u8`, without a ctx. */
  readonly url: string;
  /** Bound on each request, head to body end. */
  readonly requestTimeoutMs: number;
  /** Longest wait between two playlist polls; half the target duration when that is shorter. */
  readonly pollMs: number;
  /** False for the lister: it only reads playlists. */
  readonly fetchSegments: boolean;
  /** Every media playlist read, as it arrives. */
  readonly onPlaylist?: (playlist: MediaPlaylist) => void;
  /** Where distinct errors go (bounded by keepError). */
  readonly errors: string[];
}

type Answer = { readonly status: number; readonly body: string; readonly bytes: number };

export class HlsViewer implements MeteredPlayer {
  /** Body bytes of the segments fetched in full. */
  mediaBytes = 0;
  /** Segments that answered something other than 200, or broke off. */
  segmentFailures = 0;
  /** Resolves once the first segment arrived in full (the lister: the first media playlist). */
  readonly ready: Promise<void>;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly sockets = new Set<Socket>();
  private readonly fetched = new Set<number>();
  private closedSocketBytes = 0;
  private lastSeq = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private wake: (() => void) | undefined;
  private onReady!: () => void;
  private readonly loop: Promise<void>;

  constructor(private readonly options: HlsViewerOptions) {
    this.ready = new Promise((resolve) => (this.onReady = resolve));
    this.loop = this.run().catch((error: unknown) => keepError(options.errors, error));
  }

  /** Everything read from this viewer's connections, HTTP heads included. */
  get socketBytes(): number {
    let bytes = this.closedSocketBytes;
    for (const socket of this.sockets) bytes += socket.bytesRead;
    return bytes;
  }

  /** True when the segment of sequence number `seq` arrived in full. */
  hasFetched(seq: number): boolean {
    return this.fetched.has(seq);
  }

  /** Stops polling, waits for the request in flight, closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.agent.destroy();
  }

  private async run(): Promise<void> {
    const mediaUrl = await this.followMaster();
    if (mediaUrl === undefined) return;
    while (!this.stopped) {
      const polledAt = Date.now();
      let pollMs = this.options.pollMs;
      try {
        const playlist = await this.readPlaylist(mediaUrl);
        if (playlist !== undefined) {
          pollMs = Math.min(pollMs, (playlist.targetDurationSec * 1000) / 2 || pollMs);
          await this.fetchNew(mediaUrl, playlist);
        }
      } catch (error) {
        keepError(this.options.errors, error);
      }
      await this.sleep(polledAt + pollMs - Date.now());
    }
  }

  /** The media playlist's URL: the master's variant (our server), or the URL itself when it answers a media playlist. */
  private async followMaster(): Promise<URL | undefined> {
    const url = new URL(this.options.url);
    while (!this.stopped) {
      try {
        const answer = await this.request(url, MAX_PLAYLIST_BYTES);
        if (answer.status === 200 && !isMasterPlaylist(answer.body)) return url;
        const variant = answer.status === 200 ? firstVariantUri(answer.body) : undefined;
        if (variant !== undefined) return new URL(variant, url);
        // 404 before the first segment closed: try again, as a player would.
        if (answer.status !== 404) throw new Error(`HLS ${url.pathname}: status ${answer.status}, ${answer.body.slice(0, 80)}`);
      } catch (error) {
        keepError(this.options.errors, error);
      }
      await this.sleep(this.options.pollMs);
    }
    return undefined;
  }

  private async readPlaylist(url: URL): Promise<MediaPlaylist | undefined> {
    const answer = await this.request(url, MAX_PLAYLIST_BYTES);
    if (answer.status !== 200) throw new Error(`HLS media playlist: status ${answer.status}, ${answer.body.slice(0, 80).trim()}`);
    const playlist = parseMediaPlaylist(answer.body);
    this.options.onPlaylist?.(playlist);
    if (!this.options.fetchSegments) this.onReady();
    return playlist;
  }

  /** Fetches, in order, each listed segment newer than the last one tried; the first time, only the newest. */
  private async fetchNew(playlistUrl: URL, playlist: MediaPlaylist): Promise<void> {
    if (!this.options.fetchSegments) return;
    const segments = this.lastSeq === Number.NEGATIVE_INFINITY ? playlist.segments.slice(-1) : playlist.segments.filter((s) => s.seq > this.lastSeq);
    for (const segment of segments) {
      if (this.stopped) return;
      this.lastSeq = segment.seq;
      const answer = await this.request(new URL(segment.uri, playlistUrl), 0).catch((error: unknown) => {
        keepError(this.options.errors, error);
        return undefined;
      });
      if (answer?.status !== 200) {
        this.segmentFailures += 1;
        if (answer !== undefined) keepError(this.options.errors, new Error(`HLS segment: status ${answer.status}, ${answer.body.slice(0, 80).trim()}`));
        continue;
      }
      this.mediaBytes += answer.bytes;
      if (this.fetched.size >= MAX_FETCHED_KEPT) this.fetched.clear();
      this.fetched.add(segment.seq);
      this.onReady();
    }
  }

  /** One GET on the viewer's connection; keeps up to `keepBytes` of a 200 body as text (all of an error's, up to a playlist's size). */
  private request(url: URL, keepBytes: number): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const request = get(url, { agent: this.agent, timeout: this.options.requestTimeoutMs }, (res) => {
        const keep = res.statusCode === 200 ? keepBytes : MAX_PLAYLIST_BYTES;
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes <= keep) chunks.push(chunk);
          else if (keep > 0) request.destroy(new Error(`${url.pathname}: body above ${keep} bytes`));
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), bytes }));
        res.once('close', () => {
          if (!res.complete) reject(new Error(`${url.pathname}: response broke off after ${bytes} bytes`));
        });
        res.on('error', reject);
      });
      request.once('socket', (socket: Socket) => this.track(socket));
      request.once('timeout', () => request.destroy(new Error(`${url.pathname}: no answer within ${this.options.requestTimeoutMs} ms`)));
      request.on('error', reject);
    });
  }

  /** Remembers a connection so its bytes count after it closed, without keeping closed sockets around. */
  private track(socket: Socket): void {
    if (this.sockets.has(socket)) return;
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.closedSocketBytes += socket.bytesRead;
    });
  }

  /** Waits `ms` or until stop(). */
  private sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
