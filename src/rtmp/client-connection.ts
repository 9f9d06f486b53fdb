import { ProtocolError } from '../errors.js';
import { amfProperties, newAmfObject, type AmfLimits, type AmfValue } from './amf-value.js';
import { encodeAmf0 } from './amf0.js';
import { RtmpChannel, type ChannelHandler, type MediaKind } from './channel.js';
import { ChunkWriter, MEDIA_CSID } from './chunk-writer.js';
import { decodeCommand, type OutgoingMessage, type RtmpCommand } from './commands.js';
import { DEFAULT_RTMP_LIMITS, type PublishType, type RtmpLimits } from './connection.js';
import { ChunkStreamId, MessageType } from './constants.js';
import { HELLO_BYTES, answerServerHello, createClientHello, type ClientHello, type HandshakeState } from './handshake.js';
import { PACKET_BYTES } from './handshake-digest.js';
import { setBufferLengthMessage, setChunkSizeMessage } from './messages.js';

/** What `connect` says about the client (RTMP 7.2.1.1). */
export interface ClientConnectOptions {
  readonly app: string;
  readonly tcUrl: string;
  readonly pageUrl?: string;
  readonly flashVer?: string;
  /** The optional argument object after the command object (an edge sends its relay chain in it). */
  readonly connectArgs?: Readonly<Record<string, string>>;
  /** Digest handshake as ffmpeg sends it (default true); false = simple handshake. */
  readonly complexHandshake?: boolean;
  /** Our outgoing chunk size, announced with Set Chunk Size right after the handshake (default 4096). */
  readonly chunkSize?: number;
  /** Randomness pool and digest hint shared by many clients (a load generator). */
  readonly handshakeState?: HandshakeState;
  readonly limits?: Partial<RtmpLimits>;
}

/** A status the server sent with onStatus. */
export interface StatusInfo {
  level: string;
  code: string;
  description: string;
}

/** What the client connection reports besides media, to its sink in wire order. */
export type RtmpClientEvent =
  /** `_result` or `_error` of one of our calls (connect is transaction 1). */
  | { readonly type: 'result'; readonly transactionId: number; readonly ok: boolean; readonly command: RtmpCommand }
  | { readonly type: 'status'; readonly streamId: number; readonly status: StatusInfo };

/**
 * Where the connection reports, during `feed`, as each message completes
 * (so results, statuses and media keep their wire order). `media` is a
 * player's hot path: no event object per message; `payload` is a view of
 * the received bytes the callee owns.
 */
export interface ClientConnectionSink {
  event(event: RtmpClientEvent): void;
  media(kind: MediaKind, timestamp: number, payload: Buffer): void;
}

/** connect's transaction id, as every client sends it. */
export const CONNECT_TRANSACTION_ID = 1;

const DEFAULT_CHUNK_SIZE = 4096;
/** SetBufferLength a player announces after play (ffmpeg: 3 s). */
const PLAY_BUFFER_MS = 3000;
const S0S1S2_BYTES = HELLO_BYTES + PACKET_BYTES;
const MEDIA_TYPE_ID = { audio: MessageType.Audio, video: MessageType.Video, data: MessageType.Amf0Data } as const;

/**
 * The sans-I/O client side of one RTMP connection, the mirror of
 * {@link RtmpServerConnection} over the same {@link RtmpChannel}: `start()`
 * gives C0C1; fed S0S1S2 it answers C2, Set Chunk Size and `connect` in one
 * write (as ffmpeg); the call methods return their transaction ids and queue
 * the command bytes. Everything to write comes out of `takeOutput`, in order.
 */
export class RtmpClientConnection implements ChannelHandler {
  private phase: 'idle' | 'handshake' | 'messages' = 'idle';
  private handshake: { hello: ClientHello; bytes: Buffer; length: number } | undefined;
  private readonly channel: RtmpChannel;
  private readonly writer = new ChunkWriter();
  private readonly amfLimits: AmfLimits;
  private output: Buffer[] = [];
  private nextTransactionId = CONNECT_TRANSACTION_ID + 1;

  constructor(
    private readonly options: ClientConnectOptions,
    private readonly sink: ClientConnectionSink,
  ) {
    const limits = { ...DEFAULT_RTMP_LIMITS, ...options.limits };
    this.amfLimits = { maxDepth: limits.maxAmfDepth, maxStringBytes: limits.maxAmfStringBytes };
    this.channel = new RtmpChannel(limits, this);
  }

  /** Bytes received so far, handshake included. */
  get bytesReceived(): number {
    return this.channel.bytesReceived;
  }

  /** C0C1: the first bytes to write. */
  start(): Buffer {
    if (this.phase !== 'idle') throw new ProtocolError('ERR_RTMP_CLIENT_STATE', 'start() called twice');
    const hello = createClientHello(this.options.complexHandshake ?? true, this.options.handshakeState?.random.source);
    this.handshake = { hello, bytes: Buffer.allocUnsafe(S0S1S2_BYTES), length: 0 };
    this.phase = 'handshake';
    return hello.c0c1;
  }

