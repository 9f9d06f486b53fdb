/**
 * A tiny in-test RTMP server: net.Server on 127.0.0.1 driving one
 * RtmpServerConnection per socket. It accepts every connect, publishes and
 * relays media to players of the same stream name, so client tests and the
 * real ffmpeg can be checked against our protocol code without the hub.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { RtmpServerConnection, type RtmpEvent } from '../../../src/rtmp/connection.js';
import { encodeMessageChunks, MEDIA_CSID } from '../../../src/rtmp/chunk-writer.js';

export interface RecordedMedia {
  kind: 'audio' | 'video' | 'data';
  timestamp: number;
  payload: Buffer;
}

interface Player {
  name: string;
  socket: Socket;
  connection: RtmpServerConnection;
  streamId: number;
}

export interface SessionRecord {
  clientId: string;
  connection: RtmpServerConnection;
  events: RtmpEvent[];
  error: Error | undefined;
  closed: Promise<void>;
}

export interface LoopbackOptions {
  /** Refuse publishes with this error status instead of accepting them. */
  rejectPublish?: { code: string; description: string };
  chunkSize?: number;
  /** Send what a stream recorded to each new player at once, then StreamEOF and UnpublishNotify (a finished stream). */
  replayRecorded?: boolean;
}

const TYPE_ID = { audio: 8, video: 9, data: 18 } as const;

export class LoopbackServer {
  readonly sessions: SessionRecord[] = [];
  /** Media per stream name, in arrival order. */
  readonly recorded = new Map<string, RecordedMedia[]>();
  private readonly players = new Map<string, Set<Player>>();
  private readonly sockets = new Set<Socket>();
  private readonly listeners = new Set<() => void>();
  private nextId = 1;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: LoopbackOptions,
  ) {}

  static async start(options: LoopbackOptions = {}): Promise<LoopbackServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const loopback = new LoopbackServer(server, address.port, options);
    server.on('connection', (socket) => loopback.accept(socket));
    return loopback;
  }

  url(path: string): string {
    return `rtmp://127.0.0.1:${this.port}/${path}`;
  }

  /** Resolves once `predicate` holds, checked after every received chunk and close; rejects after `timeoutMs`. */
  waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.listeners.add(check);
    });
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const clientId = `c${this.nextId++}`;
    const connection = new RtmpServerConnection({ clientId, verifyC2: true });
    let onClosed!: () => void;
    const record: SessionRecord = { clientId, connection, events: [], error: undefined, closed: new Promise((r) => (onClosed = r)) };
    this.sessions.push(record);
    let streamName = '';
    let player: Player | undefined;
    socket.on('data', (bytes) => {
      let events: RtmpEvent[];
      try {
        events = connection.feed(bytes);
      } catch (error) {
        record.error = error as Error;
        socket.destroy();
        this.changed();
        return;
      }
      const out = connection.takeOutput();
      if (out !== undefined) socket.write(out);
      for (const event of events) {
        record.events.push(event);
        switch (event.type) {
          case 'connect':
            socket.write(
              connection.acceptConnect({
                windowAckSize: 2_500_000,
                peerBandwidth: 2_500_000,
                chunkSize: this.options.chunkSize ?? 60_000,
                serverIp: '127.0.0.1',
                pid: process.pid,
                clientId,
              }),
            );
            break;
          case 'publish':
            if (this.options.rejectPublish !== undefined) {
              const { code, description } = this.options.rejectPublish;
              socket.end(connection.rejectWithStatus(event.streamId, code, description));
              break;
            }
            streamName = event.streamName;
            this.recorded.set(streamName, []);
            socket.write(connection.acceptPublish(event.streamId));
            break;
          case 'media':
            this.relay(streamName, { kind: event.kind, timestamp: event.timestamp, payload: event.payload });
            break;
          case 'unpublish':
            this.unpublished(streamName);
            streamName = '';
            break;
          case 'play':
            player = { socket, connection, streamId: event.streamId, name: event.streamName };
            socket.write(connection.acceptPlay(event.streamId));
            this.addPlayer(event.streamName, player);
            break;
          case 'stop-play':
            if (player !== undefined) this.players.get(player.name)?.delete(player);
            break;
          default:
            break;
        }
      }
      this.changed();
    });
    socket.on('error', (error) => (record.error ??= error));
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (player === undefined && streamName !== '') this.unpublished(streamName);
      if (player !== undefined) for (const set of this.players.values()) set.delete(player);
      onClosed();
      this.changed();
    });
  }

  private unpublished(name: string): void {
    for (const p of this.players.get(name) ?? []) {
      p.socket.write(p.connection.playStatus(p.streamId, 'NetStream.Play.UnpublishNotify', 'stream is now unpublished'));
    }
  }

  private addPlayer(name: string, player: Player): void {
    if (this.options.replayRecorded === true) {
      for (const media of this.recorded.get(name) ?? []) player.socket.write(this.wire(player, media));
      // ffmpeg ends playback on UnpublishNotify (rtmpproto.c handle_invoke_status → STATE_STOPPED).
      player.socket.write(player.connection.streamEof(player.streamId));
      player.socket.write(player.connection.playStatus(player.streamId, 'NetStream.Play.UnpublishNotify', 'stream is now unpublished'));
      return;
    }
    let set = this.players.get(name);
    if (set === undefined) this.players.set(name, (set = new Set()));
    set.add(player);
  }

  private relay(name: string, media: RecordedMedia): void {
    this.recorded.get(name)?.push(media);
    for (const player of this.players.get(name) ?? []) player.socket.write(this.wire(player, media));
  }

  private wire(player: Player, media: RecordedMedia): Buffer {
    const message = { typeId: TYPE_ID[media.kind], timestamp: media.timestamp, streamId: player.streamId, payload: media.payload };
    return encodeMessageChunks(message, player.connection.outChunkSize, MEDIA_CSID[media.kind]);
  }
}
