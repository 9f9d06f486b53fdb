import { ProtocolError } from '../errors.js';
import type { AmfLimits } from './amf-value.js';
import { RtmpChannel, type ChannelHandler, type MediaKind } from './channel.js';
import { ChunkWriter, MEDIA_CSID } from './chunk-writer.js';
import {
  connectResult,
  decodeCommand,
  decodeConnect,
  onBWDone,
  onStatus,
  redirectStatus,
  playStartMessages,
  publishStartStatus,
  statusInfo,
  type ConnectInfo,
  type OutgoingMessage,
} from './commands.js';
import { ChunkStreamId, PeerBandwidthLimit, RtmpSize, UserControlType } from './constants.js';
import { HandshakeAcceptor } from './handshake-acceptor.js';
import type { HandshakeState, RandomSource } from './handshake.js';
import { setChunkSizeMessage, setPeerBandwidthMessage, userControlMessage, windowAckSizeMessage } from './messages.js';
import { StreamCommandHandler, type RtmpEvent } from './stream-commands.js';

/** Re-exported so the session imports the whole connection API from one module. */
export type { ConnectInfo } from './commands.js';
export type { PublishType, RtmpEvent } from './stream-commands.js';

/** Every bound one RTMP connection enforces (issue RTMP item 6). Crossing one is a ProtocolError. */
export interface RtmpLimits {
  /** Largest message a chunk header may announce (a 16 MB message closes the session). */
  maxMessageBytes: number;
  /** Distinct chunk stream ids per connection. */
  maxChunkStreams: number;
  /** Deepest AMF nesting (a 10,000-deep object is an error, never a stack overflow). */
  maxAmfDepth: number;
  /** Longest AMF string, property name or byte array. */
  maxAmfStringBytes: number;
  /** SRS: a peer Set Chunk Size must be in [128, 65536]. */
  minChunkSize: number;
  maxChunkSize: number;
}

/** Defaults for {@link RtmpLimits}. */
export const DEFAULT_RTMP_LIMITS: RtmpLimits = Object.freeze({
  maxMessageBytes: 8 * 1024 * 1024,
  maxChunkStreams: 64,
  maxAmfDepth: 32,
  maxAmfStringBytes: 1024 * 1024,
  minChunkSize: RtmpSize.minChunkSize,
  maxChunkSize: RtmpSize.maxChunkSize,
});

/** What the connect replies announce (srs-spec §1.6). */
export interface ConnectReplyOptions {
  /** vhost `out_ack_size`; 0 = no Window Acknowledgement Size is sent. */
  windowAckSize: number;
  peerBandwidth: number;
  /** Our outgoing chunk size (vhost/global `chunk_size`). */
  chunkSize: number;
  serverIp: string;
  pid: number;
  clientId: string;
  /** vhost `in_ack_size`: acknowledge every this many received bytes unless the peer set its own window; 0 = keep. */
  inAckSize?: number;
}

/** Construction options of {@link RtmpServerConnection}. */
export interface RtmpServerConnectionOptions {
  limits?: Partial<RtmpLimits>;
  clientId: string;
  /** Acknowledge every this many received bytes before the peer sets its own window (SRS `in_ack_size`); 0 = off. */
  inAckSize?: number;
  /**
   * What the server shares across its handshakes (randomness pool, digest
   * schema hint): one per RTMP server. Without it each connection draws fresh
   * CSPRNG bytes and keeps its own hint: the same bytes on the wire, slower.
   */
  handshakeState?: HandshakeState;
  /** Handshake randomness, over `handshakeState`'s pool; tests pass a fixed source for golden vectors. */
  randomBytes?: RandomSource;
  /**
   * Check C2's signature against our S1 (`handshakeInfo.isC2Verified`): proof
   * that a digest client verified S1/S2, for interop tests and diagnostics.
   * Two HMACs a session that serve no client, so off by default (SRS never
   * checks C2 either).
   */
  verifyC2?: boolean;
}

type Phase = 'handshake' | 'connect' | 'connected';

