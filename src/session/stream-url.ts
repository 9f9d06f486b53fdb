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
