import { hostname, machine, release, type as osType, version as osVersion } from 'node:os';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { Hub } from '../core/hub.js';
import type { ClientProtocol, NotifySink, SessionEvent } from '../hooks/events.js';
import type { HookCallOutcome, HookObserver } from '../hooks/sink-meter.js';
import { SrsSignature } from '../rtmp/constants.js';
import type { ClientRegistry } from '../session/client-registry.js';
import type { DeliverySpoolStats } from '../hooks/delivery.js';
import { registerSpoolMetrics } from './spool-metrics.js';

/**
 * `/metrics` (srs-wave2-spec §3): SRS's exporter names, labels and units, plus
 * what hook operators need and no peer exports (prefix `srs_ts_`): hook calls
 * by sink, event and outcome with a latency histogram, clients and streams by
 * protocol, bytes by protocol. One prom-client Registry per server (never the
 * global one). Gauges are read from the registry, hub and traffic ledger at
 * scrape time; the only work between scrapes is one counter increment per
 * session event and per hook call, none per media packet.
 */

/** Closes that are failures: SRS's srs_clients_errs_total also counts ordinary closes (#3364); ours does not. */
const ERROR_REASONS: ReadonlySet<string> = new Set(['error', 'timeout']);

/** Hook latency buckets, seconds: local callbacks answer in ms, a slow one near its 30 s timeout. */
const HOOK_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const PROTOCOLS: readonly ClientProtocol[] = ['rtmp', 'http-flv', 'http-ts', 'hls'];

export interface PrometheusExporterOptions {
  readonly getConfig: () => Config;
  readonly clients: ClientRegistry;
  readonly hub: Hub;
  readonly serverId: string;
  readonly serviceId: string;
  /** The hook spool's numbers, read at scrape time; undefined (or answering undefined) without a spool. */
  readonly spool?: (() => DeliverySpoolStats | undefined) | undefined;
}

/** What a scrape answers. */
export interface MetricsText {
  readonly contentType: string;
  readonly body: string;
}

export class PrometheusExporter implements NotifySink, HookObserver {
  readonly name = 'metrics';
  private readonly registry = new Registry();
  private readonly clientsTotal: Counter;
  private readonly clientErrorsTotal: Counter;
  private readonly hookCalls: Counter<'sink' | 'event' | 'outcome'>;
  private readonly hookSeconds: Histogram<'sink' | 'event'>;
  /** Bytes of clients already closed, by protocol; live clients are added at scrape time. */
  private readonly closedBytes = new Map<ClientProtocol, { send: number; recv: number }>();
  private readonly lastCpu = { atMs: Date.now(), usage: process.cpuUsage() };
  private snapshot: ClientSnapshot = { bytes: new Map(), byType: new Map(), typedClients: 0 };

