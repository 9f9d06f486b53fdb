import { ProtocolError } from '../errors.js';
import type { AmfValue } from './amf-value.js';
import {
  callResult,
  onFmleStatus,
  onStatus,
  statusInfo,
  type ConnectInfo,
  type OutgoingMessage,
  type RtmpCommand,
} from './commands.js';
import { ChunkStreamId, SRS_DEFAULT_STREAM_ID, StatusCode, UserControlType } from './constants.js';
import { userControlMessage } from './messages.js';

/** How a publisher asks its stream to be kept (RTMP 7.2.2.6). */
export type PublishType = 'live' | 'record' | 'append';

/** What the connection reports, in wire order. */
export type RtmpEvent =
  | { type: 'handshake-done' }
  | { type: 'connect'; info: ConnectInfo }
  /** `fmle`: releaseStream/FCPublish came first (FMLE, OBS, ffmpeg) rather than a bare Flash publish. */
  | { type: 'publish'; streamId: number; streamName: string; publishType: PublishType; fmle: boolean }
  | { type: 'play'; streamId: number; streamName: string; start: number; duration: number; reset: boolean }
  /**
   * audio = 8, video = 9, data = 18 or 15 (format byte removed, so AMF0). Aggregates (22) arrive split.
   * `payload` is owned by the receiver: the reader never reuses it.
   */
  | { type: 'media'; kind: 'audio' | 'video' | 'data'; timestamp: number; streamId: number; payload: Buffer }
  /** FCUnpublish, or closeStream/deleteStream while publishing. */
  | { type: 'unpublish'; streamId: number }
  /** closeStream/deleteStream while playing. */
  | { type: 'stop-play'; streamId: number }
  | { type: 'pause'; streamId: number; paused: boolean; timestamp: number }
  | { type: 'receive'; streamId: number; audio: boolean | undefined; video: boolean | undefined };

type Role = { kind: 'publishing' | 'playing'; streamId: number };

const PUBLISH_TYPES: readonly string[] = ['live', 'record', 'append'];

function requireStreamName(command: RtmpCommand): string {
  const name = command.args[0];
  if (typeof name !== 'string') throw new ProtocolError('ERR_RTMP_COMMAND', `${command.name} without a stream name`);
  return name;
}

function numberOr(value: AmfValue, fallback: number): number {
  return typeof value === 'number' && !Number.isNaN(value) ? value : fallback;
}

/**
 * Commands after `connect` (srs-spec §1.6, §6): automatic replies and the
 * events the server decides on. Tracks whether the connection publishes or
 * plays so FCUnpublish/closeStream/deleteStream end the right thing and a
 * new publish or play can follow on the same connection.
 */
export class StreamCommandHandler {
  private role: Role | undefined;
  private isFmle = false;

  constructor(
    private readonly send: (message: OutgoingMessage) => void,
    private readonly emit: (event: RtmpEvent) => void,
  ) {}

  /** Handles one command received on message stream `streamId`. */
  handle(command: RtmpCommand, streamId: number): void {
    const tid = command.transactionId;
    switch (command.name) {
      case 'connect':
        // A second connect on a connected session: SRS never reads it; neither do we.
        return;
      case 'releaseStream':
      case 'FCPublish':
        this.isFmle = true;
        this.send(callResult(tid, undefined));
        return;
      case 'createStream':
        this.send(callResult(tid, SRS_DEFAULT_STREAM_ID));
        return;
      case 'publish':
        this.onPublish(command, streamId);
        return;
      case 'play':
        this.onPlay(command, streamId);
        return;
      case 'FCUnpublish':
        this.onFcUnpublish(tid);
        return;
      case 'closeStream':
      case 'deleteStream':
        this.endRole();
        return;
      case 'pause':
        this.onPause(command);
        return;
      case 'receiveAudio':
      case 'receiveVideo':
        this.onReceive(command, streamId);
        return;
      default:
        this.onOtherCall(command);
    }
  }

