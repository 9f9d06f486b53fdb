import { connect as netConnect, type Socket } from 'node:net';
import { SrsError } from '../errors.js';
import { splitAggregate } from '../rtmp/aggregate.js';
import { amfProperties, newAmfObject, type AmfValue } from '../rtmp/amf-value.js';
import { encodeAmf0 } from '../rtmp/amf0.js';
import { ChunkReader, type MessageSink } from '../rtmp/chunk-reader.js';
import { ChunkWriter, MEDIA_CSID } from '../rtmp/chunk-writer.js';
import { decodeCommand, type RtmpCommand } from '../rtmp/commands.js';
import { ChunkStreamId, MessageType, StatusCode, UserControlType } from '../rtmp/constants.js';
import { DEFAULT_RTMP_LIMITS, type PublishType } from '../rtmp/connection.js';
import { HELLO_BYTES, answerServerHello, createClientHello, type ClientHello, type HandshakeState } from '../rtmp/handshake.js';
import { PACKET_BYTES } from '../rtmp/handshake-digest.js';
import {
  acknowledgementMessage,
  decodeControlMessage,
  isControlMessage,
  setBufferLengthMessage,
  setChunkSizeMessage,
  userControlMessage,
} from '../rtmp/messages.js';
import { RtmpClientError } from './rtmp-client-error.js';
import { parseRtmpUrl, type RtmpUrl } from './rtmp-url.js';

/** Re-exported: what publish()/play()/connect() reject with. */
export { RtmpClientError } from './rtmp-client-error.js';

/** Options of {@link RtmpClient.connect}. */
export interface RtmpClientOptions {
  /** Bound on connect, and separately on each publish()/play() (default 10000). */
  timeoutMs?: number;
  /** connect's tcUrl; default `rtmp://host:port/app` like ffmpeg. */
  tcUrl?: string;
  pageUrl?: string;
  /** connect's optional argument object after the command object (an edge sends its relay chain in it). */
  connectArgs?: Record<string, string>;
  /** Digest handshake as ffmpeg sends it (default true); false = simple handshake. */
  complexHandshake?: boolean;
  /** Our outgoing chunk size, announced with Set Chunk Size (default 4096). */
  chunkSize?: number;
  /**
   * Handshake randomness pool and digest hint shared by many clients (a load
   * generator); default fresh CSPRNG bytes for this client's one handshake.
   */
  handshakeState?: HandshakeState;
}

/** A status the server sent with onStatus. */
export interface StatusInfo {
  level: string;
  code: string;
  description: string;
}

type MediaKind = 'audio' | 'video' | 'data';
type Pending = { resolve: (command: RtmpCommand) => void; reject: (error: Error) => void };
type StatusWait = { code: string; resolve: () => void; reject: (error: Error) => void };

const MEDIA_TYPE_ID = { audio: MessageType.Audio, video: MessageType.Video, data: MessageType.Amf0Data } as const;
const DEFAULT_TIMEOUT_MS = 10_000;
const AMF_LIMITS = { maxDepth: DEFAULT_RTMP_LIMITS.maxAmfDepth, maxStringBytes: DEFAULT_RTMP_LIMITS.maxAmfStringBytes };
const DEFAULT_CHUNK_SIZE = 4096;
/** SetBufferLength a player announces after play (ffmpeg: 3 s). */
const PLAY_BUFFER_MS = 3000;
const S0S1S2_BYTES = HELLO_BYTES + PACKET_BYTES;

function textOf(value: AmfValue): string {
  return typeof value === 'string' ? value : '';
}

/**
 * An RTMP client (publish or play) on one TCP socket, used by the tests, the
 * benchmark and later relay/edge. The play path is cheap on purpose: chunks
 * go through one ChunkReader, media is handed to `onMessage` as received
 * (no AMF decoding, no per-message closures).
 */
export class RtmpClient {
  /** Stream name from the URL, query included. */
  readonly streamName: string;
  /** Media received while playing: `payload` belongs to the callee. */
  onMessage: ((kind: MediaKind, timestamp: number, payload: Buffer) => void) | undefined;
  /** Every onStatus the server sends. */
  onStatus: ((info: StatusInfo) => void) | undefined;
  /** Resolves when the socket closes, with the error that closed it if any. Never rejects. */
  readonly closed: Promise<Error | undefined>;

