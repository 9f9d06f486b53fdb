import type { IncomingHttpHeaders } from 'node:http';
import { ipMatches } from '../../core/security.js';

/**
 * The viewer's address for hooks, logs and security. SRS takes the first
 * `X-Forwarded-For` item, else `X-Real-IP`, from anyone
 * (srs_protocol_utility.cpp srs_get_original_ip, srs-wave2-spec §6.3); we
 * believe them only from a peer the operator lists in
 * `http_server.trusted_proxies`, else the socket peer stands.
 */
export function clientIp(peer: string, headers: IncomingHttpHeaders, trustedProxies: readonly string[]): string {
  if (trustedProxies.length === 0 || !trustedProxies.some((proxy) => ipMatches(proxy, peer))) return peer;
  const forwarded = headerText(headers['x-forwarded-for']);
  const first = forwarded?.split(',')[0]?.trim();
  if (first !== undefined && first !== '') return first;
  const real = headerText(headers['x-real-ip'])?.trim();
  if (real !== undefined && real !== '') return stripPort(real);
  return peer;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `1.2.3.4:5678` -> `1.2.3.4` (IPv6 left alone unless bracketed). */
function stripPort(address: string): string {
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']'));
  return address.split(':').length === 2 ? (address.split(':')[0] as string) : address;
}
