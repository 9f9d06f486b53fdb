import { connect as netConnect, type Socket } from 'node:net';
import { SrsError } from '../errors.js';
import { amfProperties, newAmfObject, type AmfValue } from '../rtmp/amf-value.js';
import type { MediaKind } from '../rtmp/channel.js';
import { CONNECT_TRANSACTION_ID, RtmpClientConnection, type ClientConnectOptions, type RtmpClientEvent, type StatusInfo } from '../rtmp/client-connection.js';
import type { RtmpCommand } from '../rtmp/commands.js';
import { StatusCode } from '../rtmp/constants.js';
import type { PublishType } from '../rtmp/connection.js';
import type { HandshakeState } from '../rtmp/handshake.js';
import { RtmpClientError } from './rtmp-client-error.js';
import { parseRtmpUrl } from './rtmp-url.js';

/** Re-exported: what publish()/play()/connect() reject with. */
export { RtmpClientError } from './rtmp-client-error.js';
export type { StatusInfo } from '../rtmp/client-connection.js';

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

type Pending = { resolve: (command: RtmpCommand) => void; reject: (error: Error) => void };
type StatusWait = { code: string; resolve: () => void; reject: (error: Error) => void };

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * An RTMP client (publish or play) on one TCP socket: the socket, the
 * promises and the timeouts around the sans-I/O {@link RtmpClientConnection},
 * which owns the protocol. Used by the relays, the tests and the benchmark.
 * The play path stays cheap: media is handed to `onMessage` as received, no
 * AMF decoding.
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
  private readonly connection: RtmpClientConnection;
  private readonly pending = new Map<number, Pending>();
  private statusWait: StatusWait | undefined;
  private streamId = 0;
  private closeError: Error | undefined;
  private isClosed = false;
  private resolveClosed!: (error: Error | undefined) => void;
  private readonly timeoutMs: number;

  private constructor(
    private readonly socket: Socket,
    connectOptions: ClientConnectOptions,
    streamName: string,
    timeoutMs: number | undefined,
  ) {
    // Told as each message completes, in wire order; media with no event object per message.
    this.connection = new RtmpClientConnection(connectOptions, {
      event: (event) => this.onEvent(event),
      media: (kind, timestamp, payload) => this.onMessage?.(kind, timestamp, payload),
    });
    this.streamName = streamName;
    this.timeoutMs = timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('error', (error) => (this.closeError ??= error));
    socket.on('close', () => this.onClose());
  }

  /** Connects, handshakes and sends `connect`; resolves after its `_result`. Rejects with RtmpClientError. */
  static connect(url: string, options: RtmpClientOptions = {}): Promise<RtmpClient> {
    const parsed = parseRtmpUrl(url);
    const connectOptions: ClientConnectOptions = {
      app: parsed.app,
      tcUrl: options.tcUrl ?? parsed.tcUrl,
      pageUrl: options.pageUrl,
      connectArgs: options.connectArgs,
      complexHandshake: options.complexHandshake,
      chunkSize: options.chunkSize,
      handshakeState: options.handshakeState,
    };
    const socket = netConnect({ host: parsed.host, port: parsed.port });
    return new RtmpClient(socket, connectOptions, parsed.streamName, options.timeoutMs).start();
  }

  /** The info object of connect's `_result` (level, code, description, data...). */
  get connectResult(): Record<string, unknown> {
    return this.result;
  }

  /** Bytes received on the socket so far, handshake included. */
  get bytesReceived(): number {
    return this.connection.bytesReceived;
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
    // The three calls leave in one segment, as ffmpeg's do (it sends them back to back and Nagle joins them).
    this.connection.preparePublish(this.streamName);
    await this.createStream();
    const started = this.waitStatus(StatusCode.PublishStart);
    this.connection.publish(this.streamId, this.streamName, type);
    this.flush();
    await started;
  }

  /**
   * createStream, play; resolves on NetStream.Play.Start. `durationMs`
   * asks the server to stop after that much media (see RtmpClientConnection.play).
   */
  async play(options: { durationMs?: number } = {}): Promise<void> {
    await this.createStream();
    const started = this.waitStatus(StatusCode.PlayStart);
    this.connection.play(this.streamId, this.streamName, options.durationMs);
    this.flush();
    await started;
  }

  /** Sends one media message on the published stream; returns socket.write's result (false = back off). */
  sendMedia(kind: MediaKind, timestamp: number, payload: Buffer): boolean {
    return this.write(this.connection.encodeMedia(kind, timestamp, this.streamId, payload));
  }

  /** Closes the socket at once. */
  close(): void {
    this.socket.destroy();
  }

  private start(): Promise<RtmpClient> {
    const connected = new Promise<RtmpClient>((resolve, reject) => {
      this.pending.set(CONNECT_TRANSACTION_ID, { resolve: (command) => resolve(this.onConnected(command)), reject });
    });
    this.socket.once('connect', () => this.write(this.connection.start()));
    return this.withTimeout(connected, 'connect');
  }

  private onConnected(command: RtmpCommand): RtmpClient {
    const info = amfProperties(command.args[0] ?? null) ?? newAmfObject();
    this.result = { ...info };
    return this;
  }

  private readonly onData = (bytes: Buffer): void => {
    try {
      this.connection.feed(bytes);
      this.flush();
    } catch (error) {
      this.socket.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  };

  private onEvent(event: RtmpClientEvent): void {
    if (event.type === 'result') {
      const pending = this.pending.get(event.transactionId);
      if (pending === undefined) return;
      this.pending.delete(event.transactionId);
      if (event.ok) pending.resolve(event.command);
      else pending.reject(this.errorFrom(event.command.args[0] ?? null, 'ERR_RTMP_CALL_FAILED'));
      return;
    }
    const { status } = event;
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
    const tid = this.connection.createStream();
    const result = new Promise<RtmpCommand>((resolve, reject) => this.pending.set(tid, { resolve, reject }));
    this.flush();
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

  /** Writes what the connection produced (replies, acknowledgements, our calls) in one write. */
  private flush(): void {
    const output = this.connection.takeOutput();
    if (output !== undefined) this.write(output);
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

function textOf(value: AmfValue | undefined): string {
  return typeof value === 'string' ? value : '';
}