  private result: Record<string, unknown> = {};
  private received = 0;
  private ackedBytes = 0;
  private ackWindowBytes = 0;
  private handshake: { hello: ClientHello; bytes: Buffer; length: number } | undefined;
  private readonly reader = new ChunkReader(DEFAULT_RTMP_LIMITS);
  private readonly writer = new ChunkWriter();
  private readonly pending = new Map<number, Pending>();
  private statusWait: StatusWait | undefined;
  private nextTransactionId = 2;
  private streamId = 0;
  private closeError: Error | undefined;
  private isClosed = false;
  private resolveClosed!: (error: Error | undefined) => void;
  private readonly timeoutMs: number;
  private readonly sink: MessageSink = { onMessage: (typeId, timestamp, _streamId, payload) => this.dispatch(typeId, timestamp, payload) };

  private constructor(
    private readonly socket: Socket,
    private readonly url: RtmpUrl,
    private readonly options: RtmpClientOptions,
  ) {
    this.streamName = url.streamName;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('error', (error) => (this.closeError ??= error));
    socket.on('close', () => this.onClose());
  }

  /** Connects, handshakes and sends `connect`; resolves after its `_result`. Rejects with RtmpClientError. */
  static connect(url: string, options: RtmpClientOptions = {}): Promise<RtmpClient> {
    const parsed = parseRtmpUrl(url);
    const socket = netConnect({ host: parsed.host, port: parsed.port });
    const client = new RtmpClient(socket, parsed, options);
    return client.start();
  }

  /** The info object of connect's `_result` (level, code, description, data...). */
  get connectResult(): Record<string, unknown> {
    return this.result;
  }

  /** Bytes received on the socket so far, handshake included. */
  get bytesReceived(): number {
    return this.received;
  }

  /** Bytes written but not yet taken by the kernel: a relay drops media above its bound. */
  get pendingWriteBytes(): number {
    return this.socket.writableLength;
  }

  /** Bytes handed to the socket so far. */
  get bytesSent(): number {
    return this.socket.bytesWritten;
  }

  /** releaseStream, FCPublish, createStream, publish; resolves on NetStream.Publish.Start. */
  async publish(type: PublishType = 'live'): Promise<void> {
    const name = this.streamName;
    // The three calls leave in one segment, as ffmpeg's do (it sends them back to back and Nagle joins them).
    this.socket.cork();
    this.invoke(ChunkStreamId.OverConnection, 0, 'releaseStream', this.takeTransactionId(), null, name);
    this.invoke(ChunkStreamId.OverConnection, 0, 'FCPublish', this.takeTransactionId(), null, name);
    const created = this.createStream();
    this.socket.uncork();
    await created;
    const started = this.waitStatus(StatusCode.PublishStart);
    this.invoke(ChunkStreamId.OverStream, this.streamId, 'publish', this.takeTransactionId(), null, name, type);
    await started;
  }

  /**
   * createStream, play; resolves on NetStream.Play.Start. `durationMs`
   * asks the server to stop after that much media, sent in milliseconds as
   * librtmp does (`rtmpdump -B`); absent: play to the end.
   */
  async play(options: { durationMs?: number } = {}): Promise<void> {
    await this.createStream();
    const started = this.waitStatus(StatusCode.PlayStart);
    const args: (string | number | null)[] = [null, this.streamName, -2];
    if (options.durationMs !== undefined) args.push(options.durationMs);
    this.invoke(ChunkStreamId.OverStream, this.streamId, 'play', this.takeTransactionId(), ...args);
    this.write(this.writer.encode(setBufferLengthMessage(this.streamId, PLAY_BUFFER_MS), ChunkStreamId.ProtocolControl));
    await started;
  }

  /** Sends one media message on the published stream; returns socket.write's result (false = back off). */
  sendMedia(kind: MediaKind, timestamp: number, payload: Buffer): boolean {
    const message = { typeId: MEDIA_TYPE_ID[kind], timestamp, streamId: this.streamId, payload };
    return this.write(this.writer.encode(message, MEDIA_CSID[kind]));
  }

