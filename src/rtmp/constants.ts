/**
 * RTMP wire constants (Adobe RTMP specification 1.0, sections cited per
 * object) and the values SRS puts on the wire (srs-spec §6,
 * `srs_protocol_rtmp_stack.hpp`), spelled as in the spec.
 */

/** Message type ids (RTMP 5.4 protocol control, 6.2 user control, 7.1 command/data/media). */
export const MessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  Amf3Data: 15,
  Amf3SharedObject: 16,
  Amf3Command: 17,
  Amf0Data: 18,
  Amf0SharedObject: 19,
  Amf0Command: 20,
  Aggregate: 22,
} as const;
/** A message type id from {@link MessageType}. */
export type MessageTypeId = (typeof MessageType)[keyof typeof MessageType];

/** User control event types (RTMP 7.1.7). */
export const UserControlType = {
  StreamBegin: 0,
  StreamEof: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
} as const;

/** Set Peer Bandwidth limit types (RTMP 5.4.5); SRS sends Dynamic (2). */
export const PeerBandwidthLimit = { Hard: 0, Soft: 1, Dynamic: 2 } as const;

/**
 * Chunk stream ids as SRS uses them (`RTMP_CID_*` in srs_protocol_rtmp_stack.hpp):
 * protocol control 2, connection commands 3, script data 4 (`initialize_amf0_script`),
 * stream commands 5, video 6, audio 7.
 */
export const ChunkStreamId = {
  ProtocolControl: 2,
  OverConnection: 3,
  OverConnection2: 4,
  OverStream: 5,
  Video: 6,
  Audio: 7,
} as const;

/** Handshake and chunking sizes (RTMP 5.2, 5.3, 5.4.1). */
export const RtmpSize = {
  handshakePacket: 1536,
  /** Chunk size both sides assume until a Set Chunk Size arrives (RTMP 5.4.1). */
  defaultChunkSize: 128,
  /** SRS rejects a peer chunk size outside [128, 65536] (`SRS_CONSTS_RTMP_MIN/MAX_CHUNK_SIZE`). */
  minChunkSize: 128,
  maxChunkSize: 65536,
  /** Largest csid the 3-byte basic header can carry (RTMP 5.3.1.1). */
  maxChunkStreamId: 65599,
  /** Timestamps at or above this travel in the extended timestamp field (RTMP 5.3.1.3). */
  extendedTimestamp: 0xffffff,
} as const;

/** The only RTMP version we speak: C0/S0 = 3 (plain RTMP; 6 would be RTMPE). */
export const RTMP_VERSION = 3;

/** SRS answers every createStream with stream id 1 (`SRS_DEFAULT_SID`). */
export const SRS_DEFAULT_STREAM_ID = 1;

/** Strings SRS 7.0.18 puts in its replies (srs-spec §6, srs_core.hpp / srs_core_version7.hpp). */
export const SrsSignature = {
  fmsVersion: '3,5,3,888',
  key: 'SRS',
  server: 'SRS/7.0.18(Hang)',
  license: 'MIT',
  url: 'https://github.com/ossrs/srs',
  version: '7.0.18',
  authors: 'srs',
  /** `RTMP_SIG_CLIENT_ID`: the constant clientid SRS puts in every onStatus. */
  clientId: 'ASAICiss',
} as const;

/** NetConnection / NetStream status codes used by the server and the client. */
export const StatusCode = {
  ConnectSuccess: 'NetConnection.Connect.Success',
  ConnectRejected: 'NetConnection.Connect.Rejected',
  PublishStart: 'NetStream.Publish.Start',
  PublishBadName: 'NetStream.Publish.BadName',
  UnpublishSuccess: 'NetStream.Unpublish.Success',
  PlayReset: 'NetStream.Play.Reset',
  PlayStart: 'NetStream.Play.Start',
  PlayFailed: 'NetStream.Play.Failed',
  PlayPublishNotify: 'NetStream.Play.PublishNotify',
  PlayUnpublishNotify: 'NetStream.Play.UnpublishNotify',
  PauseNotify: 'NetStream.Pause.Notify',
  UnpauseNotify: 'NetStream.Unpause.Notify',
} as const;
