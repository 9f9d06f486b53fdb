import type { Stream } from '../../../core/stream.js';
import { parseAudioConfig, parseVideoConfig } from '../../../media/codec-info.js';
import type { RegisteredClient } from '../../../session/client-registry.js';
import type { SeenVhost, Traffic, TrafficStats } from '../../../session/traffic-stats.js';
import { Decimal, type SrsJson } from './srs-json-text.js';

/**
 * The objects of SRS's /api/v1/vhosts, streams and clients, field for field
 * and in SRS's order (srs-wave2-spec §5.3, srs_app_statistic.cpp dumps).
 */

function kbps(traffic: Traffic): SrsJson {
  return { recv_30s: traffic.recv.kbps(), send_30s: traffic.send.kbps() };
}

/** The vhost's HLS as SRS dumps it: `{"enabled":true,"fragment":10.00}`, or just `enabled: false`. */
export interface VhostHlsView {
  readonly enabled: boolean;
  readonly fragmentSec: number;
}

export function vhostView(vhost: SeenVhost, enabled: boolean, hls: VhostHlsView | undefined, clients: number, streams: number): SrsJson {
  return {
    id: vhost.id,
    name: vhost.name,
    enabled,
    clients,
    streams,
    send_bytes: vhost.traffic.sendBytes,
    recv_bytes: vhost.traffic.recvBytes,
    kbps: kbps(vhost.traffic),
    hls: hls?.enabled === true ? { enabled: true, fragment: new Decimal(hls.fragmentSec) } : { enabled: false },
  };
}

/** What a stream's entry needs besides the stream. */
export interface StreamViewFacts {
  readonly vhostId: string;
  /** The first client of the stream (the publisher when there is one): name, tcUrl, url. */
  readonly first: RegisteredClient | undefined;
  readonly clients: number;
}

export function streamView(stream: Stream, facts: StreamViewFacts, stats: TrafficStats): SrsJson {
  const traffic = stats.ofStream(stream);
  const first = facts.first?.facts;
  return {
    id: stream.statId,
    name: first?.stream ?? '',
    vhost: facts.vhostId,
    app: first?.app ?? '',
    tcUrl: first?.tcUrl ?? '',
    url: first?.streamUrl ?? '',
    live_ms: Date.now(),
    clients: facts.clients,
    frames: stream.counters.frames,
    send_bytes: traffic.sendBytes,
    recv_bytes: traffic.recvBytes,
    kbps: kbps(traffic),
    publish: stream.lastPublisherId === undefined ? { active: stream.isActive } : { active: stream.isActive, cid: stream.lastPublisherId },
    video: videoView(stream),
    audio: audioView(stream),
  };
}

const VIDEO_CODEC = { avc: 'H264', hevc: 'H265' } as const;

function videoView(stream: Stream): SrsJson {
  const header = stream.sequenceHeaders.video;
  const info = header === undefined ? undefined : safely(() => parseVideoConfig(header.payload));
  if (info === undefined) return null;
  return { codec: VIDEO_CODEC[info.codec], profile: info.profileName, level: info.levelName, width: info.width, height: info.height };
}

function audioView(stream: Stream): SrsJson {
  const header = stream.sequenceHeaders.audio;
  const info = header === undefined ? undefined : safely(() => parseAudioConfig(header.payload));
  if (info === undefined) return null;
  return { codec: 'AAC', sample_rate: info.sampleRate, channel: info.channels, profile: info.objectName };
}

/** A malformed sequence header is the publisher's problem, not the API's: no codec shown. */
function safely<T>(parse: () => T | undefined): T | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

/** HTTP viewers' `name` keeps the extension, as SRS's (srs-wave2-spec §1.6); an HLS viewer's stream is already `s.m3u8`. */
const NAME_SUFFIX = { rtmp: '', 'http-flv': '.flv', 'http-ts': '.ts', hls: '' } as const;

export function clientView(client: RegisteredClient, vhostId: string, streamId: string, stats: TrafficStats): SrsJson {
  const f = client.facts;
  const traffic = stats.ofClient(client);
  const type = client.type ?? 'Unknown';
  return {
    id: client.id,
    vhost: vhostId,
    stream: streamId,
    ip: f.ip,
    pageUrl: f.pageUrl,
    swfUrl: '',
    tcUrl: f.tcUrl,
    url: f.streamUrl,
    name: `${f.stream}${NAME_SUFFIX[client.protocol]}`,
    type,
    publish: type.endsWith('-publish'),
    alive: new Decimal((Date.now() - client.startedAtMs) / 1000),
    send_bytes: traffic.sendBytes,
    recv_bytes: traffic.recvBytes,
    kbps: kbps(traffic),
  };
}
