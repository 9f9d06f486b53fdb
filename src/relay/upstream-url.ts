import { DEFAULT_VHOST, type OriginAddress } from '../config/schema.js';
import { parseRtmpUrl } from './rtmp-url.js';

/** The edge stream a pull is for, and what its first viewer asked with. */
export interface PullRequest {
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  /** The first viewer's query (`?token=...`), '' when none: later viewers' queries never go upstream (SRS). */
  readonly param: string;
  /** The first viewer's tcUrl; its host names the vhost upstream when the edge vhost is the default one. */
  readonly tcUrl: string;
}

/** What the edge's RTMP client connects with and plays. */
export interface UpstreamTarget {
  /** `rtmp://<origin>:<port>/<app>/<stream>[?<param>]`: where the socket goes and what it plays. */
  readonly url: string;
  /** connect's tcUrl: `rtmp://<vhost or origin host>[:port when not 1935]/<app>`. */
  readonly tcUrl: string;
  /** `host:port` of the upstream as the URL names it (logs; lal's relay `remote_addr`). */
  readonly remote: string;
  /** The upstream's host (no brackets) and port: the pull's peer in the registry. */
  readonly host: string;
  readonly port: number;
}

const RTMP_PORT = 1935;

/**
 * The upstream of an edge pull as SRS builds it (srs-wave2-spec §4.2,
 * srs_generate_rtmp_url): the vhost asked of the origin is `cluster.vhost`
 * with `[vhost]` filled in, unless that is the default vhost, in which case
 * the first viewer's tcUrl host is passed on when it is a name (not an IPv4
 * literal). The vhost goes in the tcUrl host; `vhost=` is dropped from the
 * played name's query so it is not asked twice.
 */
export function upstreamTarget(origin: OriginAddress, clusterVhost: string, request: PullRequest): UpstreamTarget {
  const vhost = upstreamVhost(clusterVhost.replaceAll('[vhost]', request.vhost), request.tcUrl);
  const host = origin.host.includes(':') ? `[${origin.host}]` : origin.host;
  const query = withoutVhost(request.param);
  const portPart = origin.port === RTMP_PORT ? '' : `:${origin.port}`;
  return {
    url: `rtmp://${host}:${origin.port}/${request.app}/${request.stream}${query}`,
    tcUrl: `rtmp://${vhost ?? host}${portPart}/${request.app}`,
    remote: `${host}:${origin.port}`,
    host: origin.host,
    port: origin.port,
  };
}

/** A lal relay pull's upstream: the URL as given (query included), connect's tcUrl as ffmpeg builds it. */
export function urlTarget(url: string): UpstreamTarget {
  const parsed = parseRtmpUrl(url);
  const host = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  return { url, tcUrl: parsed.tcUrl, remote: `${host}:${parsed.port}`, host: parsed.host, port: parsed.port };
}

function upstreamVhost(configured: string, tcUrl: string): string | undefined {
  if (configured !== '' && configured !== DEFAULT_VHOST) return configured;
  const host = /^rtmps?:\/\/([^/:?]+)/i.exec(tcUrl)?.[1];
  if (host === undefined || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host === DEFAULT_VHOST) return undefined;
  return host;
}

/** `?a=1&vhost=x&b=2` -> `?a=1&b=2`, every other byte kept as the viewer sent it (a token must reach the origin intact). */
function withoutVhost(param: string): string {
  const parts = (param.startsWith('?') ? param.slice(1) : param).split('&');
  const kept = parts.filter((part) => {
    const name = part.split('=', 1)[0];
    return part !== '' && name !== 'vhost' && name !== 'domain';
  });
  return kept.length === 0 ? '' : `?${kept.join('&')}`;
}
