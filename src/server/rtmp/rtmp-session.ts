import type { Socket } from 'node:net';
import { SrsError } from '../../errors.js';
import { findVhost, type Config } from '../../config/schema.js';
import { RtmpServerConnection, type RtmpEvent, type RtmpLimits } from '../../rtmp/connection.js';
import type { HandshakeState } from '../../rtmp/handshake.js';
import { parseTcUrl, resolveStreamRequest } from '../../rtmp/url.js';
import type { ConnectInfo } from '../../rtmp/commands.js';
import { toMediaPacket } from '../../media/flv-tag.js';
import { Player, type PlayerLimits, type PlayerPolicy } from '../../core/player.js';
import type { Stream } from '../../core/stream.js';
import type { VhostConfig } from '../../config/schema.js';
import type { CloseReason } from '../../hooks/events.js';
import type { Client, Lease } from '../../session/client.js';
import type { Refusal } from '../../session/refusal.js';
import { nextPhase, type RtmpInput, type RtmpPhase } from './rtmp-session-state.js';
import { rtmpFormat } from './rtmp-format.js';

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

/** What an RTMP session needs from its server: the narrow port it depends on. */
export interface RtmpSessionContext {
  getConfig(): Config;
  readonly limits: Partial<RtmpLimits>;
  readonly timeouts: SessionTimeouts;
  readonly playerLimits: PlayerLimits;
  readonly pid: number;
  readonly handshakeState: HandshakeState;
}

/** The connection's state: the phase and what only that phase has. */
type RtmpState =
  | { readonly phase: 'handshake' | 'connecting' | 'identifying' | 'closed' }
  | { readonly phase: 'admitting'; readonly streamId: number }
  | { readonly phase: 'publishing'; readonly streamId: number; readonly lease: Lease; lastPacketMs: number; gotPacket: boolean }
  | { readonly phase: 'playing'; readonly streamId: number; readonly lease: Lease; readonly player: Player };

/** Bounds of the relay chain a connect may name (ids of at most 64 bytes, 16 hops). */
const MAX_RELAY_HOPS = 16;
const MAX_SERVER_ID_BYTES = 64;

/** `srs_ts_via` of connect's optional argument object: the server ids an edge pull passed, space separated. */
function relayViaOf(args: Record<string, unknown>): readonly string[] | undefined {
  const via = args['srs_ts_via'];
  if (typeof via !== 'string') return undefined;
  return via.split(' ').filter((id) => id !== '' && id.length <= MAX_SERVER_ID_BYTES).slice(0, MAX_RELAY_HOPS);
}

/** RTMP status codes a refusal maps to (srs-spec §6), by what was asked. */
const REJECTED = 'NetConnection.Connect.Rejected';
const FAILED_STATUS = { publish: 'NetStream.Publish.BadName', play: 'NetStream.Play.Failed' } as const;

/**
 * The RTMP adapter of the client lifecycle: binds one socket to one sans-I/O
 * RtmpServerConnection and maps its events to the protocol-neutral Client
 * (src/session/), and the Client's answers and refusals to RTMP replies.
 * Publish/play wait for admission with the socket paused.
 */