  /** Feeds received bytes; what they carry goes to the sink as it completes. Throws ProtocolError on bad input. */
  feed(bytes: Buffer): void {
    if (this.phase === 'idle') throw new ProtocolError('ERR_RTMP_CLIENT_STATE', 'bytes received before start()');
    this.channel.countReceived(bytes.length);
    let rest = bytes;
    const handshake = this.handshake;
    if (handshake !== undefined) {
      const count = Math.min(S0S1S2_BYTES - handshake.length, bytes.length);
      bytes.copy(handshake.bytes, handshake.length, 0, count);
      handshake.length += count;
      if (handshake.length < S0S1S2_BYTES) return;
      // The 3 KiB of hello buffers are not kept past the handshake.
      this.handshake = undefined;
      this.phase = 'messages';
      this.finishHandshake(handshake.bytes, handshake.hello);
      rest = bytes.subarray(count);
    }
    this.channel.feedChunks(rest);
  }

  /** Bytes to write, as one Buffer, or undefined when there are none. */
  takeOutput(): Buffer | undefined {
    if (this.output.length === 0) return undefined;
    const out = this.output.length === 1 ? (this.output[0] as Buffer) : Buffer.concat(this.output);
    this.output = [];
    return out;
  }

  /** releaseStream and FCPublish, as an encoder sends them before createStream. */
  preparePublish(streamName: string): void {
    this.call(ChunkStreamId.OverConnection, 0, 'releaseStream', null, streamName);
    this.call(ChunkStreamId.OverConnection, 0, 'FCPublish', null, streamName);
  }

  /** createStream; its `_result` carries the stream id. */
  createStream(): number {
    return this.call(ChunkStreamId.OverConnection, 0, 'createStream', null);
  }

  publish(streamId: number, streamName: string, type: PublishType = 'live'): number {
    return this.call(ChunkStreamId.OverStream, streamId, 'publish', null, streamName, type);
  }

  /**
   * play from live (-2), then SetBufferLength as ffmpeg. `durationMs` asks
   * the server to stop after that much media, in milliseconds as librtmp
   * does (`rtmpdump -B`).
   */
  play(streamId: number, streamName: string, durationMs?: number): number {
    const args: AmfValue[] = [null, streamName, -2];
    if (durationMs !== undefined) args.push(durationMs);
    const transactionId = this.call(ChunkStreamId.OverStream, streamId, 'play', ...args);
    this.send({ ...setBufferLengthMessage(streamId, PLAY_BUFFER_MS), csid: ChunkStreamId.ProtocolControl });
    return transactionId;
  }

  /** One media message on a published stream, encoded now for the caller to write (a publisher's hot path). */
  encodeMedia(kind: MediaKind, timestamp: number, streamId: number, payload: Buffer): Buffer {
    return this.writer.encode({ typeId: MEDIA_TYPE_ID[kind], timestamp, streamId, payload }, MEDIA_CSID[kind]);
  }

  /** @internal ChannelHandler: media from the server. */
  media(kind: MediaKind, timestamp: number, _streamId: number, payload: Buffer): void {
    this.sink.media(kind, timestamp, payload);
  }

  /** @internal ChannelHandler. */
  command(typeId: number, streamId: number, payload: Buffer): void {
    const command = decodeCommand(typeId, payload, this.amfLimits);
    if (command.name === '_result' || command.name === '_error') {
      this.sink.event({ type: 'result', transactionId: command.transactionId, ok: command.name === '_result', command });
      return;
    }
    // Other calls from the server (onBWDone, |RtmpSampleAccess, onFCPublish...) need no answer.
    if (command.name !== 'onStatus') return;
    const info = amfProperties(command.args[0] ?? null) ?? newAmfObject();
    this.sink.event({ type: 'status', streamId, status: { level: textOf(info['level']), code: textOf(info['code']), description: textOf(info['description']) } });
  }

  /** @internal ChannelHandler: control replies, and our own commands. */
  send(message: OutgoingMessage): void {
    this.output.push(this.writer.encode(message, message.csid));
  }

  private finishHandshake(s0s1s2: Buffer, hello: ClientHello): void {
    const shared = this.options.handshakeState;
    const { c2 } = answerServerHello(s0s1s2, hello, shared?.random.source, shared?.digestHint);
    this.output.push(c2);
    const chunkSize = this.options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.send({ ...setChunkSizeMessage(chunkSize), csid: ChunkStreamId.ProtocolControl });
    this.writer.setChunkSize(chunkSize);
    const commandObject = Object.assign(newAmfObject(), {
      app: this.options.app,
      flashVer: this.options.flashVer ?? 'FMLE/3.0 (compatible; srs-ts)',
      tcUrl: this.options.tcUrl,
      fpad: false,
      capabilities: 15,
      audioCodecs: 4071,
      videoCodecs: 252,
      videoFunction: 1,
      pageUrl: this.options.pageUrl ?? '',
      objectEncoding: 0,
    });
    const extra = this.options.connectArgs === undefined ? [] : [Object.assign(newAmfObject(), this.options.connectArgs)];
    this.invoke(ChunkStreamId.OverConnection, 0, 'connect', CONNECT_TRANSACTION_ID, commandObject, ...extra);
  }

  private call(csid: number, streamId: number, name: string, ...args: AmfValue[]): number {
    const transactionId = this.nextTransactionId++;
    this.invoke(csid, streamId, name, transactionId, ...args);
    return transactionId;
  }

  private invoke(csid: number, streamId: number, ...values: AmfValue[]): void {
    this.send({ typeId: MessageType.Amf0Command, timestamp: 0, streamId, payload: encodeAmf0(...values), csid });
  }

}

function textOf(value: AmfValue | undefined): string {
  return typeof value === 'string' ? value : '';
}
