import { ProtocolError } from '../errors.js';
import { decodeAmf0, encodeAmf0 } from './amf0.js';
import { AmfEcmaArray, amfProperties, type AmfLimits, type AmfObject, type AmfValue } from './amf-value.js';
import { ChunkStreamId, MessageType, SrsSignature, StatusCode, UserControlType } from './constants.js';
import { userControlMessage } from './messages.js';
import type { RtmpMessage } from './chunk-writer.js';

/** A decoded command message (RTMP 7.1.1): name, transaction id, command object, optional arguments. */
export interface RtmpCommand {
  name: string;
  transactionId: number;
  commandObject: AmfValue;
  args: AmfValue[];
}

/** A message plus the chunk stream it goes out on. */
export interface OutgoingMessage extends RtmpMessage {
  csid: number;
}

/**
 * Decodes an AMF0 (20) or AMF3 (17) command payload. Type 17 starts with a
 * format byte 0 followed by AMF0 values (which may switch to AMF3); SRS
 * skips one byte, we skip it only when it is that 0.
 */
export function decodeCommand(typeId: number, payload: Buffer, limits: AmfLimits): RtmpCommand {
  const start = typeId === MessageType.Amf3Command && payload[0] === 0 ? 1 : 0;
  const values = decodeAmf0(payload, limits, start);
  const [name, transactionId, commandObject, ...args] = values;
  if (typeof name !== 'string') throw new ProtocolError('ERR_RTMP_COMMAND', 'command name is not a string');
  return { name, transactionId: typeof transactionId === 'number' ? transactionId : 0, commandObject, args };
}

/** What `connect` carries that the server needs (srs-spec §6, `SrsConnectAppPacket`). */
export interface ConnectInfo {
  transactionId: number;
  tcUrl: string;
  pageUrl: string;
  swfUrl: string;
  app: string;
  /** `flashVer` of the command object ('' when absent), e.g. `FMLE/3.0 (compatible; Lavf61.7.100)`. */
  flashVer: string;
  objectEncoding: number;
  /** The optional user arguments object after the command object. */
  args: Record<string, unknown>;
  /** The whole command object (in-process connection handlers get it). */
  commandObject: Record<string, unknown>;
  /** Whether the client sent an arguments object at all. */
  hasArgs: boolean;
}

function stringOf(object: AmfObject, key: string): string {
  const value = object[key];
  return typeof value === 'string' ? value : '';
}

/** Reads connect's command object; a missing or non-string tcUrl is SRS's ERROR_RTMP_REQ_CONNECT (2005). */
export function decodeConnect(command: RtmpCommand): ConnectInfo {
  const object = amfProperties(command.commandObject);
  if (object === undefined) throw new ProtocolError('ERR_RTMP_REQ_CONNECT', 'connect without a command object');
  const tcUrl = object['tcUrl'];
  if (typeof tcUrl !== 'string') throw new ProtocolError('ERR_RTMP_REQ_CONNECT', 'connect without a string tcUrl');
  const encoding = object['objectEncoding'];
  const args = command.args[0] === undefined ? undefined : amfProperties(command.args[0]);
  return {
    transactionId: command.transactionId,
    tcUrl,
    pageUrl: stringOf(object, 'pageUrl'),
    swfUrl: stringOf(object, 'swfUrl'),
    app: stringOf(object, 'app'),
    flashVer: stringOf(object, 'flashVer'),
    objectEncoding: typeof encoding === 'number' ? encoding : 0,
    args: { ...(args ?? {}) },
    commandObject: { ...object },
    hasArgs: args !== undefined,
  };
}

function invoke(csid: number, streamId: number, ...values: AmfValue[]): OutgoingMessage {
  return { typeId: MessageType.Amf0Command, timestamp: 0, streamId, csid, payload: encodeAmf0(...values) };
}

function object(entries: Record<string, AmfValue>): AmfObject {
  return Object.assign(Object.create(null) as AmfObject, entries);
}

/** What the connect `_result` reports about the server. */
export interface ConnectResultOptions {
  objectEncoding: number;
  serverIp: string;
  pid: number;
  clientId: string;
}

/** connect `_result` exactly as SRS `response_connect_app`: tid always 1, props, info with an ECMA `data`. */
export function connectResult(options: ConnectResultOptions): OutgoingMessage {
  const props = object({ fmsVer: `FMS/${SrsSignature.fmsVersion}`, capabilities: 127, mode: 1 });
  const data = new AmfEcmaArray(
    object({
      version: SrsSignature.fmsVersion,
      srs_sig: SrsSignature.key,
      srs_server: SrsSignature.server,
      srs_license: SrsSignature.license,
      srs_url: SrsSignature.url,
      srs_version: SrsSignature.version,
      srs_authors: SrsSignature.authors,
      ...(options.serverIp !== '' ? { srs_server_ip: options.serverIp } : {}),
      srs_pid: options.pid,
      srs_id: options.clientId,
    }),
  );
  const info = object({
    level: 'status',
    code: StatusCode.ConnectSuccess,
    description: 'Connection succeeded',
    objectEncoding: options.objectEncoding,
    data,
  });
  return invoke(ChunkStreamId.OverConnection, 0, '_result', 1, props, info);
}