/**
 * The sans-I/O server side of one RTMP connection: bytes in, events and
 * bytes out. Replies SRS sends on its own (handshake, acks, pings, the
 * answers to releaseStream/FCPublish/createStream/FCUnpublish/unknown calls,
 * pause) come out of `takeOutput`; replies that wait for the server's
 * decision come from the accept and reject methods. Write every Buffer in
 * the order it is produced: the chunk header compression depends on it.
 */
export class RtmpServerConnection implements ChannelHandler {
  readonly limits: RtmpLimits;
  readonly clientId: string;
  private phase: Phase = 'handshake';
  /** Dropped once C2 is in: a session keeps only the two facts below, not the 3 KiB of hello buffers. */
  private handshake: HandshakeAcceptor | undefined;
  private handshakeFacts = { isComplex: false, isC2Verified: false };
  private readonly channel: RtmpChannel;
  /** Media csids are written by the players with shared bytes, so this writer never compresses on them. */
  private readonly writer = new ChunkWriter(RtmpSize.defaultChunkSize, [MEDIA_CSID.audio, MEDIA_CSID.video, MEDIA_CSID.data]);
  private readonly streams: StreamCommandHandler;
  private readonly amfLimits: AmfLimits;
  private output: Buffer[] = [];
  /** Messages generated after `connect` and before acceptConnect: they must follow the connect replies. */
  private held: OutgoingMessage[] | undefined;
  private events: RtmpEvent[] = [];
  private objectEncoding = 0;

  constructor(options: RtmpServerConnectionOptions) {
    this.limits = { ...DEFAULT_RTMP_LIMITS, ...options.limits };
    this.clientId = options.clientId;
    this.amfLimits = { maxDepth: this.limits.maxAmfDepth, maxStringBytes: this.limits.maxAmfStringBytes };
    this.channel = new RtmpChannel(this.limits, this, options.inAckSize ?? 0);
    const shared = options.handshakeState;
    this.handshake = new HandshakeAcceptor(options.randomBytes ?? shared?.random.source, options.verifyC2 ?? false, shared?.digestHint);
    this.streams = new StreamCommandHandler(
      (message) => this.send(message),
      (event) => this.events.push(event),
    );
  }

  /** True once C2 has arrived. */
  get handshakeDone(): boolean {
    return this.phase !== 'handshake';
  }

  /** How the handshake went: digest (complex) or simple, and whether the client signed C2 against our S1. */
  get handshakeInfo(): { isComplex: boolean; isC2Verified: boolean } {
    return this.handshake === undefined ? this.handshakeFacts : { isComplex: this.handshake.isComplex, isC2Verified: this.handshake.isC2Verified };
  }

  /** Our current outgoing chunk size. */
  get outChunkSize(): number {
    return this.writer.chunkSize;
  }

  /** Feeds received bytes; returns the events in order. Throws ProtocolError (typed code) on bad input. */
  feed(bytes: Buffer): RtmpEvent[] {
    this.channel.countReceived(bytes.length);
    let rest = bytes;
    if (this.handshake !== undefined) {
      const step = this.handshake.feed(bytes);
      if (step.reply !== undefined) this.output.push(step.reply);
      if (!step.isDone) return this.takeEvents();
      this.handshakeFacts = { isComplex: this.handshake.isComplex, isC2Verified: this.handshake.isC2Verified };
      this.handshake = undefined;
      this.phase = 'connect';
      this.events.push({ type: 'handshake-done' });
      rest = step.rest;
    }
    this.channel.feedChunks(rest);
    return this.takeEvents();
  }

  /** Bytes generated while feeding, as one Buffer, or undefined when there are none. */
  takeOutput(): Buffer | undefined {
    if (this.output.length === 0) return undefined;
    const out = this.output.length === 1 ? (this.output[0] as Buffer) : Buffer.concat(this.output);
    this.output = [];
    return out;
  }