  /** Closes the socket at once. */
  close(): void {
    this.socket.destroy();
  }

  private start(): Promise<RtmpClient> {
    const hello = createClientHello(this.options.complexHandshake ?? true, this.options.handshakeState?.random.source);
    this.handshake = { hello, bytes: Buffer.allocUnsafe(S0S1S2_BYTES), length: 0 };
    const connected = new Promise<RtmpClient>((resolve, reject) => {
      this.pending.set(1, { resolve: (command) => resolve(this.onConnected(command)), reject });
    });
    this.socket.once('connect', () => this.socket.write(hello.c0c1));
    return this.withTimeout(connected, 'connect');
  }

  private onConnected(command: RtmpCommand): RtmpClient {
    const info = amfProperties(command.args[0] ?? null) ?? newAmfObject();
    this.result = { ...info };
    return this;
  }

  /** After S0S1S2: C2, Set Chunk Size and connect leave in one write. */
  private finishHandshake(s0s1s2: Buffer, rest: Buffer): void {
    const hello = (this.handshake as { hello: ClientHello }).hello;
    this.handshake = undefined;
    const shared = this.options.handshakeState;
    const { c2 } = answerServerHello(s0s1s2, hello, shared?.random.source, shared?.digestHint);
    const chunkSize = this.options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const control = this.writer.encode(setChunkSizeMessage(chunkSize), ChunkStreamId.ProtocolControl);
    this.writer.setChunkSize(chunkSize);
    const commandObject = Object.assign(newAmfObject(), {
      app: this.url.app,
      flashVer: 'FMLE/3.0 (compatible; srs-ts)',
      tcUrl: this.options.tcUrl ?? this.url.tcUrl,
      fpad: false,
      capabilities: 15,
      audioCodecs: 4071,
      videoCodecs: 252,
      videoFunction: 1,
      pageUrl: this.options.pageUrl ?? '',
      objectEncoding: 0,
    });
    const extra = this.options.connectArgs === undefined ? [] : [Object.assign(newAmfObject(), this.options.connectArgs)];
    const connect = this.encodeInvoke(ChunkStreamId.OverConnection, 0, 'connect', 1, commandObject, ...extra);
    this.write(Buffer.concat([c2, control, connect]));
    if (rest.length > 0) this.reader.feed(rest, this.sink);
  }

