import { splitAggregate } from './aggregate.js';
import { ChunkReader, type ChunkReaderLimits, type MessageSink } from './chunk-reader.js';
import type { OutgoingMessage } from './commands.js';
import { ChunkStreamId, MessageType, UserControlType } from './constants.js';
import { acknowledgementMessage, decodeControlMessage, isControlMessage, userControlMessage } from './messages.js';

/** What a media message carries; AMF3 data (type 15) arrives as AMF0 with its format byte dropped. */
export type MediaKind = 'audio' | 'video' | 'data';

/** Where a channel delivers what it does not answer itself. */
export interface ChannelHandler {
  /** An AMF0 (20) or AMF3 (17) command, still encoded: each side decodes what it expects. */
  command(typeId: number, streamId: number, payload: Buffer): void;
  /** Audio, video or data, aggregates already split. `payload` is a view of the received bytes. */
  media(kind: MediaKind, timestamp: number, streamId: number, payload: Buffer): void;
  /** A control reply the channel owes the peer (ping response, acknowledgement), in order with other output. */
  send(message: OutgoingMessage): void;
}

/**
 * The message layer both sides of an RTMP connection share (RTMP 5.4, 7.1):
 * chunks in, the protocol control answered (Set Chunk Size, Abort, Window
 * Acknowledgement Size, ping), received bytes acknowledged per the peer's
 * window, aggregates split, commands and media handed on. The server
 * connection and the client connection differ only in what they do with
 * commands; neither duplicates this.
 */
export class RtmpChannel implements MessageSink {
  private readonly reader: ChunkReader;
  private receivedBytes = 0;
  private ackedBytes = 0;

  constructor(
    limits: ChunkReaderLimits,
    private readonly handler: ChannelHandler,
    /** Acknowledge every this many received bytes; 0 = not until the peer sets a window. */
    private ackWindowBytes = 0,
  ) {
    this.reader = new ChunkReader(limits);
  }

  /** Bytes received so far, handshake included (the acknowledgement sequence number). */
  get bytesReceived(): number {
    return this.receivedBytes;
  }

  get ackWindow(): number {
    return this.ackWindowBytes;
  }

  /** Sets our acknowledgement window unless the peer already asked for one (it wins). */
  setDefaultAckWindow(bytes: number): void {
    if (bytes > 0 && this.ackWindowBytes === 0) this.ackWindowBytes = bytes;
  }

  /** Counts bytes that are not chunks (the handshake): they are acknowledged too. */
  countReceived(bytes: number): void {
    this.receivedBytes += bytes;
  }

  /** Feeds chunk bytes (already counted with {@link countReceived}); acknowledges when the window is full. Throws ProtocolError. */
  feedChunks(bytes: Buffer): void {
    if (bytes.length > 0) this.reader.feed(bytes, this);
    if (this.ackWindowBytes <= 0 || this.receivedBytes - this.ackedBytes < this.ackWindowBytes) return;
    this.ackedBytes = this.receivedBytes;
    this.handler.send({ ...acknowledgementMessage(this.receivedBytes % 2 ** 32), csid: ChunkStreamId.ProtocolControl });
  }

  /** @internal MessageSink: one complete message from the chunk reader. */
  onMessage(typeId: number, timestamp: number, streamId: number, payload: Buffer): void {
    // SRS logs and skips empty messages; none of them means anything.
    if (payload.length === 0) return;
    if (isControlMessage(typeId)) {
      this.onControl(typeId, payload);
      return;
    }
    if (typeId === MessageType.Amf0Command || typeId === MessageType.Amf3Command) {
      this.handler.command(typeId, streamId, payload);
      return;
    }
    if (typeId === MessageType.Aggregate) {
      // Sub-messages are media only: a nested aggregate is ignored, so nesting cannot recurse.
      splitAggregate(payload, timestamp, (subType, subTimestamp, subPayload) => this.onMedia(subType, subTimestamp, streamId, subPayload));
      return;
    }
    this.onMedia(typeId, timestamp, streamId, payload);
  }

  private onMedia(typeId: number, timestamp: number, streamId: number, payload: Buffer): void {
    switch (typeId) {
      case MessageType.Audio:
        this.handler.media('audio', timestamp, streamId, payload);
        return;
      case MessageType.Video:
        this.handler.media('video', timestamp, streamId, payload);
        return;
      case MessageType.Amf0Data:
        this.handler.media('data', timestamp, streamId, payload);
        return;
      case MessageType.Amf3Data:
        // Type 15 = format byte + AMF0 values: drop the byte so consumers see AMF0, as for type 18.
        if (payload.length > 1) this.handler.media('data', timestamp, streamId, payload.subarray(1));
        return;
      default:
        // Shared objects (16, 19), nested aggregates and unknown types: SRS ignores them too.
        return;
    }
  }

  private onControl(typeId: number, payload: Buffer): void {
    const control = decodeControlMessage(typeId, payload);
    switch (control.type) {
      case 'set-chunk-size':
        this.reader.setChunkSize(control.chunkSize);
        return;
      case 'abort':
        this.reader.abort(control.csid);
        return;
      case 'window-ack-size':
        // The peer asks to be acknowledged every windowBytes (RTMP 5.4.4); 0 would mean "ack every feed".
        if (control.windowBytes > 0) this.ackWindowBytes = control.windowBytes;
        return;
      case 'ping-request':
        this.handler.send({ ...userControlMessage(UserControlType.PingResponse, control.timestamp), csid: ChunkStreamId.ProtocolControl });
        return;
      default:
        // Acknowledgements, peer bandwidth, buffer length and stream events need no answer.
        return;
    }
  }
}
