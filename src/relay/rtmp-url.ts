import { UsageError } from '../errors.js';

/** Where an RTMP client connects and what it asks for. */
export interface RtmpUrl {
  host: string;
  port: number;
  /** Path up to the last '/', e.g. `live` or `live?vhost=v` or `a/b`. */
  app: string;
  /** The rest, query included, e.g. `livestream?token=x`. */
  streamName: string;
  /** `rtmp://host:port/app`, what ffmpeg puts in connect's tcUrl. */
  tcUrl: string;
}

/** The IANA-registered RTMP port. */
export const RTMP_DEFAULT_PORT = 1935;

/**
 * Splits `rtmp://host[:port]/app[...]/stream[?query]` like ffmpeg: app is the
 * path up to the last '/', the stream is the rest with its query. A '/'
 * inside the stream's query does not count when app and stream are already
 * separated before the '?' (so `live/s?t=a/b` is app `live`, stream `s?t=a/b`,
 * while `live?vhost=v/s` is app `live?vhost=v`, stream `s`).
 */
export function parseRtmpUrl(url: string): RtmpUrl {
  const match = /^rtmp:\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?(\/.*)?$/i.exec(url);
  if (match === null) throw new UsageError(`not an rtmp:// URL: ${url}`);
  const hostPart = match[1] as string;
  const host = hostPart.startsWith('[') ? hostPart.slice(1, -1) : hostPart;
  const port = match[2] === undefined ? RTMP_DEFAULT_PORT : Number(match[2]);
  if (!(port > 0 && port < 65536)) throw new UsageError(`bad port in ${url}`);
  const path = (match[3] ?? '/').slice(1);
  const query = path.indexOf('?');
  const beforeQuery = query < 0 ? path : path.slice(0, query);
  const slash = query >= 0 && beforeQuery.includes('/') ? beforeQuery.lastIndexOf('/') : path.lastIndexOf('/');
  if (slash < 0) throw new UsageError(`no app/stream in ${url}`);
  const app = path.slice(0, slash);
  const streamName = path.slice(slash + 1);
  const tcUrl = `rtmp://${hostPart}:${port}/${app}`;
  return { host, port, app, streamName, tcUrl };
}
