import { newAmfObject, type AmfValue } from './amf-value.js';
import { encodeAmf0 } from './amf0.js';
import { ChunkReader, type MessageSink } from './chunk-reader.js';
import { ChunkWriter } from './chunk-writer.js';
import { decodeCommand } from './commands.js';
import { ChunkStreamId, MessageType } from './constants.js';
import { DEFAULT_RTMP_LIMITS, RtmpServerConnection, type RtmpEvent } from './connection.js';
import { HandshakeState, createClientHello } from './handshake.js';
import { PACKET_BYTES } from './handshake-digest.js';
import { setChunkSizeMessage } from './messages.js';
import { parseTcUrl, resolveStreamRequest } from './url.js';

/** How much warming {@link warmUpRtmpCodec} may do. */
export interface RtmpWarmUpOptions {
  /** Synthetic sessions to run (half play, half publish). */
  readonly sessions: number;
  /** Stop early after this long, so a slow machine's start-up stays bounded. */
  readonly maxMs: number;
  /** Monotonic clock in ms (performance.now in production). */
  readonly now: () => number;
}

/** What the warm-up did, for the start-up log line. */
export interface RtmpWarmUpResult {
  readonly sessions: number;
  /** Sessions that got as far as the play/publish start replies (all of them, unless the codec changed under the warm-up). */
  readonly completed: number;
  readonly elapsedMs: number;
}

const AMF_LIMITS = { maxDepth: DEFAULT_RTMP_LIMITS.maxAmfDepth, maxStringBytes: DEFAULT_RTMP_LIMITS.maxAmfStringBytes };
const CLIENT_CHUNK_SIZE = 4096;
const TC_URL = 'rtmp://127.0.0.1:1935/live';

/** The client half: decodes every command the server answers, as a player's reader does. */
class ReplyReader implements MessageSink {
  private readonly reader = new ChunkReader(DEFAULT_RTMP_LIMITS);

  feed(bytes: Buffer | undefined): void {
    if (bytes !== undefined) this.reader.feed(bytes, this);
  }

  onMessage(typeId: number, _timestamp: number, _streamId: number, payload: Buffer): void {
    if (typeId === MessageType.SetChunkSize) this.reader.setChunkSize(payload.readUInt32BE(0));
    else if (typeId === MessageType.Amf0Command) decodeCommand(typeId, payload, AMF_LIMITS);
  }
}

function invoke(writer: ChunkWriter, csid: number, streamId: number, ...values: AmfValue[]): Buffer {
  return writer.encode({ typeId: MessageType.Amf0Command, timestamp: 0, streamId, payload: encodeAmf0(...values) }, csid);
}

function connectCommand(writer: ChunkWriter): Buffer {
  const commandObject = Object.assign(newAmfObject(), {
    app: 'live',
    flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)',
    tcUrl: TC_URL,
    fpad: false,
    capabilities: 15,
    audioCodecs: 4071,
    videoCodecs: 252,
    videoFunction: 1,
    pageUrl: '',
    objectEncoding: 0,
  });
  return invoke(writer, ChunkStreamId.OverConnection, 0, 'connect', 1, commandObject);
}

function eventOf<T extends RtmpEvent['type']>(events: readonly RtmpEvent[], type: T): Extract<RtmpEvent, { type: T }> | undefined {
  return events.find((event): event is Extract<RtmpEvent, { type: T }> => event.type === type);
}

/**
 * What the synthetic client sends in every session: one digest C0C1 (as
 * ffmpeg's), and a C2 of zeros, which the server accepts as it accepts any
 * C2 (it never checks C2 unless verifyC2). Made once: the client's own
 * HMACs are not the server's path and would double the warm-up's cost.
 */
interface ClientHandshake {
  readonly c0c1: Buffer;
  readonly c2: Buffer;
}

/** One connect + play (or publish) session through the server connection, bytes in and out, no socket; true when it started. */
function runSession(state: HandshakeState, client: ClientHandshake, index: number, publish: boolean): boolean {
  const server = new RtmpServerConnection({ clientId: `warm${index}`, handshakeState: state });
  const replies = new ReplyReader();
  server.feed(client.c0c1);
  if (server.takeOutput() === undefined) return false;
  const c2 = client.c2;
  const writer = new ChunkWriter();
  const setChunkSize = writer.encode(setChunkSizeMessage(CLIENT_CHUNK_SIZE), ChunkStreamId.ProtocolControl);
  writer.setChunkSize(CLIENT_CHUNK_SIZE);
  const connect = eventOf(server.feed(Buffer.concat([c2, setChunkSize, connectCommand(writer)])), 'connect');
  if (connect === undefined) return false;
  const request = parseTcUrl(connect.info.tcUrl);
  replies.feed(
    server.acceptConnect({ windowAckSize: 2_500_000, peerBandwidth: 2_500_000, chunkSize: 60_000, serverIp: '127.0.0.1', pid: 0, clientId: `warm${index}`, inAckSize: 0 }),
  );
  const name = `warm-up-${index}?vhost=${request.vhost}`;
  const setup = publish
    ? [invoke(writer, ChunkStreamId.OverConnection, 0, 'releaseStream', 2, null, name), invoke(writer, ChunkStreamId.OverConnection, 0, 'FCPublish', 3, null, name)]
    : [];
  const events = server.feed(Buffer.concat([...setup, invoke(writer, ChunkStreamId.OverConnection, 0, 'createStream', 4, null)]));
  replies.feed(server.takeOutput());
  const streamId = 1;
  const command = publish ? invoke(writer, ChunkStreamId.OverStream, streamId, 'publish', 5, null, name, 'live') : invoke(writer, ChunkStreamId.OverStream, streamId, 'play', 5, null, name, -2000);
  events.push(...server.feed(command));
  replies.feed(server.takeOutput());
  const started = publish ? eventOf(events, 'publish') : eventOf(events, 'play');
  if (started === undefined) return false;
  resolveStreamRequest(connect.info.tcUrl, started.streamName);
  replies.feed(publish ? server.acceptPublish(started.streamId) : server.acceptPlay(started.streamId));
  return true;
}

/**
 * Runs synthetic RTMP sessions through the sans-I/O codec before the server
 * accepts its first client. Why: a freshly started process runs the
 * handshake, chunk reader/writer, AMF and command code in V8's interpreter
 * until each function has run often enough to be compiled, so the first
 * thousands of real sessions (the reconnect storm after a restart) cost
 * about twice what they cost later. Running these paths here, with the
 * same classes and shapes as real sessions, moves that compile work into
 * start-up. Pure: no socket, no log, no event; only CPU and garbage.
 */
export function warmUpRtmpCodec(options: RtmpWarmUpOptions): RtmpWarmUpResult {
  const state = new HandshakeState();
  const client: ClientHandshake = { c0c1: createClientHello(true, state.random.source).c0c1, c2: Buffer.alloc(PACKET_BYTES) };
  const startedAt = options.now();
  let sessions = 0;
  let completed = 0;
  while (sessions < options.sessions && options.now() - startedAt < options.maxMs) {
    if (runSession(state, client, sessions, sessions % 2 === 1)) completed += 1;
    sessions += 1;
  }
  return { sessions, completed, elapsedMs: options.now() - startedAt };
}
