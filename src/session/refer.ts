import type { ReferConfig } from '../config/schema.js';

/**
 * SRS vhost `refer` (srs_app_refer.cpp): with refer enabled, the pageUrl's
 * host must end with one of the listed domains; a list that is absent
 * (empty here) allows everything. `all` applies to publish and play, then
 * `publish` / `play` to each. Returns the reason when refused.
 */
export function checkRefer(refer: ReferConfig, method: 'publish' | 'play', pageUrl: string): string | undefined {
  if (!refer.enabled) return undefined;
  if (!matchesAny(pageUrl, refer.all)) return `refer: ${pageUrl === '' ? 'empty pageUrl' : `pageUrl ${pageUrl}`} not allowed`;
  if (!matchesAny(pageUrl, method === 'publish' ? refer.publish : refer.play)) {
    return `refer: ${pageUrl === '' ? 'empty pageUrl' : `pageUrl ${pageUrl}`} not allowed to ${method}`;
  }
  return undefined;
}

function matchesAny(pageUrl: string, domains: readonly string[]): boolean {
  if (domains.length === 0) return true;
  const host = hostOf(pageUrl);
  // SRS check_single_refer: the domain must be a suffix of the host ("primary domain" match).
  return domains.some((domain) => domain !== '' && host.endsWith(domain));
}

/** `http://a.com:8080/x` -> `a.com`, as SRS cuts it: after `://`, before `/`, before `:`. */
function hostOf(pageUrl: string): string {
  let host = pageUrl;
  const scheme = host.indexOf('://');
  if (scheme >= 0) host = host.slice(scheme + 3);
  const slash = host.indexOf('/');
  if (slash >= 0) host = host.slice(0, slash);
  const colon = host.indexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  return host;
}
