import { DEFAULT_VHOST, findVhost, type Config, type VhostConfig } from '../../config/schema.js';

/** The live stream an HTTP path names through a vhost's `http_remux` mount. */
export interface MountMatch {
  readonly vhost: VhostConfig;
  readonly app: string;
  readonly stream: string;
  readonly extension: '.flv' | '.ts';
}

/** Extensions we serve live; `.aac`/`.mp3` mounts are warned at start (not served yet). */
const LIVE_EXTENSIONS: ReadonlySet<string> = new Set(['.flv', '.ts']);

/**
 * SRS `SrsHttpStreamServer::hijack` (srs-wave2-spec §1.3), pure: the vhost
 * from `host` (query `vhost=`, else `domain=`, else the Host header, with the
 * default vhost as fallback), its `http_remux.mount` with `[vhost]` filled in
 * (a host-scoped `vhost/...` mount is matched once the host picked the
 * vhost), the extension equal, as many `/` as the template, then `[app]` and
 * `[stream]` read from the path. Undefined: not a live stream path.
 */
export function matchStreamMount(config: Config, host: string, pathname: string): MountMatch | undefined {
  const dot = pathname.lastIndexOf('.');
  if (dot <= pathname.lastIndexOf('/')) return undefined;
  const extension = pathname.slice(dot);
  if (!LIVE_EXTENSIONS.has(extension)) return undefined;
  const vhost = findVhost(config, host);
  if (vhost === undefined || !vhost.enabled || !vhost.httpRemux.enabled) return undefined;
  const template = mountPath(vhost.httpRemux.mount, vhost.name);
  if (!template.endsWith(extension) || slashes(template) !== slashes(pathname)) return undefined;
  const names: Record<string, string> = {};
  const tParts = template.slice(0, -extension.length).split('/');
  const pParts = pathname.slice(0, dot).split('/');
  for (let i = 0; i < tParts.length; i++) {
    const t = tParts[i] as string;
    const p = pParts[i] as string;
    const placeholder = /^\[(app|stream)\]$/.exec(t);
    if (placeholder !== null) {
      if (p === '') return undefined;
      names[placeholder[1] as string] = p;
    } else if (t !== p) return undefined;
  }
  if (names['stream'] === undefined) return undefined;
  return { vhost, app: names['app'] ?? '', stream: names['stream'], extension: extension as MountMatch['extension'] };
}

/**
 * The path a player requests for a stream through the vhost's mount, and the
 * `?vhost=` that picks the vhost when it is not the default (the inverse of
 * matchStreamMount); undefined when the vhost serves no live HTTP.
 */
export function streamPlayPath(vhost: VhostConfig, app: string, stream: string): string | undefined {
  if (!vhost.enabled || !vhost.httpRemux.enabled) return undefined;
  const path = mountPath(vhost.httpRemux.mount, vhost.name).replaceAll('[app]', encodeURIComponent(app)).replaceAll('[stream]', encodeURIComponent(stream));
  return vhost.name === DEFAULT_VHOST ? path : `${path}?vhost=${encodeURIComponent(vhost.name)}`;
}

/** `[vhost]/[app]/[stream].flv` -> `/[app]/[stream].flv`: the vhost is already chosen by the host. */
function mountPath(template: string, vhostName: string): string {
  const filled = template.replaceAll('[vhost]', vhostName);
  const scoped = filled.startsWith(`${vhostName}/`) ? filled.slice(vhostName.length) : filled;
  return scoped.startsWith('/') ? scoped : `/${scoped}`;
}

function slashes(path: string): number {
  let count = 0;
  for (const char of path) if (char === '/') count++;
  return count;
}

/** SRS `SrsHttpMessage::host()`: `?vhost=`, else `?domain=`, else the Host header without its port. */
export function requestedHost(query: URLSearchParams, hostHeader: string | undefined): string {
  const fromQuery = query.get('vhost') ?? query.get('domain');
  if (fromQuery !== null && fromQuery !== '') return fromQuery;
  const host = hostHeader ?? '';
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