const ON_BW_DONE: OutgoingMessage = invoke(ChunkStreamId.OverConnection, 0, 'onBWDone', 0, null);

/** `onBWDone` after the connect `_result` (SRS `SrsOnBWDonePacket`); the same bytes every time. */
export function onBWDone(): OutgoingMessage {
  return { ...ON_BW_DONE };
}

/**
 * `_result` for a call: releaseStream/FCPublish/FCUnpublish answer `undefined`,
 * createStream the stream id, unknown calls `null` (srs-spec §6).
 */
export function callResult(transactionId: number, value: AmfValue, streamId = 0): OutgoingMessage {
  return invoke(ChunkStreamId.OverConnection, streamId, '_result', transactionId, null, value);
}

/** `onStatus` with an info object, on the stream chunk stream (SRS `SrsOnStatusCallPacket`). */
export function onStatus(streamId: number, info: Record<string, AmfValue>): OutgoingMessage {
  return streamCommand(streamId, encodeAmf0('onStatus', 0, null, object(info)));
}

function streamCommand(streamId: number, payload: Buffer): OutgoingMessage {
  return { typeId: MessageType.Amf0Command, timestamp: 0, streamId, csid: ChunkStreamId.OverStream, payload };
}

/**
 * SRS's RTMP 302 (SrsRtmpServer::redirect, srs_protocol_rtmp_stack.cpp):
 * onStatus on stream 0, level error, NetConnection.Connect.Rejected,
 * description `RTMP 302 Redirect`, `ex` = {code: 302, redirect: the URL's
 * directory (a tcUrl), redirect2: the whole URL} (ossrs/srs#1575).
 */
export function redirectStatus(url: string): OutgoingMessage {
  const slash = url.lastIndexOf('/');
  const tcUrl = slash > url.indexOf('://') + 2 ? url.slice(0, slash) : url;
  return onStatus(0, {
    level: 'error',
    code: 'NetConnection.Connect.Rejected',
    description: 'RTMP 302 Redirect',
    ex: object({ code: 302, redirect: tcUrl, redirect2: url }),
  });
}

/** `onFCPublish` / `onFCUnpublish`: code and description, no level (SRS start_fmle_publish / fmle_unpublish). */
export function onFmleStatus(name: 'onFCPublish' | 'onFCUnpublish', streamId: number, code: string, description: string): OutgoingMessage {
  return invoke(ChunkStreamId.OverStream, streamId, name, 0, null, object({ code, description }));
}

/** The status info SRS sends for publish/play progress: level status + its constant clientid. */
export function statusInfo(code: string, description: string, details?: string): Record<string, AmfValue> {
  return {
    level: 'status',
    code,
    description,
    ...(details !== undefined ? { details } : {}),
    clientid: SrsSignature.clientId,
  };
}

/*
 * The replies every accepted publish and play gets are the same bytes for
 * every client (the stream id travels in the chunk header), so they are
 * encoded once.
 */
const PUBLISH_START = encodeAmf0('onStatus', 0, null, object(statusInfo(StatusCode.PublishStart, 'Started publishing stream.')));
const PLAY_RESET = encodeAmf0('onStatus', 0, null, object(statusInfo(StatusCode.PlayReset, 'Playing and resetting stream.', 'stream')));
const PLAY_START = encodeAmf0('onStatus', 0, null, object(statusInfo(StatusCode.PlayStart, 'Started playing stream.', 'stream')));
const SAMPLE_ACCESS = encodeAmf0('|RtmpSampleAccess', true, true);

/** onStatus NetStream.Publish.Start (SRS start_fmle_publish / start_flash_publish). */
export function publishStartStatus(streamId: number): OutgoingMessage {
  return streamCommand(streamId, PUBLISH_START);
}

/** `|RtmpSampleAccess(true, true)` data message after Play.Start (SRS `SrsSampleAccessPacket`). */
export function sampleAccess(streamId: number): OutgoingMessage {
  return { typeId: MessageType.Amf0Data, timestamp: 0, streamId, csid: ChunkStreamId.OverStream, payload: SAMPLE_ACCESS };
}

/** StreamBegin, Play.Reset, Play.Start, |RtmpSampleAccess (SRS start_play; NetStream.Data.Start dropped since 6.0.153, #4162). */
export function playStartMessages(streamId: number): OutgoingMessage[] {
  return [
    { ...userControlMessage(UserControlType.StreamBegin, streamId), csid: ChunkStreamId.ProtocolControl },
    streamCommand(streamId, PLAY_RESET),
    streamCommand(streamId, PLAY_START),
    sampleAccess(streamId),
  ];
}