  private onPublish(command: RtmpCommand, streamId: number): void {
    const streamName = requireStreamName(command);
    const requested = command.args[1];
    const publishType = (typeof requested === 'string' && PUBLISH_TYPES.includes(requested) ? requested : 'live') as PublishType;
    const fmle = this.isFmle;
    this.isFmle = false;
    // SRS start_fmle_publish answers onFCPublish before the hooks run; onStatus waits for acceptPublish.
    if (fmle) this.send(onFmleStatus('onFCPublish', streamId, StatusCode.PublishStart, 'Started publishing stream.'));
    this.role = { kind: 'publishing', streamId };
    this.emit({ type: 'publish', streamId, streamName, publishType, fmle });
  }

  private onPlay(command: RtmpCommand, streamId: number): void {
    const streamName = requireStreamName(command);
    const [, start, duration, reset] = command.args;
    this.role = { kind: 'playing', streamId };
    this.emit({
      type: 'play',
      streamId,
      streamName,
      // SRS SrsPlayPacket defaults: start -2 (live, else recorded), duration -1 (to the end), reset true.
      start: numberOr(start, -2),
      duration: numberOr(duration, -1),
      reset: typeof reset === 'boolean' ? reset : typeof reset === 'number' ? reset !== 0 : true,
    });
  }

  private onFcUnpublish(tid: number): void {
    const role = this.role;
    if (role?.kind !== 'publishing') {
      this.send(callResult(tid, undefined));
      return;
    }
    // SRS fmle_unpublish: onFCUnpublish, _result, onStatus(Unpublish.Success), all on the publish stream.
    const { streamId } = role;
    this.send(onFmleStatus('onFCUnpublish', streamId, StatusCode.UnpublishSuccess, 'Stop publishing stream.'));
    this.send(callResult(tid, undefined, streamId));
    this.send(onStatus(streamId, statusInfo(StatusCode.UnpublishSuccess, 'Stream is now unpublished')));
    this.endRole();
  }

  private endRole(): void {
    const role = this.role;
    if (role === undefined) return;
    this.role = undefined;
    this.emit(role.kind === 'publishing' ? { type: 'unpublish', streamId: role.streamId } : { type: 'stop-play', streamId: role.streamId });
  }

  private onPause(command: RtmpCommand): void {
    const role = this.role;
    if (role?.kind !== 'playing') return;
    const [paused, time] = command.args;
    const isPaused = paused === true;
    const { streamId } = role;
    // SRS on_play_client_pause: Pause.Notify + StreamEOF, or Unpause.Notify + StreamBegin.
    if (isPaused) {
      this.send(onStatus(streamId, statusInfo(StatusCode.PauseNotify, 'Paused stream.')));
      this.send({ ...userControlMessage(UserControlType.StreamEof, streamId), csid: ChunkStreamId.ProtocolControl });
    } else {
      this.send(onStatus(streamId, statusInfo(StatusCode.UnpauseNotify, 'Unpaused stream.')));
      this.send({ ...userControlMessage(UserControlType.StreamBegin, streamId), csid: ChunkStreamId.ProtocolControl });
    }
    this.emit({ type: 'pause', streamId, paused: isPaused, timestamp: numberOr(time, 0) });
  }

  private onReceive(command: RtmpCommand, streamId: number): void {
    const flag = command.args[0];
    const enabled = typeof flag === 'boolean' ? flag : flag !== 0 && flag !== null && flag !== undefined;
    const isAudio = command.name === 'receiveAudio';
    this.emit({
      type: 'receive',
      streamId: this.role?.streamId ?? streamId,
      audio: isAudio ? enabled : undefined,
      video: isAudio ? undefined : enabled,
    });
  }

  private onOtherCall(command: RtmpCommand): void {
    // Replies and notifications from the peer (_result, _error, onStatus...) are not calls.
    if (command.name.startsWith('_') || command.name.startsWith('on')) return;
    if (command.transactionId === 0) return;
    // getStreamLength (ffmpeg, JW Player) and unknown calls: SRS identify_client answers _result(null, null).
    this.send(callResult(command.transactionId, null));
  }
}