  private readonly onData = (bytes: Buffer): void => {
    this.received += bytes.length;
    try {
      const handshake = this.handshake;
      if (handshake !== undefined) {
        const count = Math.min(S0S1S2_BYTES - handshake.length, bytes.length);
        bytes.copy(handshake.bytes, handshake.length, 0, count);
        handshake.length += count;
        if (handshake.length === S0S1S2_BYTES) this.finishHandshake(handshake.bytes, bytes.subarray(count));
      } else {
        this.reader.feed(bytes, this.sink);
      }
      if (this.ackWindowBytes > 0 && this.received - this.ackedBytes >= this.ackWindowBytes) {
        this.ackedBytes = this.received;
        this.write(this.writer.encode(acknowledgementMessage(this.received % 2 ** 32), ChunkStreamId.ProtocolControl));
      }
    } catch (error) {
      this.socket.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  };

  private dispatch(typeId: number, timestamp: number, payload: Buffer): void {
    switch (typeId) {
      case MessageType.Audio:
        this.onMessage?.('audio', timestamp, payload);
        return;
      case MessageType.Video:
        this.onMessage?.('video', timestamp, payload);
        return;
      case MessageType.Amf0Data:
        this.onMessage?.('data', timestamp, payload);
        return;
      case MessageType.Amf3Data:
        if (payload.length > 1) this.onMessage?.('data', timestamp, payload.subarray(1));
        return;
      case MessageType.Aggregate:
        splitAggregate(payload, timestamp, (subType, subTimestamp, subPayload) => {
          if (subType !== MessageType.Aggregate) this.dispatch(subType, subTimestamp, subPayload);
        });
        return;
      case MessageType.Amf0Command:
      case MessageType.Amf3Command:
        this.onCommand(decodeCommand(typeId, payload, AMF_LIMITS));
        return;
      default:
        if (isControlMessage(typeId) && payload.length > 0) this.onControl(typeId, payload);
    }
  }

  private onControl(typeId: number, payload: Buffer): void {
    const control = decodeControlMessage(typeId, payload);
    if (control.type === 'set-chunk-size') this.reader.setChunkSize(control.chunkSize);
    else if (control.type === 'abort') this.reader.abort(control.csid);
    else if (control.type === 'window-ack-size') this.ackWindowBytes = control.windowBytes;
    else if (control.type === 'ping-request') {
      this.write(this.writer.encode(userControlMessage(UserControlType.PingResponse, control.timestamp), ChunkStreamId.ProtocolControl));
    }
  }

  private onCommand(command: RtmpCommand): void {
    if (command.name === '_result' || command.name === '_error') {
      const pending = this.pending.get(command.transactionId);
      if (pending === undefined) return;
      this.pending.delete(command.transactionId);
      if (command.name === '_result') pending.resolve(command);
      else pending.reject(this.errorFrom(command.args[0] ?? null, 'ERR_RTMP_CALL_FAILED'));
      return;
    }
    if (command.name !== 'onStatus') return;
    const info = amfProperties(command.args[0] ?? null) ?? newAmfObject();
    const status: StatusInfo = { level: textOf(info['level']), code: textOf(info['code']), description: textOf(info['description']) };
    this.onStatus?.(status);
    const wait = this.statusWait;
    if (wait === undefined) return;
    if (status.level === 'error') {
      this.statusWait = undefined;
      wait.reject(new RtmpClientError(status.code, status.description));
    } else if (status.code === wait.code) {
      this.statusWait = undefined;
      wait.resolve();
    }
  }

  private errorFrom(value: AmfValue, fallbackCode: string): RtmpClientError {
    const info = amfProperties(value);
    const code = info === undefined ? '' : textOf(info['code']);
    return new RtmpClientError(code === '' ? fallbackCode : code, info === undefined ? 'call failed' : textOf(info['description']));
  }

  private async createStream(): Promise<void> {
    const tid = this.takeTransactionId();
    const result = new Promise<RtmpCommand>((resolve, reject) => this.pending.set(tid, { resolve, reject }));
    this.invoke(ChunkStreamId.OverConnection, 0, 'createStream', tid, null);
    const command = await this.withTimeout(result, 'createStream');
    const streamId = command.args[0];
    if (typeof streamId !== 'number') throw new RtmpClientError('ERR_RTMP_CALL_FAILED', 'createStream returned no stream id');
    this.streamId = streamId;
  }

  private waitStatus(code: string): Promise<void> {
    if (this.isClosed) return Promise.reject(this.closedError());
    const status = new Promise<void>((resolve, reject) => (this.statusWait = { code, resolve, reject }));
    return this.withTimeout(status, code);
  }

  private withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new RtmpClientError('ERR_TIMEOUT', `${what} timed out after ${this.timeoutMs} ms`);
        reject(error);
        this.socket.destroy(error);
      }, this.timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  private takeTransactionId(): number {
    return this.nextTransactionId++;
  }

  private encodeInvoke(csid: number, streamId: number, ...values: AmfValue[]): Buffer {
    return this.writer.encode({ typeId: MessageType.Amf0Command, timestamp: 0, streamId, payload: encodeAmf0(...values) }, csid);
  }

  private invoke(csid: number, streamId: number, ...values: AmfValue[]): void {
    this.write(this.encodeInvoke(csid, streamId, ...values));
  }

  private write(bytes: Buffer): boolean {
    if (this.socket.destroyed) return false;
    return this.socket.write(bytes);
  }

  private closedError(): Error {
    const cause = this.closeError;
    if (cause instanceof SrsError) return cause;
    return new RtmpClientError('ERR_RTMP_CLIENT_CLOSED', cause?.message ?? 'connection closed', { cause });
  }

  private onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    // Only waiters need the error; most sessions end with none, and an Error costs a stack capture.
    if (this.pending.size > 0 || this.statusWait !== undefined) {
      const error = this.closedError();
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
      this.statusWait?.reject(error);
      this.statusWait = undefined;
    }
    this.resolveClosed(this.closeError);
  }
}
