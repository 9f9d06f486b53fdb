import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeliverySpoolStats } from '../hooks/delivery.js';

/**
 * The spool's numbers on `/metrics` (README "Durable spool"): read at
 * scrape time, nothing between scrapes. Nothing is exported without
 * `hooks { spool DIR; }`. Counters follow the spool's own totals (the
 * increment since the last scrape), so they only ever go up.
 */
export function registerSpoolMetrics(registry: Registry, read: () => DeliverySpoolStats | undefined): void {
  const gauge = (name: string, help: string, value: (stats: DeliverySpoolStats) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const stats = read();
        if (stats !== undefined) this.set(value(stats));
      },
    });
  };
  gauge('srs_ts_hook_spool_bytes', 'Bytes of the spool segment files, including what waits to be synced.', (s) => s.bytes);
  gauge('srs_ts_hook_spool_pending', 'Notifications in the spool not yet delivered, failed or expired.', (s) => s.pending);
  gauge('srs_ts_hook_spool_segments', 'Segment files of the spool.', (s) => s.segments);
  gauge('srs_ts_hook_spool_available', '1 when the spool directory is in use, 0 when notifications go out without it.', (s) => (s.available ? 1 : 0));
  gauge('srs_ts_hook_spool_corrupt_records', 'Unreadable records set aside in corrupt/ when the spool was opened.', (s) => s.corrupt);
  const reported = new Map<string, number>();
  const counter = (name: string, help: string, labels: readonly string[], values: (stats: DeliverySpoolStats) => ReadonlyArray<readonly [Record<string, string>, number]>): void => {
    new Counter({
      name,
      help,
      labelNames: labels,
      registers: [registry],
      collect() {
        const stats = read();
        if (stats === undefined) return;
        for (const [labelSet, total] of values(stats)) {
          const key = `${name}${JSON.stringify(labelSet)}`;
          const before = reported.get(key) ?? 0;
          this.inc(labelSet, Math.max(0, total - before));
          reported.set(key, Math.max(before, total));
        }
      },
    });
  };
  counter('srs_ts_hook_spool_not_spooled_total', 'Notifications not written to the spool (full: the newest is refused; unavailable: directory unusable), sent from memory only.', ['reason'], (s) => [
    [{ reason: 'full' }, s.notSpooled.full],
    [{ reason: 'unavailable' }, s.notSpooled.unavailable],
  ]);
  counter('srs_ts_hook_spool_expired_total', 'Spooled notifications given up after spool_max_age.', [], (s) => [[{}, s.expired]]);
  counter('srs_ts_hook_spool_write_errors_total', 'Failed spool writes (a full or read-only disk).', [], (s) => [[{}, s.writeErrors]]);
}
