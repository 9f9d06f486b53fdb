/**
 * The lal on_update tick in a process of its own (forked with our server's
 * node flags): the real Hub, ClientRegistry, TrafficStats, StreamGroups and
 * Client lifecycle of src/, `sessions` clients admitted through
 * Client.admit as an RTMP or HTTP-FLV adapter would, over `streams`
 * published streams. Only the sockets are fake: each client's byte counters
 * advance by a bitrate, and a viewer's player takes packets and drops them.
 * Each measured tick is what the update ticker does once a second with
 * on_update on: StreamGroups.snapshot(), lal's UpdateInfo (updateBody),
 * JSON.stringify, timed with process.cpuUsage() (every thread, GC too).
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { Hub } from '../../src/core/hub.js';
import type { ClientProtocol } from '../../src/hooks/events.js';
import { HookDispatcher } from '../../src/hooks/dispatcher.js';
import { updateBody } from '../../src/hooks/lal/lal-body.js';
import type { MediaPacket } from '../../src/media/packet.js';
import { Client, type Lease, type LeasePlayer, type LifecycleContext } from '../../src/session/client.js';
import { ClientRegistry } from '../../src/session/client-registry.js';
import { StreamGroups } from '../../src/session/stream-groups.js';
import { TrafficStats } from '../../src/session/traffic-stats.js';
import type { LalTickJob, LalTickResult } from './lal-cascade-results.js';
import { serveSideJob } from './side-job.js';
import { loadStreamFixture } from './stream-fixture.js';

/** A viewer's socket side: takes what the stream pushes and drops it. */
class NullPlayer implements LeasePlayer {
  readonly followsBatch = false;
  sentPackets = 0;
  dropped = 0;
  push(): void {
    this.sentPackets += 1;
  }
  flush(): void {}
  publisherLeft(): void {}
  publisherArrived(): void {}
}

/** A fake socket's counters: `bytesPerSecond` out (viewer) or in (publisher), advanced by the job. */
interface FakeWire {
  sendBytes: number;
  recvBytes: number;
  readonly role: 'publish' | 'play';
}