  /**
   * WindowAckSize, SetPeerBandwidth(dynamic), SetChunkSize, connect `_result`,
   * onBWDone in SRS's order (srs-spec §1.6), then anything that was waiting
   * for them. Sets outChunkSize.
   */
  acceptConnect(options: ConnectReplyOptions): Buffer {
    const { chunkSize } = options;
    if (!(chunkSize >= RtmpSize.minChunkSize && chunkSize <= RtmpSize.maxChunkSize)) {
      throw new ProtocolError('ERR_RTMP_CHUNK_SIZE', `outgoing chunk size ${chunkSize} outside [128, 65536]`);
    }
    const parts: Buffer[] = [];
    const control = ChunkStreamId.ProtocolControl;
    if (options.windowAckSize > 0) parts.push(this.writer.encode(windowAckSizeMessage(options.windowAckSize), control));
    parts.push(this.writer.encode(setPeerBandwidthMessage(options.peerBandwidth, PeerBandwidthLimit.Dynamic), control));
    parts.push(this.writer.encode(setChunkSizeMessage(chunkSize), control));
    this.writer.setChunkSize(chunkSize);
    // A window the peer asked for (WindowAckSize before connect) wins over the vhost's.
    if (options.inAckSize !== undefined) this.channel.setDefaultAckWindow(options.inAckSize);
    parts.push(this.encode(connectResult({ ...options, objectEncoding: this.objectEncoding })));
    parts.push(this.encode(onBWDone()));
    const held = this.held ?? [];
    this.held = undefined;
    for (const message of held) parts.push(this.encode(message));
    return Buffer.concat(parts);
  }

  /** onStatus(level status, NetStream.Publish.Start, "Started publishing stream.", clientid). */
  acceptPublish(streamId: number): Buffer {
    return this.encode(publishStartStatus(streamId));
  }

  /** StreamBegin(streamId), onStatus Play.Reset, onStatus Play.Start, |RtmpSampleAccess(true,true) (SRS start_play). */
  acceptPlay(streamId: number): Buffer {
    return Buffer.concat(playStartMessages(streamId).map((message) => this.encode(message)));
  }

  /** onStatus with level "error"; ffmpeg prints "Server error: <description>" and gives up. */
  rejectWithStatus(streamId: number, code: string, description: string): Buffer {
    return this.encode(onStatus(streamId, { level: 'error', code, description }));
  }

  /** SRS's RTMP 302 redirect to `url` (see redirectStatus). */
  redirect(url: string): Buffer {
    return this.encode(redirectStatus(url));
  }

  /** onStatus (level status) to a waiting player, e.g. NetStream.Play.UnpublishNotify / PublishNotify. */
  playStatus(streamId: number, code: string, description: string): Buffer {
    return this.encode(onStatus(streamId, statusInfo(code, description)));
  }

  /** StreamEOF user control for `streamId`. */
  streamEof(streamId: number): Buffer {
    return this.writer.encode(userControlMessage(UserControlType.StreamEof, streamId), ChunkStreamId.ProtocolControl);
  }

  /** @internal ChannelHandler: SRS ignores media until connect has been accepted. */
  media(kind: MediaKind, timestamp: number, streamId: number, payload: Buffer): void {
    if (this.phase === 'connected') this.events.push({ type: 'media', kind, timestamp, streamId, payload });
  }

  /** @internal ChannelHandler. */
  command(typeId: number, streamId: number, payload: Buffer): void {
    this.onCommand(typeId, streamId, payload);
  }

  private onCommand(typeId: number, streamId: number, payload: Buffer): void {
    const command = decodeCommand(typeId, payload, this.amfLimits);
    if (this.phase !== 'connected') {
      // SRS `expect_message<SrsConnectAppPacket>`: anything before connect is dropped.
      if (command.name !== 'connect') return;
      const info: ConnectInfo = decodeConnect(command);
      this.objectEncoding = info.objectEncoding;
      this.phase = 'connected';
      this.held = [];
      this.events.push({ type: 'connect', info });
      return;
    }
    this.streams.handle(command, streamId);
  }

  /** @internal ChannelHandler; also the stream commands' replies. Held while connect awaits its answer. */
  send(message: OutgoingMessage): void {
    if (this.held !== undefined) this.held.push(message);
    else this.output.push(this.encode(message));
  }

  private encode(message: OutgoingMessage): Buffer {
    return this.writer.encode(message, message.csid);
  }

  private takeEvents(): RtmpEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }
}