export class RtmpSession {
  private state: RtmpState = { phase: 'handshake' };
  private readonly connection: RtmpServerConnection;
  /** The relay chain this connection named at connect (an edge pull); undefined for a plain client. */
  private relayVia: readonly string[] | undefined;
  private recvBytes = 0;
  private pending: RtmpEvent[] = [];
  /** A refusal half-closed the socket: let the status drain instead of destroying it. */
  private lingering = false;
  private stateTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: RtmpSessionContext,
    private readonly client: Client,
  ) {
    this.connection = new RtmpServerConnection({ limits: ctx.limits, clientId: client.id, handshakeState: ctx.handshakeState });
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
    this.client.log.info({ port: this.client.facts.port }, 'session start');
  }

  get phase(): RtmpPhase {
    return this.state.phase;
  }

  /** Bytes counters as SRS reports them (whole RTMP socket). */
  bytes(): { sendBytes: number; recvBytes: number } {
    return { sendBytes: this.socket.bytesWritten, recvBytes: this.recvBytes };
  }

  /** Ends the session through the client's lifecycle: unpublish/stop/close follow exactly once. */
  close(reason: CloseReason, detail: string): void {
    this.client.close(reason, detail);
  }

  /** The lifecycle ended: tear the socket down (the client's `closeWire`). */
  closeWire(reason: CloseReason, detail: string): void {
    if (this.state.phase === 'closed') return;
    this.state = { phase: 'closed' };
    this.clearTimer();
    this.socket.off('data', this.onData);
    if (!this.lingering && !this.socket.destroyed) this.socket.destroy();
    this.client.log.info({ reason, detail, ...this.bytes(), durationMs: Date.now() - this.client.startedAtMs }, 'session end');
  }

  private to(input: RtmpInput, state: RtmpState): void {
    const next = nextPhase(this.state.phase, input);
    if (next !== state.phase) throw new Error(`rtmp session: ${input} in ${this.state.phase} cannot lead to ${state.phase}`);
    this.state = state;
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
    if (this.state.phase === 'admitting') {
      for (const event of events) this.pending.push(event);
      return;
    }
    this.run(events, 0);
  }

  /** Handles events in order; an admission pauses the socket until it is decided. */
  private run(events: RtmpEvent[], from: number): void {
    for (let i = from; i < events.length; i++) {
      if (this.state.phase === 'closed') return;
      let wait: Promise<void> | undefined;
      try {
        wait = this.handle(events[i] as RtmpEvent);
      } catch (error) {
        this.fail(error);
        return;
      }
      if (wait === undefined) continue;
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
    if (this.state.phase === 'closed') return;
    const queued = rest.length === 0 ? this.pending : rest.concat(this.pending);
    this.pending = [];
    this.socket.resume();
    if (queued.length > 0) this.run(queued, 0);
  }

  private handle(event: RtmpEvent): Promise<void> | undefined {
    const { state } = this;
    switch (event.type) {
      case 'media':
        if (state.phase === 'publishing') this.onMedia(state, event.kind, event.timestamp, event.payload);
        return undefined;
      case 'handshake-done':
        this.to('handshake-done', { phase: 'connecting' });
        this.client.accept();
        return undefined;
      case 'connect':
        this.relayVia = relayViaOf(event.info.args);
        this.onConnect(event.info);
        return undefined;
      case 'publish':
        this.clearTimer();
        if (state.phase === 'publishing' || state.phase === 'playing') return this.refuseActive(event.streamId, 'publish');
        return this.onPublish(event.streamId, event.streamName, event.publishType, event.fmle);
      case 'play':
        this.clearTimer();
        if (state.phase === 'publishing' || state.phase === 'playing') return this.refuseActive(event.streamId, 'play');
        return this.onPlay(event.streamId, event.streamName, event.duration);
      case 'unpublish':
        if (state.phase === 'publishing') this.endLease(state.lease, 'republish');
        return undefined;
      case 'stop-play':
        if (state.phase === 'playing') this.endLease(state.lease, 'replay');
        return undefined;
      case 'pause':
        if (state.phase === 'playing') {
          state.player.paused = event.paused;
          this.client.log.debug({ paused: event.paused }, 'pause');
        }
        return undefined;
      case 'receive':
        if (state.phase === 'playing') {
          if (event.audio !== undefined) state.player.receiveAudio = event.audio;
          if (event.video !== undefined) state.player.receiveVideo = event.video;
        }
        return undefined;
    }
  }

  private onConnect(info: ConnectInfo): void {
    const { tcUrl, pageUrl, flashVer } = info;
    const request = parseTcUrl(tcUrl);
    this.client.setConnectInfo(
      { tcUrl, pageUrl, flashVer, vhost: request.vhost, app: request.app, param: request.param },
      { commandObject: info.commandObject, args: info.hasArgs ? info.args : undefined },
    );
    const config = this.ctx.getConfig();
    const vhost = findVhost(config, request.vhost);
    // srs-spec §1.6: the connect _result leaves before on_connect, which fires after identify.
    this.socket.write(
      this.connection.acceptConnect({
        windowAckSize: vhost?.outAckSize ?? 2_500_000,
        peerBandwidth: 2_500_000,
        chunkSize: vhost?.chunkSize ?? config.chunkSize,
        inAckSize: vhost?.inAckSize ?? 0,
        serverIp: this.client.facts.serverIp,
        pid: this.ctx.pid,
        clientId: this.client.id,
      }),
    );
    this.to('connect', { phase: 'identifying' });
    this.arm(this.ctx.timeouts.identifyMs, 'identify');
  }

  private async onPublish(streamId: number, streamName: string, publishType: string, fmle: boolean): Promise<void> {
    this.to('admit', { phase: 'admitting', streamId });
    const admission = await this.client.admit(
      {
        kind: 'publish',
        clientType: fmle ? 'fmle-publish' : 'flash-publish',
        publishType,
        started: (lease) => {
          this.to('published', { phase: 'publishing', streamId, lease, lastPacketMs: Date.now(), gotPacket: false });
          this.socket.write(this.connection.acceptPublish(streamId));
        },
      },
      this.requestOf(streamName),
    );
    if (!admission.ok) return this.refuse(streamId, 'publish', admission.refusal);
    this.armPublishTimeout();
  }

  private async onPlay(streamId: number, streamName: string, durationMs: number): Promise<void> {
    this.to('admit', { phase: 'admitting', streamId });
    const admission = await this.client.admit(
      {
        kind: 'play',
        clientType: 'rtmp-play',
        createPlayer: (stream, vhost) => {
          // Deliberate difference from SRS: NetStream.Play.Start only after on_play passed.
          this.socket.write(this.connection.acceptPlay(streamId));
          return this.createPlayer(stream, vhost, streamId, durationMs);
        },
      },
      this.requestOf(streamName),
    );
    if (!admission.ok) return this.refuse(streamId, 'play', admission.refusal);
    const player = admission.lease.attachedPlayer as Player;
    this.to('played', { phase: 'playing', streamId, lease: admission.lease, player });
  }

  /** vhost/app/stream/param from the connect tcUrl and the stream name (srs-spec §1.7, §4). */
  private requestOf(streamName: string): { vhost: string; app: string; stream: string; param: string; relayVia?: readonly string[] } {
    const { vhost, app, stream, param } = resolveStreamRequest(this.client.facts.tcUrl, streamName);
    return this.relayVia === undefined ? { vhost, app, stream, param } : { vhost, app, stream, param, relayVia: this.relayVia };
  }

  private createPlayer(stream: Stream, vhost: VhostConfig, streamId: number, durationMs: number): Player {
    const queueLengthMs = vhost.play.queueLengthSec * 1000;
    const policy: PlayerPolicy = {
      queueLengthMs,
      maxQueuedPackets: this.ctx.playerLimits.maxQueuedPackets,
      maxWritableBytes: this.ctx.playerLimits.maxWritableBytes,
      stallTimeoutMs: queueLengthMs,
    };
    return new Player({
      ...policy,
      sink: this.socket,
      channel: stream.wires.acquire(rtmpFormat(this.connection.outChunkSize, streamId)),
      // SRS SrsRtmpConn::do_playing: a play `duration` (ms, as librtmp sends it) ends the play once that much media went out.
      ...(durationMs > 0 ? { maxMediaMs: durationMs, onMaxMedia: () => this.close('duration', `play duration ${durationMs} ms reached`) } : {}),
      onStalled: (detail) => this.close('timeout', detail),
      onPublisherLeft: () => {
        this.socket.write(this.connection.playStatus(streamId, 'NetStream.Play.UnpublishNotify', 'stream is now unpublished'));
      },
      onPublisherArrived: () => {
        this.socket.write(this.connection.playStatus(streamId, 'NetStream.Play.PublishNotify', 'stream is now published'));
      },
    });
  }

  private onMedia(state: Extract<RtmpState, { phase: 'publishing' }>, kind: 'audio' | 'video' | 'data', timestamp: number, payload: Buffer): void {
    state.lastPacketMs = Date.now();
    state.gotPacket = true;
    state.lease.publish(toMediaPacket(kind, timestamp, kind === 'data' ? stripSetDataFrame(payload) : payload));
  }

  /** unpublish / closeStream: the lease ends, the connection may publish or play again within the republish wait. */
  private endLease(lease: Lease, what: string): void {
    if (!lease.end()) return;
    this.to('ended', { phase: 'identifying' });
    this.arm(this.ctx.timeouts.republishMs, what);
  }

  private refuseActive(streamId: number, kind: 'publish' | 'play'): undefined {
    this.refuse(streamId, kind, { code: 'active', description: 'already publishing or playing', reason: 'rejected' });
    return undefined;
  }

  /** Tells the client why (an error status ffmpeg prints), then closes. */
  private refuse(streamId: number, kind: 'publish' | 'play', refusal: Refusal): void {
    if (refusal.code === 'closed' || this.state.phase === 'closed') return;
    const connectStage = refusal.code === 'vhost_not_found' || refusal.code === 'vhost_disabled' || refusal.code === 'connect_denied' || refusal.code === 'redirect';
    const code = connectStage ? REJECTED : FAILED_STATUS[kind];
    this.client.log.warn({ code, description: refusal.description, ...(refusal.redirect === undefined ? {} : { redirect: refusal.redirect }) }, 'refused');
    // A redirect is SRS's RTMP 302; the client may answer with a call, which SRS reads and ignores: the linger below covers it.
    const status = refusal.redirect !== undefined ? this.connection.redirect(refusal.redirect) : this.connection.rejectWithStatus(streamId, code, refusal.description);
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
    if (!(error instanceof SrsError)) this.client.log.error({ err: error }, 'session crashed');
    else this.client.log.warn({ code, detail }, 'session error');
    this.close('error', `${code}: ${detail}`);
  }

  private armPublishTimeout(): void {
    const state = this.state;
    if (state.phase !== 'publishing') return;
    const { vhost } = state.lease;
    const limitMs = state.gotPacket ? vhost.publish.normalTimeoutMs : vhost.publish.firstPacketTimeoutMs;
    const idleMs = Date.now() - state.lastPacketMs;
    if (idleMs >= limitMs) {
      this.close('timeout', state.gotPacket ? `no media for ${idleMs} ms` : `no first packet in ${idleMs} ms`);
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

/** AMF0 string `@setDataFrame` (type 2, length 13): SRS forwards metadata to players as plain onMetaData. */
const SET_DATA_FRAME = Buffer.from([0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame')]);

function stripSetDataFrame(payload: Buffer): Buffer {
  if (payload.length > SET_DATA_FRAME.length && payload.subarray(0, SET_DATA_FRAME.length).equals(SET_DATA_FRAME)) {
    return payload.subarray(SET_DATA_FRAME.length);
  }
  return payload;
}