/** The stream's bitrate, about what the bench stream sends (2.6 Mbit/s). */
const BYTES_PER_SECOND = 330_000;
/** TrafficStats' sampling period while the windows fill: short, so the job need not wait 5 s. */
const SAMPLE_INTERVAL_MS = 50;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runLalTick(job: LalTickJob): Promise<LalTickResult> {
  // The embedded default config (one default vhost, SRS defaults), no SRS_* variables.
  const { config } = loadConfig({ envOnly: true, env: {} });
  const logger = pino({ level: 'silent' });
  const hub = new Hub();
  const registry = new ClientRegistry();
  const hooks = new HookDispatcher([], [], logger);
  const ctx: LifecycleContext = { getConfig: () => config, hub, hooks, registry, logger };
  const traffic = new TrafficStats(registry, hub, SAMPLE_INTERVAL_MS);
  const groups = new StreamGroups(registry, hub, traffic);
  const wires: FakeWire[] = [];
  const configTags = loadStreamFixture(job.streamFile).tags.filter((tag) => tag.isConfig);
  let connections = 0;

  const open = (protocol: ClientProtocol, role: FakeWire['role']): Client => {
    connections += 1;
    const wire: FakeWire = { sendBytes: 0, recvBytes: 0, role };
    wires.push(wire);
    const id = registry.newId();
    const client = new Client(
      ctx,
      {
        protocol,
        connId: `c${String(connections).padStart(6, '0')}`,
        ip: '127.0.0.1',
        port: 40_000 + connections,
        serverIp: '127.0.0.1',
        serverPort: 1935,
        bytes: () => ({ sendBytes: wire.sendBytes, recvBytes: wire.recvBytes }),
        closeWire: () => undefined,
      },
      id,
    );
    // The constructor registers the client, as every adapter's does.
    client.accept();
    if (protocol === 'rtmp') client.setConnectInfo({ vhost: '127.0.0.1', app: 'live', param: '', tcUrl: 'rtmp://127.0.0.1:1935/live', pageUrl: '' });
    return client;
  };

  const leases: Lease[] = [];
  for (let s = 0; s < job.streams; s += 1) {
    const stream = `bench${s}`;
    const admission = await open('rtmp', 'publish').admit(
      { kind: 'publish', clientType: 'fmle-publish', publishType: 'live', started: () => undefined },
      { vhost: '127.0.0.1', app: 'live', stream, param: '' },
    );
    if (!admission.ok) throw new Error(`publish ${stream} refused: ${admission.refusal.description}`);
    leases.push(admission.lease);
    // Metadata and sequence headers: what the snapshot reads the codecs and picture size from.
    for (const tag of configTags) {
      const packet: MediaPacket = {
        kind: tag.kind,
        timestamp: 0,
        payload: tag.payload,
        isKeyframe: false,
        isSequenceHeader: tag.kind !== 'data',
        isMetadata: tag.kind === 'data',
      };
      admission.lease.publish(packet);
    }
  }
  const viewers = job.sessions - job.streams;
  for (let v = 0; v < viewers; v += 1) {
    // Half RTMP, half HTTP-FLV, so the subs of a group are sorted as lal sorts them.
    const protocol: ClientProtocol = v % 2 === 0 ? 'rtmp' : 'http-flv';
    const stream = `bench${v % job.streams}`;
    const admission = await open(protocol, 'play').admit(
      { kind: 'play', clientType: protocol === 'rtmp' ? 'rtmp-play' : 'flv-play', createPlayer: () => new NullPlayer() },
      { vhost: '127.0.0.1', app: 'live', stream, param: '', tcUrl: 'rtmp://127.0.0.1/live' },
    );
    if (!admission.ok) throw new Error(`play ${stream} refused: ${admission.refusal.description}`);
    leases.push(admission.lease);
  }
  if (registry.size !== job.sessions) throw new Error(`${registry.size} clients registered, expected ${job.sessions}`);

  // The wires move, and TrafficStats samples them, so every snapshot has a non-empty last interval (bitrates).
  let wallStartMs = performance.now();
  const advance = (): void => {
    const now = performance.now();
    const bytes = Math.round(((now - wallStartMs) / 1000) * BYTES_PER_SECOND);
    wallStartMs = now;
    for (const wire of wires) {
      if (wire.role === 'play') wire.sendBytes += bytes;
      else wire.recvBytes += bytes;
    }
  };
  traffic.start();
  for (let i = 0; i < 4; i += 1) {
    await delay(SAMPLE_INTERVAL_MS);
    advance();
  }
  await delay(SAMPLE_INTERVAL_MS);
  traffic.stop();

  const serverId = '1';
  let bodyBytes = 0;
  let groupsInBody = 0;
  let subs = 0;
  const tickCpuMs: number[] = [];
  const tickWallMs: number[] = [];
  for (let tick = 0; tick < job.warmupTicks + job.ticks; tick += 1) {
    // The counters move between ticks as the sockets would (not timed: that is the sockets' work).
    advance();
    const cpuAtStart = process.cpuUsage();
    const wallAtStart = performance.now();
    const streams = groups.snapshot();
    const body = JSON.stringify(updateBody(serverId, streams));
    const wallMs = performance.now() - wallAtStart;
    const cpu = process.cpuUsage(cpuAtStart);
    bodyBytes = Buffer.byteLength(body);
    groupsInBody = streams.length;
    subs = streams.reduce((sum, stream) => sum + stream.players.length, 0);
    if (tick >= job.warmupTicks) {
      tickCpuMs.push((cpu.user + cpu.system) / 1000);
      tickWallMs.push(wallMs);
    }
  }
  for (const lease of leases) lease.end();
  return { type: 'lal-tick', sessions: job.sessions, streams: job.streams, tickCpuMs, tickWallMs, bodyBytes, groups: groupsInBody, subs };
}

serveSideJob(runLalTick);
