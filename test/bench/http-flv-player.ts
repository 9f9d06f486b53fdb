/**
 * An HTTP-FLV player of the fan-out cells: one GET on its own connection
 * (no agent, no keep-alive), the body read as fast as it comes. Media bytes
 * are the FLV tags' audio/video payloads, as the RTMP player counts them;
 * socket bytes are everything read, HTTP head and chunk framing included.
 */
import { get, type ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FanoutPlayer } from './fanout-player.js';
import { FlvTagScanner } from './flv-tag-scanner.js';

export class HttpFlvPlayer implements FanoutPlayer {
  private socket: Socket | undefined;

  private constructor(
    private readonly request: ClientRequest,
    private readonly scanner: FlvTagScanner,
    readonly keyframe: Promise<number>,
  ) {
    request.once('socket', (socket: Socket) => (this.socket = socket));
  }

  /** GETs `http://.../app/stream.flv`; resolves once the 200 head arrived. */
  static open(url: string, timeoutMs: number): Promise<HttpFlvPlayer> {
    return new Promise((resolve, reject) => {
      let onKeyframe!: (at: number) => void;
      const keyframe = new Promise<number>((resolveKeyframe) => (onKeyframe = resolveKeyframe));
      const scanner = new FlvTagScanner(() => onKeyframe(performance.now()));
      const request = get(url, { agent: false, timeout: timeoutMs });
      const player = new HttpFlvPlayer(request, scanner, keyframe);
      request.once('timeout', () => request.destroy(new Error(`HTTP-FLV head timed out after ${timeoutMs} ms`)));
      request.once('error', reject);
      request.once('response', (res) => {
        if (res.statusCode !== 200) {
          request.destroy();
          reject(new Error(`HTTP-FLV ${url}: status ${res.statusCode}`));
          return;
        }
        // Past the head the request timeout would cut a quiet stream: the cell bounds its own waits.
        request.setTimeout(0);
        res.on('data', (chunk: Buffer) => scanner.feed(chunk));
        res.on('error', () => undefined);
        resolve(player);
      });
    });
  }

  get mediaBytes(): number {
    return this.scanner.mediaBytes;
  }

  get socketBytes(): number {
    return this.socket?.bytesRead ?? 0;
  }

  close(): void {
    this.request.destroy();
  }
}
