import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRemuxConfig, VhostConfig } from '../../config/schema.js';
import { Player, type PlayerLimits } from '../../core/player.js';
import type { Stream } from '../../core/stream.js';
import type { WireChannel } from '../../core/wire-cache.js';
import type { CloseReason } from '../../hooks/events.js';
import { SrsSignature } from '../../rtmp/constants.js';
import type { Client } from '../../session/client.js';
import type { Refusal } from '../../session/refusal.js';
import { crossdomainHeaders } from './cors.js';
import { flvFileHeader, FLV_FORMAT } from './flv-format.js';
import type { MountMatch } from './stream-mount.js';
import { TS_FORMAT, type TsWireEncoder } from './ts-format.js';

/** What a viewer needs from the HTTP server. */
export interface LiveViewerContext {
  readonly playerLimits: PlayerLimits;
  readonly crossdomain: boolean;
}

type ViewerPhase = 'admitting' | 'streaming' | 'closed';

const CONTENT_TYPE = { '.flv': 'video/x-flv', '.ts': 'video/MP2T' } as const;

/**
 * The HTTP-FLV / HTTP-TS adapter of the client lifecycle (srs-wave2-spec
 * §1.4-1.6): on_play before the first byte, the response head as soon as
 * the gates pass (SRS sends nothing until a publisher comes), then the
 * format's file header, metadata and sequence headers and the GOP cache,
 * then live media; the viewer ends when it leaves, when the publisher
 * unpublishes (as SRS), on a kick or at shutdown. A refusal is a 403 (or
 * 404) with one line naming the hook, where SRS drops the socket.
 */
export class LiveViewer {
  private phase: ViewerPhase = 'admitting';

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly client: Client,
    private readonly mount: MountMatch,
    private readonly ctx: LiveViewerContext,
  ) {}

  async start(query: string, pageUrl: string): Promise<void> {
    const { req, res, client, mount } = this;
    req.socket.setNoDelay(true);
    // Anything the viewer sends is discarded (SRS's recv coroutine does the same).
    req.resume();
    res.on('close', () => client.close('client_close', 'viewer left'));
    client.accept();
    client.log.info({ url: req.url?.slice(0, 256) }, 'viewer start');
    const admission = await client.admit(
      {
        kind: 'play',
        clientType: 'flv-play',
        createPlayer: (stream, vhost) => {
          this.writeHead();
          this.phase = 'streaming';
          return this.createPlayer(stream, vhost);
        },
      },
      {
        vhost: mount.vhost.name,
        app: mount.app,
        stream: mount.stream,
        // SRS to_request: param is the whole raw query, tcUrl names the resolved vhost (srs-wave2-spec §1.3, §1.6).
        param: query === '' ? '' : `?${query}`,
        tcUrl: `rtmp://${mount.vhost.name}/${mount.app}`,
        pageUrl,
      },
    );
    if (!admission.ok) this.refuse(admission.refusal);
  }

  /** The lifecycle ended: finish or drop the response (the client's `closeWire`). */
  closeWire(reason: CloseReason, detail: string): void {
    if (this.phase === 'closed') return;
    const wasStreaming = this.phase === 'streaming';
    this.phase = 'closed';
    const { res } = this;
    this.client.log.info({ reason, detail, ...this.bytes(), durationMs: Date.now() - this.client.startedAtMs }, 'viewer end');
    if (res.writableEnded || res.destroyed) return;
    if (!wasStreaming || reason === 'timeout' || reason === 'error') {
      res.destroy();
      return;
    }
    // A clean end (unpublish, kick, shutdown, duration): the terminating chunk, then the socket closes (Connection: close).
    res.end();
  }

  bytes(): { sendBytes: number; recvBytes: number } {
    const socket = this.req.socket;
    return { sendBytes: socket.bytesWritten, recvBytes: socket.bytesRead };
  }

  private writeHead(): void {
    const { res } = this;
    res.sendDate = false;
    // srs-wave2-spec §1.5, in SRS's order; Node adds Transfer-Encoding: chunked.
    res.setHeader('Connection', 'close');
    if (this.ctx.crossdomain && this.req.headers.origin !== undefined) {
      for (const [name, value] of crossdomainHeaders()) res.setHeader(name, value);
    }
    res.setHeader('Content-Type', CONTENT_TYPE[this.mount.extension]);
    res.setHeader('Server', SrsSignature.server);
    res.writeHead(200);
    res.flushHeaders();
  }

  private createPlayer(stream: Stream, vhost: VhostConfig): Player {
    const queueLengthMs = vhost.play.queueLengthSec * 1000;
    const isFlv = this.mount.extension === '.flv';
    const channel = stream.wires.acquire(isFlv ? FLV_FORMAT : TS_FORMAT);
    const player: Player = new Player({
      queueLengthMs,
      maxQueuedPackets: this.ctx.playerLimits.maxQueuedPackets,
      maxWritableBytes: this.ctx.playerLimits.maxWritableBytes,
      stallTimeoutMs: queueLengthMs,
      sink: this.res,
      channel,
      preamble: isFlv ? () => this.flvPreamble(stream, vhost.httpRemux, player) : () => tsPreamble(channel),
      onStalled: (detail) => this.client.close('timeout', detail),
      onPublisherLeft: () => this.client.close('unpublished', 'stream unpublished'),
      onPublisherArrived: () => undefined,
    });
    return player;
  }

  /**
   * The FLV header's flags from `has_audio`/`has_video`; with `guess_has_av`
   * only the kinds the stream has sequence headers for, both when it has
   * none yet (SRS guesses from the first batch). With `drop_if_not_match`
   * a kind the header leaves out is not sent.
   */
  private flvPreamble(stream: Stream, remux: HttpRemuxConfig, player: Player): Buffer {
    let hasAudio = remux.hasAudio;
    let hasVideo = remux.hasVideo;
    if (remux.guessHasAv && (stream.hasAudio || stream.hasVideo)) {
      hasAudio &&= stream.hasAudio;
      hasVideo &&= stream.hasVideo;
    }
    if (remux.dropIfNotMatch) {
      if (!hasAudio) player.receiveAudio = false;
      if (!hasVideo) player.receiveVideo = false;
    }
    return flvFileHeader(hasAudio, hasVideo);
  }

  private refuse(refusal: Refusal): void {
    if (refusal.code === 'closed' || this.phase === 'closed') return;
    const notFound = refusal.code === 'vhost_not_found' || refusal.code === 'vhost_disabled' || refusal.code === 'empty_stream';
    const status = notFound ? 404 : 403;
    this.client.log.warn({ status, code: refusal.code, description: refusal.description }, 'refused');
    const { res } = this;
    if (!res.headersSent && refusal.redirect !== undefined) {
      // A gate's redirect (issue 17): HTTP's own 302, the URL as the gate gave it.
      res.writeHead(302, { Location: refusal.redirect, 'Content-Length': 0, Connection: 'close' });
      res.end();
    } else if (!res.headersSent) {
      const body = `${refusal.description}\n`;
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
      res.end(body);
    }
    this.client.close(refusal.reason, refusal.description);
  }
}

function tsPreamble(channel: WireChannel): Buffer {
  return (channel.encoder as TsWireEncoder).tables();
}
