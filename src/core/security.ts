import type { SecurityConfig } from '../config/schema.js';

/**
 * SRS vhost `security` (srs_app_security.cpp): disabled → allow; a matching
 * `deny` rejects; else a matching `allow` passes; else reject when there is
 * any `allow` rule for the method or no rule at all; only-deny rules with no
 * match allow. Returns the reason when refused.
 */
export function checkSecurity(security: SecurityConfig, method: 'publish' | 'play', ip: string): string | undefined {
  if (!security.enabled) return undefined;
  const rules = security.rules.filter((rule) => rule.method === method);
  if (rules.some((rule) => rule.action === 'deny' && ipMatches(rule.target, ip))) return `security: ${method} denied for ${ip}`;
  if (rules.some((rule) => rule.action === 'allow' && ipMatches(rule.target, ip))) return undefined;
  if (rules.length === 0 || rules.some((rule) => rule.action === 'allow')) return `security: ${method} not allowed for ${ip}`;
  return undefined;
}

/** True when `ip` is `target`: `all`, an exact IP, or an IPv4 CIDR. */
export function ipMatches(target: string, ip: string): boolean {
  if (target === 'all') return true;
  const bare = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (!target.includes('/')) return target === ip || target === bare;
  const [network, bitsText] = target.split('/');
  const bits = Number(bitsText);
  if (network === undefined || !isIpv4(network) || !isIpv4(bare) || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ipv4ToInt(network) & mask) >>> 0) === ((ipv4ToInt(bare) & mask) >>> 0);
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

function isIpv4(text: string): boolean {
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(text) && text.split('.').every((part) => Number(part) <= 255);
}
