import type { Socket } from 'node:net';
import type { Logger } from '../log.js';
import { SessionLog } from './session-log.js';
import { SrsError } from '../errors.js';
import { findVhost, type Config, type VhostConfig } from '../config/schema.js';
import { RtmpServerConnection, type RtmpEvent, type RtmpLimits } from '../rtmp/connection.js';
import { parseTcUrl, resolveStreamRequest, generateStreamUrl } from '../rtmp/url.js';
import { toMediaPacket } from '../media/flv-tag.js';
import { Hub } from '../core/hub.js';
import type { Stream, StreamOptions } from '../core/stream.js';
import { checkSecurity } from '../core/security.js';
import { randomStatId } from '../core/ids.js';
import { ALLOW, type CloseReason, type GateVerdict, type HookPort, type SessionEvent, type SessionEventType } from '../hooks/events.js';
import { SessionEventBuilder, type SessionFacts } from './session-event.js';
import { RtmpPlayer } from './rtmp-player.js';

/** Explicit time bounds of a session (srs-spec §6: SRS_CONSTS_RTMP_TIMEOUT 30 s, republish wait 3 min). */
export interface SessionTimeouts {
  /** From accept until `connect` arrives (handshake included). */
  connectMs: number;
  /** From `connect` until the first publish/play command. */
  identifyMs: number;
  /** After unpublish/stop, how long the connection may sit idle before a new publish/play. */
  republishMs: number;
  /** After a rejection status is written, how long we wait for the client to close. */
  lingerMs: number;
}

export const DEFAULT_SESSION_TIMEOUTS: SessionTimeouts = {
  connectMs: 30_000,
  identifyMs: 30_000,
  republishMs: 180_000,
  lingerMs: 2_000,
};

/** Per-player send bounds (the queue length in time comes from play.queue_length). */
export interface PlayerLimits {
  maxQueuedPackets: number;
  maxWritableBytes: number;
}

export const DEFAULT_PLAYER_LIMITS: PlayerLimits = { maxQueuedPackets: 8192, maxWritableBytes: 2 * 1024 * 1024 };

/** What a session needs from the server: the narrow port it depends on. */
export interface SessionContext {
  getConfig(): Config;
  readonly hub: Hub;
  readonly hooks: HookPort;
  readonly logger: Logger;
  readonly limits: Partial<RtmpLimits>;
  readonly timeouts: SessionTimeouts;
  readonly playerLimits: PlayerLimits;
  readonly pid: number;
  onClosed(session: RtmpSession): void;
}

type SessionState = 'handshake' | 'connecting' | 'identifying' | 'publishing' | 'playing' | 'closed';

/** One status to send and why a session is refused. */
interface Refusal {
  streamId: number;
  code: string;
  description: string;
  reason: CloseReason;
}

/**
 * Binds one socket to one RtmpServerConnection, the hub and the hooks. The
 * only place RTMP bytes meet a socket. Every lifecycle moment becomes one
 * SessionEvent; publish/play/connect wait for the gates with the socket
 * paused; close is emitted exactly once with a reason.
 */
export class RtmpSession {
  readonly facts: SessionFacts;
  readonly startedAtMs = Date.now();
  private state: SessionState = 'handshake';
  private readonly connection: RtmpServerConnection;
  private readonly events: SessionEventBuilder;
  private readonly log: SessionLog;
  private recvBytes = 0;
  /** Cancels the gate in flight when the session ends; only exists while a gate waits. */
  private gateAbort: AbortController | undefined;
  private pending: RtmpEvent[] = [];
  private waiting = false;
  private accepted = false;
  /** A refusal half-closed the socket: let the status drain instead of destroying it. */
  private lingering = false;
  private stateTimer: NodeJS.Timeout | undefined;
  private publishing: { stream: Stream; streamId: number; lastPacketMs: number; gotPacket: boolean; vhost: VhostConfig } | undefined;
  private playing: { stream: Stream; player: RtmpPlayer; streamId: number } | undefined;
  private publisherRef: { clientId: string };

  constructor(
    private readonly socket: Socket,
    private readonly ctx: SessionContext,
    ids: { clientId: string; connId: string },
  ) {
    this.facts = {
      clientId: ids.clientId,
      connId: ids.connId,
      ip: normalizeIp(socket.remoteAddress ?? ''),
      port: socket.remotePort ?? 0,
      serverIp: normalizeIp(socket.localAddress ?? ''),
      serverPort: socket.localPort ?? 0,
      vhost: '',
      app: '',
      stream: '',
      param: '',
      tcUrl: '',
      pageUrl: '',
      streamUrl: '',
      streamId: '',
      publishType: '',
      clientType: undefined,
    };
    this.publisherRef = { clientId: ids.clientId };
    this.events = new SessionEventBuilder(this.facts);
    this.log = new SessionLog(ctx.logger, { cid: ids.clientId, conn: ids.connId, ip: this.facts.ip });
    this.connection = new RtmpServerConnection({ limits: ctx.limits, clientId: ids.clientId });
  }

