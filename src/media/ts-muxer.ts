import { ProtocolError } from '../errors.js';
import { adtsHeader, ERR_TS_AUDIO_FRAME, parseAdtsConfig, type AdtsConfig } from './adts.js';
import { accessUnit, ERR_TS_VIDEO_FRAME, parseAvcConfig, parseHevcConfig, splitNalus, type VideoCodec, type VideoConfig } from './annexb.js';
import { ExVideoPacketType, inspectVideo, SoundFormat, VideoCodecId, VideoFrameType } from './flv-tag.js';
import type { MediaPacket } from './packet.js';
import { patPacket, pesPackets, pmtPacket, StreamId, StreamType, toClock90k, TsPid, type PmtStream } from './ts-packets.js';

export { ERR_TS_AAC_CONFIG, ERR_TS_AUDIO_FRAME } from './adts.js';
export { ERR_TS_VIDEO_CONFIG, ERR_TS_VIDEO_FRAME } from './annexb.js';
export { ERR_TS_PES_TOO_LARGE } from './ts-packets.js';

/**
 * FLV tag bodies (MediaPacket payloads) to an MPEG-2 transport stream
 * (ISO/IEC 13818-1), laid out as SRS writes it: PAT, PMT on 0x1001 for
 * program 1, video on 0x100, audio on 0x101, PCR = DTS on the video PID (or
 * on the audio PID when there is no video), which SRS deems enough for live
 * players (ossrs/srs#311). Supported: AVC and HEVC (legacy FLV codec id 7/12
 * and Enhanced RTMP avc1/hvc1), AAC (legacy and Enhanced RTMP mp4a), MP3
 * (legacy sound format 2/14 and Enhanced RTMP .mp3). Pure: one object per
 * stream, bytes in, whole 188-byte packets out.
 */

/** Audio-only streams repeat PAT/PMT this often (by timestamp) so a player can join anywhere. */
const AUDIO_ONLY_TABLES_INTERVAL_MS = 1000;
/** PCR_PID of a program with no PCR (13818-1 2.4.4.9). */
const NO_PCR_PID = 0x1fff;
const FOURCC_MP4A = 0x6d703461;
const FOURCC_MP3 = 0x2e6d7033;

type VideoTag =
  | { readonly type: 'config'; readonly codec: VideoCodec; readonly body: Buffer }
  | { readonly type: 'frame'; readonly codec: VideoCodec; readonly isKeyframe: boolean; readonly compositionTime: number; readonly body: Buffer };

type AudioTag = { readonly type: 'aac-config'; readonly body: Buffer } | { readonly type: 'aac' | 'mp3'; readonly body: Buffer };

function fail(code: string, what: string): never {
  throw new ProtocolError(code, what);
}

/**
 * The parts of a video tag body the muxer needs (FLV v10.1 E.4.3.1; Enhanced
 * RTMP v1 ExVideoTagHeader); undefined for codecs and packet types that carry
 * no picture (end of sequence, command frames, metadata).
 */
function readVideoTag(payload: Buffer): VideoTag | undefined {
  const first = payload[0];
  if (first === undefined) return fail(ERR_TS_VIDEO_FRAME, 'empty video payload');
  const info = inspectVideo(payload);
  if ((first & 0x80) === 0) {
    const codecId = first & 0x0f;
    if ((codecId !== VideoCodecId.Avc && codecId !== VideoCodecId.Hevc) || first >> 4 === VideoFrameType.Command) return undefined;
    // [FrameType|CodecID] [AVCPacketType] [CompositionTime SI24] [data]
    if (payload.length < 5) fail(ERR_TS_VIDEO_FRAME, 'truncated AVC/HEVC video tag header');
    const codec: VideoCodec = codecId === VideoCodecId.Avc ? 'avc' : 'hevc';
    if (payload[1] === 0) return { type: 'config', codec, body: payload.subarray(5) };
    if (payload[1] === 1) return { type: 'frame', codec, isKeyframe: info.isKeyframe, compositionTime: payload.readIntBE(2, 3), body: payload.subarray(5) };
    return undefined;
  }
  if ((info.codec !== 'avc' && info.codec !== 'hevc') || ((first >> 4) & 0x07) === VideoFrameType.Command) return undefined;
  // [IsExHeader|FrameType|PacketType] [FourCC] then, for CodedFrames only, CompositionTime SI24.
  const codec = info.codec;
  switch (first & 0x0f) {
    case ExVideoPacketType.SequenceStart:
      return { type: 'config', codec, body: payload.subarray(5) };
    case ExVideoPacketType.CodedFrames:
      if (payload.length < 8) fail(ERR_TS_VIDEO_FRAME, 'truncated Enhanced RTMP CodedFrames header');
      return { type: 'frame', codec, isKeyframe: info.isKeyframe, compositionTime: payload.readIntBE(5, 3), body: payload.subarray(8) };
    case ExVideoPacketType.CodedFramesX:
      return { type: 'frame', codec, isKeyframe: info.isKeyframe, compositionTime: 0, body: payload.subarray(5) };
    default:
      return undefined;
  }
}

