import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { httpViewer, publishArgs, runFfmpeg, stopProcess, waitFor, type FfmpegRun, type HttpViewer } from './harness.js';

/**
 * A real cluster: two origins and two edges, each a separate server process
 * (`node dist/src/cli.js -c <conf>`, as operators run it) in a network
 * namespace of its own, joined by veth pairs on a bridge of a private
 * subnet this test creates and deletes. When namespaces cannot be made (not
 * root, no `ip`), the same four processes run on loopback ports and the
 * test says so.
 */

const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

interface Node {
  readonly name: string;
  readonly host: string;
  readonly rtmpPort: number;
  readonly httpPort: number;
  readonly apiPort: number;
  /** The namespace, when namespaces are used. */
  readonly netns: string | undefined;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes the namespaces, or undefined (with the reason) when this machine cannot. */
function makeNetwork(tag: string, subnet: string, count: number): { hosts: string[]; namespaces: string[]; bridge: string } | string {
  const bridge = `srsbr${tag}`;
  const namespaces: string[] = [];
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    const hosts: string[] = [];
    for (let i = 0; i < count; i++) {
      const ns = `srsts-${tag}-${i}`;
      const inside = `srv${i}${tag}`;
      const outside = `srp${i}${tag}`;
      ip('netns', 'add', ns);
      namespaces.push(ns);
      ip('link', 'add', inside, 'type', 'veth', 'peer', 'name', outside);
      ip('link', 'set', outside, 'master', bridge, 'up');
      ip('link', 'set', inside, 'netns', ns);
      ip('-n', ns, 'addr', 'add', `${subnet}.${i + 2}/24`, 'dev', inside);
      ip('-n', ns, 'link', 'set', inside, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      hosts.push(`${subnet}.${i + 2}`);
    }
    return { hosts, namespaces, bridge };
  } catch (error) {
    removeNetwork(namespaces, bridge);
    return `network namespaces unavailable (${(error as { stderr?: Buffer }).stderr?.toString().trim() || String(error)})`;
  }
}

function removeNetwork(namespaces: readonly string[], bridge: string): void {
  for (const ns of namespaces) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // Already gone.
    }
  }
  try {
    ip('link', 'del', bridge);
  } catch {
    // Never made.
  }
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitReachable(host: string, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await reachable(host, port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${host}:${port} never listened`);
}

describe('a cluster of separate processes: two origins, two edges', () => {
  const tag = String(process.pid % 100_000);
  const subnet = `10.213.${process.pid % 250}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'srs-cluster-'));
  const processes: ChildProcess[] = [];
  const publishers: FfmpegRun[] = [];
  const viewers: HttpViewer[] = [];
  const clients: RtmpClient[] = [];
  let network: { namespaces: string[]; bridge: string } | undefined;
  let nodes: Node[] = [];

  function start(node: Node, config: string): ChildProcess {
    const file = path.join(dir, `${node.name}.conf`);
    writeFileSync(file, config);
    const log = path.join(dir, `${node.name}.log`);
    const command = node.netns === undefined ? [process.execPath, CLI, '-c', file] : ['ip', 'netns', 'exec', node.netns, process.execPath, CLI, '-c', file];
    // `ip netns exec` execs the server in place, so its PID is the server's.
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, SRS_SRS_LOG_FILE: log } });
    processes.push(child);
    return child;
  }

  const origins = (): string => `${nodes[0]!.host}:${nodes[0]!.rtmpPort} ${nodes[1]!.host}:${nodes[1]!.rtmpPort}`;
  const serverConfig = (node: Node, vhost: string): string =>
    `listen ${node.host}:${node.rtmpPort}; daemon off; srs_log_tank file; srs_log_level info;
     http_api { enabled on; listen ${node.host}:${node.apiPort}; }
     http_server { enabled on; listen ${node.host}:${node.httpPort}; dir ${dir}; }
     vhost __defaultVhost__ { ${vhost} http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } }`;

  beforeAll(async () => {
    const made = makeNetwork(tag, subnet, 4);
    if (typeof made === 'string') {
      console.log(`${made}: the cluster runs on loopback ports instead`);
      let port = 20_000 + (process.pid % 5_000) * 6;
      nodes = ['origin1', 'origin2', 'edge1', 'edge2'].map((name) => ({ name, host: '127.0.0.1', rtmpPort: port++, httpPort: port++, apiPort: port++, netns: undefined }));
    } else {
      network = made;
      nodes = ['origin1', 'origin2', 'edge1', 'edge2'].map((name, i) => ({ name, host: made.hosts[i]!, rtmpPort: 1935, httpPort: 8080, apiPort: 1985, netns: made.namespaces[i] }));
    }
    for (const node of nodes.slice(0, 2)) start(node, serverConfig(node, ''));
    for (const node of nodes.slice(2)) start(node, serverConfig(node, `cluster { mode remote; origin ${origins()}; }`));
    for (const node of nodes) await waitReachable(node.host, node.rtmpPort);
    // Each origin has its own encoder, so either can serve the stream.
    for (const node of nodes.slice(0, 2)) publishers.push(runFfmpeg(publishArgs(`rtmp://${node.host}:${node.rtmpPort}/live/s`, 90)));
  }, 60_000);

  afterAll(() => {
    for (const client of clients) client.close();
    for (const viewer of viewers) viewer.close();
    for (const publisher of publishers) stopProcess(publisher.child);
    for (const child of processes) stopProcess(child);
    if (network !== undefined) removeNetwork(network.namespaces, network.bridge);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves RTMP on one edge and HTTP-FLV on the other, fails both over when an origin dies, and pushes an edge publish to the live origin', async () => {
    const [origin1, origin2, edge1, edge2] = nodes as [Node, Node, Node, Node];
    await waitFor('both origins live', async () => {
      for (const origin of [origin1, origin2]) {
        const streams = (await (await fetch(`http://${origin.host}:${origin.apiPort}/api/v1/streams/`)).json()) as { streams: { name: string; publish: { active: boolean } }[] };
        if (!streams.streams.some((s) => s.name === 's' && s.publish.active)) return false;
      }
      return true;
    }, 20_000);

    const rtmp = await RtmpClient.connect(`rtmp://${edge1.host}:${edge1.rtmpPort}/live/s`);
    clients.push(rtmp);
    let rtmpMedia = 0;
    rtmp.onMessage = (kind) => {
      if (kind !== 'data') rtmpMedia++;
    };
    await rtmp.play();
    const flv = httpViewer(`http://${edge2.host}:${edge2.httpPort}/live/s.flv`);
    viewers.push(flv);
    expect((await flv.head).status).toBe(200);
    await waitFor('media on both edges', () => rtmpMedia > 50 && flv.body().length > 50_000, 20_000);

    // Both edges pull from the first origin: it dies, and they fail over to the second.
    const origin1Clients = (await (await fetch(`http://${origin1.host}:${origin1.apiPort}/api/v1/clients/`)).json()) as { clients: { type: string }[] };
    expect(origin1Clients.clients.filter((client) => client.type === 'rtmp-play')).toHaveLength(2);
    stopProcess(processes[0]!);
    const [rtmpBefore, flvBefore] = [rtmpMedia, flv.body().length];
    await waitFor('media again on both edges', () => rtmpMedia > rtmpBefore + 50 && flv.body().length > flvBefore + 50_000, 20_000);
    const origin2Clients = (await (await fetch(`http://${origin2.host}:${origin2.apiPort}/api/v1/clients/`)).json()) as { clients: { type: string }[] };
    expect(origin2Clients.clients.filter((client) => client.type === 'rtmp-play')).toHaveLength(2);

    // A publish at an edge goes to the origins in order: the first is dead, so the second gets it.
    publishers.push(runFfmpeg(publishArgs(`rtmp://${edge1.host}:${edge1.rtmpPort}/live/fromedge`, 30)));
    await waitFor('the edge publish at the live origin', async () => {
      const streams = (await (await fetch(`http://${origin2.host}:${origin2.apiPort}/api/v1/streams/`)).json()) as { streams: { name: string; publish: { active: boolean } }[] };
      return streams.streams.some((s) => s.name === 'fromedge' && s.publish.active);
    }, 20_000);
  }, 90_000);
});