  /** Starts reading; logs the start line. */
  start(): void {
    const { socket } = this;
    // Replies must never wait for Nagle: the connect _result is the client's critical path.
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    // SRS treats any socket read/write failure (reset, broken pipe) as the client going away
    // (srs_is_client_gracefully_close); players that quit with unread data reset the socket.
    socket.on('error', (error) => this.close('client_close', error.message));
    socket.on('close', () => this.close('client_close', 'socket closed'));
    this.arm(this.ctx.timeouts.connectMs, 'handshake/connect');
    this.log.info({ port: this.facts.port }, 'session start');
  }

  get clientId(): string {
    return this.facts.clientId;
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Bytes counters as SRS reports them (whole RTMP socket). */
  bytes(): { sendBytes: number; recvBytes: number } {
    return { sendBytes: this.socket.bytesWritten, recvBytes: this.recvBytes };
  }

  /** Ends the session; unpublish/stop/close events follow exactly once. */
  close(reason: CloseReason, detail: string): void {
    if (this.isClosed) return;
    this.state = 'closed';
    this.clearTimer();
    this.gateAbort?.abort();
    this.socket.off('data', this.onData);
    this.endPublish();
    this.endPlay();
    if (!this.lingering && !this.socket.destroyed) this.socket.destroy();
    if (this.accepted) this.emit('close', reason, detail);
    const bytes = this.bytes();
    this.log.info({ reason, detail, ...bytes, durationMs: Date.now() - this.startedAtMs }, 'session end');
    this.ctx.onClosed(this);
  }

  private readonly onData = (chunk: Buffer): void => {
    // Every reply this read produces leaves in one write: a client waiting on
    // several answers must not get them in separate segments.
    this.socket.cork();
    try {
      this.onBytes(chunk);
    } finally {
      this.socket.uncork();
    }
  };

  private onBytes(chunk: Buffer): void {
    this.recvBytes += chunk.length;
    let events: RtmpEvent[];
    try {
      events = this.connection.feed(chunk);
    } catch (error) {
      this.fail(error);
      return;
    }
    const out = this.connection.takeOutput();
    if (out !== undefined) this.socket.write(out);
    if (events.length === 0) return;
    if (this.waiting) {
      for (const event of events) this.pending.push(event);
      return;
    }
    this.run(events, 0);
  }

  /** Handles events in order; a gated event pauses the socket until its verdict. */
  private run(events: RtmpEvent[], from: number): void {
    for (let i = from; i < events.length; i++) {
      if (this.isClosed) return;
      let wait: Promise<void> | undefined;
      try {
        wait = this.handle(events[i] as RtmpEvent);
      } catch (error) {
        this.fail(error);
        return;
      }
      if (wait === undefined) continue;
      this.waiting = true;
      this.socket.pause();
      // Replies already produced (onFCPublish) wait in the socket and leave in one
      // write with the verdict's status; a refusal's socket.end() flushes them too.
      this.socket.cork();
      const rest = events.slice(i + 1);
      wait.then(
        () => {
          this.socket.uncork();
          this.resume(rest);
        },
        (error: unknown) => {
          this.socket.uncork();
          this.fail(error);
        },
      );
      return;
    }
  }

  private resume(rest: RtmpEvent[]): void {
    this.waiting = false;
    if (this.isClosed) return;
    const queued = rest.length === 0 ? this.pending : rest.concat(this.pending);
    this.pending = [];
    this.socket.resume();
    if (queued.length > 0) this.run(queued, 0);
  }

  private handle(event: RtmpEvent): Promise<void> | undefined {
    switch (event.type) {
      case 'media':
        this.onMedia(event.kind, event.timestamp, event.payload);
        return undefined;
      case 'handshake-done':
        this.state = 'connecting';
        this.accepted = true;
        this.emit('accept');
        return undefined;
      case 'connect':
        this.onConnect(event.info.tcUrl, event.info.pageUrl);
        return undefined;
      case 'publish':
        this.clearTimer();
        return this.onPublish(event.streamId, event.streamName, event.publishType, event.fmle);
      case 'play':
        this.clearTimer();
        return this.onPlay(event.streamId, event.streamName);
      case 'unpublish':
        if (this.endPublish()) this.arm(this.ctx.timeouts.republishMs, 'republish');
        return undefined;
      case 'stop-play':
        if (this.endPlay()) this.arm(this.ctx.timeouts.republishMs, 'replay');
        return undefined;
      case 'pause':
        if (this.playing !== undefined) {
          this.playing.player.paused = event.paused;
          this.log.debug({ paused: event.paused }, 'pause');
        }
        return undefined;
      case 'receive':
        if (this.playing !== undefined) {
          if (event.audio !== undefined) this.playing.player.receiveAudio = event.audio;
          if (event.video !== undefined) this.playing.player.receiveVideo = event.video;
        }
        return undefined;
    }
  }

  private onConnect(tcUrl: string, pageUrl: string): void {
    const request = parseTcUrl(tcUrl);
    this.facts.tcUrl = tcUrl;
    this.facts.pageUrl = pageUrl;
    this.facts.vhost = request.vhost;
    this.facts.app = request.app;
    this.facts.param = request.param;
    const vhost = findVhost(this.ctx.getConfig(), request.vhost);
    const config = this.ctx.getConfig();
    // srs-spec §1.6: the connect _result leaves before on_connect, which fires after identify.
    this.socket.write(
      this.connection.acceptConnect({
        windowAckSize: vhost?.outAckSize ?? 2_500_000,
        peerBandwidth: 2_500_000,
        chunkSize: vhost?.chunkSize ?? config.chunkSize,
        serverIp: this.facts.serverIp,
        pid: this.ctx.pid,
        clientId: this.facts.clientId,
      }),
    );
    this.state = 'identifying';
    this.arm(this.ctx.timeouts.identifyMs, 'identify');
    this.log.rebind({ cid: this.facts.clientId, conn: this.facts.connId, ip: this.facts.ip, vhost: request.vhost, app: request.app });
  }

  /**
   * Resolves vhost/app/stream/param for a publish or play (srs-spec §1.7, §4)
   * and runs on_connect; returns the vhost, or a refusal.
   */
  private async identify(streamId: number, streamName: string, failCode: string): Promise<VhostConfig | Refusal> {
    const request = resolveStreamRequest(this.facts.tcUrl, streamName);
    const vhost = findVhost(this.ctx.getConfig(), request.vhost);
    const rejected = 'NetConnection.Connect.Rejected';
    if (vhost === undefined) return { streamId, code: rejected, description: `vhost ${request.vhost} not found`, reason: 'rejected' };
    if (!vhost.enabled) return { streamId, code: rejected, description: `vhost ${request.vhost} disabled`, reason: 'rejected' };
    Object.assign(this.facts, {
      vhost: vhost.name,
      app: request.app,
      stream: request.stream,
      param: request.param,
      streamUrl: generateStreamUrl(vhost.name, request.app, request.stream),
    });
    this.log.rebind({
      cid: this.facts.clientId,
      conn: this.facts.connId,
      ip: this.facts.ip,
      vhost: vhost.name,
      app: request.app,
      stream: request.stream,
    });
    const connectVerdict = await this.gate('connect');
    if (!connectVerdict.allow) return { streamId, code: rejected, description: connectVerdict.reason, reason: 'rejected' };
    this.emit('connect');
    if (request.stream === '') return { streamId, code: failCode, description: 'empty stream name', reason: 'rejected' };
    return vhost;
  }

  private async onPublish(streamId: number, streamName: string, publishType: string, fmle: boolean): Promise<void> {
    if (this.publishing !== undefined || this.playing !== undefined) {
      return this.refuse({ streamId, code: 'NetStream.Publish.BadName', description: 'already publishing or playing', reason: 'rejected' });
    }
    const badName = 'NetStream.Publish.BadName';
    const identified = await this.identify(streamId, streamName, badName);
    if (this.isClosed) return;
    if (!isVhost(identified)) return this.refuse(identified);
    const vhost = identified;
    this.facts.publishType = publishType;
    this.facts.clientType = fmle ? 'fmle-publish' : 'flash-publish';
    const denied = checkSecurity(vhost.security, 'publish', this.facts.ip);
    if (denied !== undefined) return this.refuse({ streamId, code: badName, description: denied, reason: 'rejected' });
    const key = Hub.keyOf(vhost.name, this.facts.app, this.facts.stream);
    // Deliberate difference from SRS: a busy stream is refused before on_publish is called.
    if (this.ctx.hub.isBusy(key)) return this.refuse(busy(streamId, this.facts.streamUrl));
    this.facts.streamId = this.ctx.hub.get(key)?.statId ?? randomStatId();
    const verdict = await this.gate('publish');
    if (this.isClosed) return;
    if (!verdict.allow) return this.refuse({ streamId, code: badName, description: verdict.reason, reason: 'rejected' });
    const acquired = this.ctx.hub.acquirePublish(key, this.publisherRef, streamOptions(vhost, this.facts.streamId));
    if (!acquired.ok) return this.refuse(busy(streamId, this.facts.streamUrl));
    this.publishing = { stream: acquired.stream, streamId, lastPacketMs: Date.now(), gotPacket: false, vhost };
    this.state = 'publishing';
    this.socket.write(this.connection.acceptPublish(streamId));
    this.emit('publish');
    this.log.info({ type: publishType, clientType: this.facts.clientType }, 'publish start');
    this.armPublishTimeout();
  }

  private async onPlay(streamId: number, streamName: string): Promise<void> {
    const failed = 'NetStream.Play.Failed';
    if (this.publishing !== undefined || this.playing !== undefined) {
      return this.refuse({ streamId, code: failed, description: 'already publishing or playing', reason: 'rejected' });
    }
    const identified = await this.identify(streamId, streamName, failed);
    if (this.isClosed) return;
    if (!isVhost(identified)) return this.refuse(identified);
    const vhost = identified;
    this.facts.clientType = 'rtmp-play';
    const denied = checkSecurity(vhost.security, 'play', this.facts.ip);
    if (denied !== undefined) return this.refuse({ streamId, code: failed, description: denied, reason: 'rejected' });
    const key = Hub.keyOf(vhost.name, this.facts.app, this.facts.stream);
    this.facts.streamId = this.ctx.hub.get(key)?.statId ?? randomStatId();
    const verdict = await this.gate('play');
    if (this.isClosed) return;
    if (!verdict.allow) return this.refuse({ streamId, code: failed, description: verdict.reason, reason: 'rejected' });
    // Deliberate difference from SRS: NetStream.Play.Start only after on_play passed.
    this.socket.write(this.connection.acceptPlay(streamId));
    const player = this.createPlayer(vhost, streamId);
    const stream = this.ctx.hub.addPlayer(key, player, streamOptions(vhost, this.facts.streamId));
    this.playing = { stream, player, streamId };
    this.state = 'playing';
    this.emit('play');
    this.log.info({ live: stream.isActive }, 'play start');
  }

  private createPlayer(vhost: VhostConfig, streamId: number): RtmpPlayer {
    const queueLengthMs = vhost.play.queueLengthSec * 1000;
    return new RtmpPlayer({
      socket: this.socket,
      streamId,
      chunkSize: this.connection.outChunkSize,
      queueLengthMs,
      maxQueuedPackets: this.ctx.playerLimits.maxQueuedPackets,
      maxWritableBytes: this.ctx.playerLimits.maxWritableBytes,
      stallTimeoutMs: queueLengthMs,
      onStalled: (detail) => this.close('timeout', detail),
      onPublisherLeft: () => {
        this.socket.write(this.connection.playStatus(streamId, 'NetStream.Play.UnpublishNotify', 'stream is now unpublished'));
      },
      onPublisherArrived: () => {
        this.socket.write(this.connection.playStatus(streamId, 'NetStream.Play.PublishNotify', 'stream is now published'));
      },
    });
  }

  private onMedia(kind: 'audio' | 'video' | 'data', timestamp: number, payload: Buffer): void {
    const publishing = this.publishing;
    if (publishing === undefined) return;
    publishing.lastPacketMs = Date.now();
    publishing.gotPacket = true;
    publishing.stream.publish(toMediaPacket(kind, timestamp, kind === 'data' ? stripSetDataFrame(payload) : payload));
  }

  /** Ends an accepted publish: releases the stream and emits unpublish. */
  private endPublish(): boolean {
    const publishing = this.publishing;
    if (publishing === undefined) return false;
    this.publishing = undefined;
    this.ctx.hub.releasePublish(publishing.stream, this.publisherRef);
    if (this.state !== 'closed') this.state = 'identifying';
    this.emit('unpublish');
    this.log.info({ frames: publishing.stream.counters.frames }, 'publish stop');
    return true;
  }

  /** Ends an accepted play: leaves the stream and emits stop. */
  private endPlay(): boolean {
    const playing = this.playing;
    if (playing === undefined) return false;
    this.playing = undefined;
    this.ctx.hub.removePlayer(playing.stream, playing.player);
    if (this.state !== 'closed') this.state = 'identifying';
    this.emit('stop');
    this.log.info({ sent: playing.player.sentPackets, dropped: playing.player.dropped }, 'play stop');
    return true;
  }

  private async gate(type: 'connect' | 'publish' | 'play'): Promise<GateVerdict> {
    const event = this.events.buildGate(type, this.bytes());
    // Nothing configured to ask (the usual on_connect): no controller, no dispatch.
    if (!this.ctx.hooks.wantsGate(event)) return ALLOW;
    // One gate at a time (the socket is paused while it waits); a controller per
    // session that never aborts would still cost a DOMException at close.
    const controller = new AbortController();
    this.gateAbort = controller;
    try {
      return await this.ctx.hooks.gate(event, controller.signal);
    } finally {
      if (this.gateAbort === controller) this.gateAbort = undefined;
    }
  }

  private emit(type: SessionEventType, reason?: CloseReason, detail?: string): void {
    const event: SessionEvent = this.events.build(type, this.bytes(), reason, detail);
    this.ctx.hooks.notify(event);
  }

  /** Tells the client why (an error status ffmpeg prints), then closes. */
  private refuse(refusal: Refusal): void {
    if (this.isClosed) return;
    this.log.warn({ code: refusal.code, description: refusal.description }, 'refused');
    const status = this.connection.rejectWithStatus(refusal.streamId, refusal.code, refusal.description);
    // Half-close so the status reaches the client before the socket goes.
    this.lingering = true;
    this.socket.end(status);
    const linger = setTimeout(() => this.socket.destroy(), this.ctx.timeouts.lingerMs);
    linger.unref();
    this.close(refusal.reason, refusal.description);
  }

  private fail(error: unknown): void {
    const detail = error instanceof Error ? error.message : String(error);
    const code = error instanceof SrsError ? error.code : 'ERR_INTERNAL';
    if (!(error instanceof SrsError)) this.log.error({ err: error }, 'session crashed');
    else this.log.warn({ code, detail }, 'session error');
    this.close('error', `${code}: ${detail}`);
  }

  private armPublishTimeout(): void {
    const publishing = this.publishing;
    if (publishing === undefined) return;
    const limitMs = publishing.gotPacket ? publishing.vhost.publish.normalTimeoutMs : publishing.vhost.publish.firstPacketTimeoutMs;
    const idleMs = Date.now() - publishing.lastPacketMs;
    if (idleMs >= limitMs) {
      this.close('timeout', publishing.gotPacket ? `no media for ${idleMs} ms` : `no first packet in ${idleMs} ms`);
      return;
    }
    this.clearTimer();
    // One timer per publisher, re-armed lazily: no timer work per media packet.
    this.stateTimer = setTimeout(() => this.armPublishTimeout(), limitMs - idleMs);
  }

  private arm(timeoutMs: number, what: string): void {
    this.clearTimer();
    this.stateTimer = setTimeout(() => this.close('timeout', `${what} timeout after ${timeoutMs} ms`), timeoutMs);
  }

  private clearTimer(): void {
    if (this.stateTimer !== undefined) clearTimeout(this.stateTimer);
    this.stateTimer = undefined;
  }
}

function isVhost(value: VhostConfig | Refusal): value is VhostConfig {
  return (value as Refusal).code === undefined;
}

function busy(streamId: number, streamUrl: string): Refusal {
  return { streamId, code: 'NetStream.Publish.BadName', description: `stream ${streamUrl} is busy`, reason: 'busy' };
}

function streamOptions(vhost: VhostConfig, statId: string): StreamOptions {
  return {
    gopCache: vhost.play.gopCache,
    gopCacheMaxFrames: vhost.play.gopCacheMaxFrames,
    batchWindowMs: vhost.minLatency ? 0 : vhost.play.mwLatencyMs,
    statId,
  };
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, as SRS reports IPv4 peers. */
function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/** AMF0 string `@setDataFrame` (type 2, length 13): SRS forwards metadata to players as plain onMetaData. */
const SET_DATA_FRAME = Buffer.from([0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame')]);

function stripSetDataFrame(payload: Buffer): Buffer {
  if (payload.length > SET_DATA_FRAME.length && payload.subarray(0, SET_DATA_FRAME.length).equals(SET_DATA_FRAME)) {
    return payload.subarray(SET_DATA_FRAME.length);
  }
  return payload;
}