/** The parts of an audio tag body the muxer needs (FLV v10.1 E.4.2.1; Enhanced RTMP ExAudioTagHeader). */
function readAudioTag(payload: Buffer): AudioTag | undefined {
  const first = payload[0];
  if (first === undefined) return fail(ERR_TS_AUDIO_FRAME, 'empty audio payload');
  switch (first >> 4) {
    case SoundFormat.Aac:
      // [SoundFormat|rate|size|type] [AACPacketType] [data]
      if (payload.length < 2) fail(ERR_TS_AUDIO_FRAME, 'truncated AAC audio tag header');
      if (payload[1] === 0) return { type: 'aac-config', body: payload.subarray(2) };
      return payload[1] === 1 ? { type: 'aac', body: payload.subarray(2) } : undefined;
    case SoundFormat.Mp3:
    case SoundFormat.Mp3At8kHz:
      return { type: 'mp3', body: payload.subarray(1) };
    case SoundFormat.ExHeader: {
      // [9|AudioPacketType] [FourCC] [data]: 0 SequenceStart, 1 CodedFrames.
      if (payload.length < 5) return undefined;
      const packetType = first & 0x0f;
      const fourCc = payload.readUInt32BE(1);
      if (fourCc === FOURCC_MP4A && packetType === 0) return { type: 'aac-config', body: payload.subarray(5) };
      if (fourCc === FOURCC_MP4A && packetType === 1) return { type: 'aac', body: payload.subarray(5) };
      if (fourCc === FOURCC_MP3 && packetType === 1) return { type: 'mp3', body: payload.subarray(5) };
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Next continuity counter per PID (13818-1 2.4.3.3: 4 bits, +1 per packet with payload). */
interface ContinuityCounters {
  pat: number;
  pmt: number;
  video: number;
  audio: number;
}

export class TsMuxer {
  private video: VideoConfig | undefined;
  private videoStreamType: number | undefined;
  private audioStreamType: number | undefined;
  private adts: AdtsConfig | undefined;
  private readonly counters: ContinuityCounters = { pat: 0, pmt: 0, video: 0, audio: 0 };
  private pmtVersion = 0;
  /** The stream list of the last PMT written or handed out; a different list needs a new version_number. */
  private publishedStreams: string | undefined;
  /** The codec set changed since the last PAT/PMT: write them before the next PES. */
  private tablesDue = false;
  private tablesAt: number | undefined;

  get hasAudio(): boolean {
    return this.audioStreamType !== undefined;
  }

  get hasVideo(): boolean {
    return this.videoStreamType !== undefined;
  }

  /**
   * One media packet to whole TS packets, possibly none: sequence headers
   * and metadata only update state; a video key frame (and a codec change,
   * and audio-only streams every second) is preceded by PAT and PMT.
   * Throws ProtocolError ERR_TS_* on a malformed record or frame; the muxer
   * state is unchanged then.
   */
  encode(packet: MediaPacket): Buffer {
    if (packet.kind === 'video') return this.encodeVideo(packet);
    if (packet.kind === 'audio') return this.encodeAudio(packet);
    return Buffer.alloc(0);
  }

  /**
   * PAT and PMT for the codecs known now, for a player joining a shared
   * output. They do not advance the continuity counters: each carries the
   * counter of the last PAT/PMT the shared output wrote (15 before the
   * first), so the shared output's next PAT/PMT follows it without a gap. A
   * repeated counter is harmless for PSI anyway: each section here fits one
   * packet with pointer_field 0, so a demuxer that doubts continuity
   * re-reads a complete section from the next packet, and version_number,
   * not the counter, tells it whether the table changed.
   */
  tables(): Buffer {
    return Buffer.concat([patPacket((this.counters.pat - 1) & 0x0f), this.pmt((this.counters.pmt - 1) & 0x0f)]);
  }

  /** PAT and PMT before the next PES, with the counters running on (a new HLS segment must open with them). */
  requestTables(): void {
    this.tablesDue = true;
  }

  private encodeVideo(packet: MediaPacket): Buffer {
    const tag = readVideoTag(packet.payload);
    if (tag === undefined) return Buffer.alloc(0);
    const streamType = tag.codec === 'avc' ? StreamType.H264 : StreamType.Hevc;
    if (tag.type === 'config') {
      this.video = tag.codec === 'avc' ? parseAvcConfig(tag.body) : parseHevcConfig(tag.body);
      this.setVideoStream(streamType);
      return Buffer.alloc(0);
    }
    // A frame before (or of another codec than) the last record: 4-byte lengths, parameter sets in band if any.
    const config = this.video?.codec === tag.codec ? this.video : undefined;
    const nalus = splitNalus(tag.body, config?.lengthSize ?? 4);
    const dts = toClock90k(packet.timestamp);
    const pes = pesPackets(
      {
        pid: TsPid.Video,
        streamId: StreamId.Video,
        pts: toClock90k(packet.timestamp + tag.compositionTime),
        dts,
        pcr: dts,
        randomAccess: tag.isKeyframe,
        unboundedAllowed: true,
      },
      accessUnit(tag.codec, nalus, config?.parameterSets ?? [], tag.isKeyframe),
      this.counters.video,
    );
    this.counters.video = pes.nextContinuityCounter;
    this.setVideoStream(streamType);
    const tables = tag.isKeyframe || this.tablesDue ? this.writeTables(packet.timestamp) : Buffer.alloc(0);
    return Buffer.concat([tables, pes.bytes]);
  }

  private encodeAudio(packet: MediaPacket): Buffer {
    const tag = readAudioTag(packet.payload);
    if (tag === undefined) return Buffer.alloc(0);
    if (tag.type === 'aac-config') {
      this.adts = parseAdtsConfig(tag.body);
      this.setAudioStream(StreamType.Aac);
      return Buffer.alloc(0);
    }
    let payload: Buffer[];
    if (tag.type === 'aac') {
      // Without an AudioSpecificConfig there is no ADTS header to write: such frames cannot be played.
      if (this.adts === undefined) return Buffer.alloc(0);
      payload = [adtsHeader(this.adts, tag.body.length), tag.body];
    } else {
      if (tag.body.length === 0) fail(ERR_TS_AUDIO_FRAME, 'empty MP3 frame');
      payload = [tag.body];
    }
    const streamType = tag.type === 'aac' ? StreamType.Aac : StreamType.Mp3;
    const clock = toClock90k(packet.timestamp);
    const pcr = this.hasVideo ? undefined : clock;
    const pes = pesPackets(
      { pid: TsPid.Audio, streamId: StreamId.Audio, pts: clock, dts: clock, pcr, randomAccess: false, unboundedAllowed: false },
      payload,
      this.counters.audio,
    );
    this.counters.audio = pes.nextContinuityCounter;
    this.setAudioStream(streamType);
    const tables = this.tablesDue || (!this.hasVideo && this.audioOnlyTablesDue(packet.timestamp)) ? this.writeTables(packet.timestamp) : Buffer.alloc(0);
    return Buffer.concat([tables, pes.bytes]);
  }

  private audioOnlyTablesDue(timestamp: number): boolean {
    const last = this.tablesAt;
    return last === undefined || timestamp < last || timestamp - last >= AUDIO_ONLY_TABLES_INTERVAL_MS;
  }

  private setVideoStream(streamType: number): void {
    if (this.videoStreamType === streamType) return;
    this.videoStreamType = streamType;
    this.tablesDue = true;
  }

  private setAudioStream(streamType: number): void {
    if (this.audioStreamType === streamType) return;
    this.audioStreamType = streamType;
    this.tablesDue = true;
  }

  private writeTables(timestamp: number): Buffer {
    const bytes = Buffer.concat([patPacket(this.counters.pat), this.pmt(this.counters.pmt)]);
    this.counters.pat = (this.counters.pat + 1) & 0x0f;
    this.counters.pmt = (this.counters.pmt + 1) & 0x0f;
    this.tablesDue = false;
    this.tablesAt = timestamp;
    return bytes;
  }

  /** The PMT for the streams known now: video first, as SRS and FFmpeg list them. */
  private pmt(continuityCounter: number): Buffer {
    const streams: PmtStream[] = [];
    if (this.videoStreamType !== undefined) streams.push({ streamType: this.videoStreamType, pid: TsPid.Video });
    if (this.audioStreamType !== undefined) streams.push({ streamType: this.audioStreamType, pid: TsPid.Audio });
    const key = streams.map((stream) => stream.streamType).join(',');
    if (this.publishedStreams !== undefined && this.publishedStreams !== key) this.pmtVersion = (this.pmtVersion + 1) & 0x1f;
    this.publishedStreams = key;
    const pcrPid = this.hasVideo ? TsPid.Video : this.hasAudio ? TsPid.Audio : NO_PCR_PID;
    return pmtPacket(continuityCounter, this.pmtVersion, pcrPid, streams);
  }
}
