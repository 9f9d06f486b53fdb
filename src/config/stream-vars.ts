/** What `[vhost] [app] [stream]` stand for in a config template. */
export interface StreamNames {
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
}

/** `hls_m3u8_file` `[app]/[stream].m3u8` -> `live/s.m3u8`: the stream variables of SRS's templates. Pure. */
export function expandStreamVars(template: string, names: StreamNames): string {
  return template.replaceAll('[vhost]', names.vhost).replaceAll('[app]', names.app).replaceAll('[stream]', names.stream);
}