  constructor(private readonly options: PrometheusExporterOptions) {
    const { registry } = this;
    const exporter = options.getConfig().exporter;
    new Gauge({
      name: 'srs_node_uname_info',
      help: 'Labeled system information as provided by the uname system call.',
      labelNames: ['sysname', 'nodename', 'release', 'version', 'machine'],
      registers: [registry],
      collect() {
        this.set({ sysname: osType(), nodename: hostname(), release: release(), version: osVersion(), machine: machine() }, 1);
      },
    });
    new Gauge({
      name: 'srs_build_info',
      help: "A metric with a constant '1' value labeled by build_date, version from which SRS was built.",
      labelNames: ['server', 'service', 'pid', 'major', 'version', 'code', 'label', 'tag'],
      registers: [registry],
      collect() {
        // label and tag are left out when empty, as SRS does; there is no configure-time build_date.
        const labels: Record<string, string> = {
          server: options.serverId,
          service: options.serviceId,
          pid: String(process.pid),
          major: SrsSignature.version.split('.')[0] ?? '',
          version: SrsSignature.version,
          code: 'Hang',
          ...(exporter.label === '' ? {} : { label: exporter.label }),
          ...(exporter.tag === '' ? {} : { tag: exporter.tag }),
        };
        this.set(labels, 1);
      },
    });
    const cpu = this.lastCpu;
    new Gauge({
      name: 'srs_cpu_percent',
      help: 'SRS cpu used percent.',
      registers: [registry],
      collect() {
        // Share of one core since the previous scrape (SRS samples /proc/self/stat the same way).
        const now = Date.now();
        const usage = process.cpuUsage();
        const wallMs = now - cpu.atMs;
        const usedMs = (usage.user - cpu.usage.user + usage.system - cpu.usage.system) / 1000;
        cpu.atMs = now;
        cpu.usage = usage;
        this.set(wallMs <= 0 ? 0 : Math.round((usedMs / wallMs) * 10_000) / 100);
      },
    });
    new Gauge({
      name: 'srs_memory',
      help: 'SRS memory used.',
      registers: [registry],
      collect() {
        // KiB, the unit SRS really reports (rss pages x 4), whatever its comment says (srs-wave2-spec §3).
        this.set(Math.round(process.memoryUsage.rss() / 1024));
      },
    });
    const bytes = (direction: 'send' | 'recv'): number => {
      let total = 0;
      for (const protocol of PROTOCOLS) total += this.snapshot.bytes.get(protocol)?.[direction] ?? 0;
      return total;
    };
    monotonic(registry, 'srs_send_bytes_total', 'SRS total sent bytes.', () => bytes('send'));
    monotonic(registry, 'srs_receive_bytes_total', 'SRS total received bytes.', () => bytes('recv'));
    new Gauge({
      name: 'srs_streams',
      help: 'The number of SRS concurrent streams.',
      registers: [registry],
      collect() {
        // As SRS: a name with viewers waiting for its publisher is a stream too.
        this.set([...options.hub.all()].length);
      },
    });
    const clients: Gauge = new Gauge({
      name: 'srs_clients',
      help: 'The number of SRS concurrent clients.',
      registers: [registry],
      collect: () => {
        // SRS counts the clients of its stats (publishers and players), not connections still handshaking.
        clients.set(this.snapshot.typedClients);
      },
    });
    this.clientsTotal = new Counter({ name: 'srs_clients_total', help: 'The total counts of SRS clients.', registers: [registry] });
    this.clientErrorsTotal = new Counter({
      name: 'srs_clients_errs_total',
      help: 'The total errors of SRS clients (closes for an error or a timeout; SRS counts every close).',
      registers: [registry],
    });

    const byType: Gauge<'protocol' | 'type'> = new Gauge({
      name: 'srs_ts_clients',
      help: 'Live clients by protocol and SRS client type (connections not yet publishing or playing have type none).',
      labelNames: ['protocol', 'type'],
      registers: [registry],
      collect: () => {
        byType.reset();
        for (const { protocol, type, n } of this.snapshot.byType.values()) byType.set({ protocol, type }, n);
      },
    });
    new Gauge({
      name: 'srs_ts_streams',
      help: 'Streams by state: publishing, or waiting for a publisher with viewers attached.',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        let publishing = 0;
        let waiting = 0;
        for (const stream of options.hub.all()) {
          if (stream.isActive) publishing += 1;
          else waiting += 1;
        }
        this.set({ state: 'publishing' }, publishing);
        this.set({ state: 'waiting' }, waiting);
      },
    });
    const reported = new Map<string, number>();
    const byProtocol: Counter<'protocol' | 'direction'> = new Counter({
      name: 'srs_ts_bytes_total',
      help: 'Bytes by client protocol and direction (send: to clients).',
      labelNames: ['protocol', 'direction'],
      registers: [registry],
      collect: () => {
        for (const protocol of PROTOCOLS) {
          const now = this.snapshot.bytes.get(protocol) ?? { send: 0, recv: 0 };
          for (const direction of ['send', 'recv'] as const) {
            const key = `${protocol} ${direction}`;
            const before = reported.get(key) ?? 0;
            byProtocol.inc({ protocol, direction }, Math.max(0, now[direction] - before));
            reported.set(key, Math.max(before, now[direction]));
          }
        }
      },
    });
    this.hookCalls = new Counter({
      name: 'srs_ts_hook_calls_total',
      help: 'Hook calls by sink, event and outcome (allowed, denied, delivered, failed, timeout, retried, dropped).',
      labelNames: ['sink', 'event', 'outcome'],
      registers: [registry],
    });
    this.hookSeconds = new Histogram({
      name: 'srs_ts_hook_duration_seconds',
      help: 'Time of each hook attempt (an HTTP POST, a script run), by sink and event.',
      labelNames: ['sink', 'event'],
      buckets: HOOK_BUCKETS,
      registers: [registry],
    });
    if (options.spool !== undefined && options.getConfig().hooks.spool !== undefined) registerSpoolMetrics(registry, options.spool);
  }

  /** Session events: client starts, error closes, and the final bytes of each client that leaves. */
  notify(event: SessionEvent): void {
    if (event.type === 'publish' || event.type === 'play') this.clientsTotal.inc();
    if (event.type !== 'close') return;
    if (event.reason !== undefined && ERROR_REASONS.has(event.reason)) this.clientErrorsTotal.inc();
    const closed = this.closedBytes.get(event.protocol) ?? { send: 0, recv: 0 };
    closed.send += event.sendBytes;
    closed.recv += event.recvBytes;
    this.closedBytes.set(event.protocol, closed);
  }

  hookOutcome(sink: string, event: string, outcome: HookCallOutcome): void {
    this.hookCalls.inc({ sink, event, outcome });
  }

  hookAttempt(sink: string, event: string, durationMs: number): void {
    this.hookSeconds.observe({ sink, event }, durationMs / 1000);
  }

  /** The exposition text, in Prometheus's text format (label values escaped). */
  async render(): Promise<MetricsText> {
    this.snapshot = this.takeSnapshot();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** One pass over the live clients per scrape; every collect reads this. */
  private takeSnapshot(): ClientSnapshot {
    const bytes = new Map<ClientProtocol, { send: number; recv: number }>();
    for (const [protocol, closed] of this.closedBytes) bytes.set(protocol, { ...closed });
    const byType = new Map<string, { protocol: string; type: string; n: number }>();
    let typedClients = 0;
    for (const client of this.options.clients.list()) {
      const live = client.bytes();
      const total = bytes.get(client.protocol) ?? { send: 0, recv: 0 };
      total.send += live.sendBytes;
      total.recv += live.recvBytes;
      bytes.set(client.protocol, total);
      if (client.type !== undefined) typedClients += 1;
      const type = client.type ?? 'none';
      const key = `${client.protocol} ${type}`;
      const entry = byType.get(key) ?? { protocol: client.protocol, type, n: 0 };
      entry.n += 1;
      byType.set(key, entry);
    }
    return { bytes, byType, typedClients };
  }
}

/** What one scrape read of the live clients. */
interface ClientSnapshot {
  readonly bytes: ReadonlyMap<ClientProtocol, { readonly send: number; readonly recv: number }>;
  readonly byType: ReadonlyMap<string, { readonly protocol: string; readonly type: string; readonly n: number }>;
  readonly typedClients: number;
}

/** A counter that reports a total read at scrape time (it only ever grows, so it is a counter, not a gauge). */
function monotonic(registry: Registry, name: string, help: string, read: () => number): void {
  let reported = 0;
  const counter: Counter = new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const total = read();
      if (total > reported) {
        counter.inc(total - reported);
        reported = total;
      }
    },
  });
}
