import { randomStatId } from '../core/ids.js';
import { hubStreamOf } from './stream-url.js';
import { Hub } from '../core/hub.js';
import type { Stream } from '../core/stream.js';
import type { ClientRegistry, RegisteredClient } from './client-registry.js';

/** SRS's kbps window: 30 s (SrsKbps::get_*_kbps_30s), sampled every `intervalMs`. */
const WINDOW_MS = 30_000;

/** kbps over the last 30 s from cumulative byte counts sampled over time. */
export class KbpsWindow {
  private readonly samples: { atMs: number; bytes: number }[] = [];

  constructor(private readonly maxSamples: number) {}

  sample(atMs: number, bytes: number): void {
    this.samples.push({ atMs, bytes });
    if (this.samples.length > this.maxSamples) this.samples.shift();
  }

  /** Bytes and ms between the two newest samples (lal's 5 s window when sampled every 5 s); zeros with fewer than two. */
  lastInterval(): { bytes: number; ms: number } {
    const newest = this.samples.at(-1);
    const before = this.samples.at(-2);
    if (newest === undefined || before === undefined) return { bytes: 0, ms: 0 };
    return { bytes: Math.max(0, newest.bytes - before.bytes), ms: newest.atMs - before.atMs };
  }

  /** Integer kbps between the oldest sample within 30 s and the newest; 0 with fewer than two. */
  kbps(): number {
    const newest = this.samples.at(-1);
    if (newest === undefined) return 0;
    const oldest = this.samples.find((s) => newest.atMs - s.atMs <= WINDOW_MS) ?? newest;
    const ms = newest.atMs - oldest.atMs;
    return ms <= 0 ? 0 : Math.round(((newest.bytes - oldest.bytes) * 8) / ms);
  }
}

/** Bytes and rates of one client, stream or vhost, as the API reports them. */
export interface Traffic {
  sendBytes: number;
  recvBytes: number;
  readonly send: KbpsWindow;
  readonly recv: KbpsWindow;
}

/** A vhost the server has seen a client of (SRS keeps them until restart). */
export interface SeenVhost {
  readonly id: string;
  readonly name: string;
  readonly traffic: Traffic;
}

/**
 * Traffic per client, stream and vhost for the HTTP API (SRS SrsStatistic):
 * each client's bytes since the last look are added to its stream and its
 * vhost, so a stream's and a vhost's counts outlive the clients that made
 * them, and every `intervalMs` the totals are sampled into 30 s kbps
 * windows. Ids of vhosts are `vid-` + 7 characters, stable while the server
 * runs.
 */
export class TrafficStats {
  private readonly clients = new WeakMap<RegisteredClient, Traffic>();
  private readonly streams = new WeakMap<Stream, Traffic>();
  private readonly vhosts = new Map<string, SeenVhost>();
  private readonly maxSamples: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: ClientRegistry,
    private readonly hub: Hub,
    private readonly intervalMs = 5_000,
  ) {
    this.maxSamples = Math.ceil(WINDOW_MS / intervalMs) + 1;
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(Date.now()), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Adds every live client's new bytes to its stream and vhost. Cheap: one pass over the registry. */
  refresh(): void {
    for (const client of this.registry.list()) {
      const traffic = this.ofClient(client);
      const { sendBytes, recvBytes } = client.bytes();
      const sent = Math.max(0, sendBytes - traffic.sendBytes);
      const received = Math.max(0, recvBytes - traffic.recvBytes);
      traffic.sendBytes = sendBytes;
      traffic.recvBytes = recvBytes;
      if (client.facts.vhost === '' || client.type === undefined) continue;
      const vhost = this.seenVhost(client.facts.vhost).traffic;
      vhost.sendBytes += sent;
      vhost.recvBytes += received;
      // An HLS viewer names `s.m3u8` but its bytes are those of stream `s`.
      const stream = this.hub.get(Hub.keyOf(client.facts.vhost, client.facts.app, hubStreamOf(client.facts)));
      if (stream === undefined) continue;
      const totals = this.ofStream(stream);
      totals.sendBytes += sent;
      totals.recvBytes += received;
    }
  }

  ofClient(client: RegisteredClient): Traffic {
    let traffic = this.clients.get(client);
    if (traffic === undefined) {
      traffic = this.newTraffic();
      this.clients.set(client, traffic);
    }
    return traffic;
  }

  ofStream(stream: Stream): Traffic {
    let traffic = this.streams.get(stream);
    if (traffic === undefined) {
      traffic = this.newTraffic();
      this.streams.set(stream, traffic);
    }
    return traffic;
  }

  /** The vhost entry, created the first time a client of it is seen. */
  seenVhost(name: string): SeenVhost {
    let vhost = this.vhosts.get(name);
    if (vhost === undefined) {
      vhost = { id: randomStatId(), name, traffic: this.newTraffic() };
      this.vhosts.set(name, vhost);
    }
    return vhost;
  }

  /** Every vhost seen since start, in the order first seen. */
  seenVhosts(): SeenVhost[] {
    return [...this.vhosts.values()];
  }

  private sample(nowMs: number): void {
    this.refresh();
    for (const client of this.registry.list()) {
      const traffic = this.ofClient(client);
      traffic.send.sample(nowMs, traffic.sendBytes);
      traffic.recv.sample(nowMs, traffic.recvBytes);
    }
    for (const stream of this.hub.all()) {
      const traffic = this.ofStream(stream);
      traffic.send.sample(nowMs, traffic.sendBytes);
      traffic.recv.sample(nowMs, traffic.recvBytes);
    }
    for (const vhost of this.vhosts.values()) {
      vhost.traffic.send.sample(nowMs, vhost.traffic.sendBytes);
      vhost.traffic.recv.sample(nowMs, vhost.traffic.recvBytes);
    }
  }

  private newTraffic(): Traffic {
    return { sendBytes: 0, recvBytes: 0, send: new KbpsWindow(this.maxSamples), recv: new KbpsWindow(this.maxSamples) };
  }
}
