/** `::ffff:127.0.0.1` → `127.0.0.1`, as SRS reports IPv4 peers. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
