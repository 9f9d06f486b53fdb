import { DEFAULT_VHOST } from '../config/schema.js';

/**
 * srs_generate_stream_url: `/app/stream` for `__defaultVhost__`, else
 * `vhost/app/stream`; the stream's extension (from its last '.') is dropped,
 * so `live.flv` and `live.m3u8` are one stream (and `cam.1` is `cam`, as SRS).
 */
export function generateStreamUrl(vhost: string, app: string, stream: string): string {
  const dot = stream.lastIndexOf('.');
  const name = dot === -1 ? stream : stream.slice(0, dot);
  return `${vhost === DEFAULT_VHOST ? '' : vhost}/${app}/${name}`;
}

/** The hub's name of a client's stream: an HLS viewer names `s.m3u8` but watches `s` (its stream_url says which). */
export function hubStreamOf(f: { readonly protocol: string; readonly vhost: string; readonly app: string; readonly stream: string; readonly streamUrl: string }): string {
  if (f.protocol !== 'hls') return f.stream;
  const prefix = `${f.vhost === DEFAULT_VHOST ? '' : f.vhost}/${f.app}/`;
  return f.streamUrl.startsWith(prefix) ? f.streamUrl.slice(prefix.length) : f.stream;
}
