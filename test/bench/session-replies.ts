/**
 * What the null session baseline replays: the bytes our server wrote in each
 * round trip of one publish and one play session after the handshake,
 * recorded once per run through a loopback proxy. Replaying our own replies
 * keeps the floor honest: same bytes, same number of writes, none of the
 * work behind them.
 */
import { writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { HELLO_BYTES } from '../../src/rtmp/handshake.js';
import { PACKET_BYTES } from '../../src/rtmp/handshake-digest.js';
import { startBenchServer } from './servers.js';

/** Per session kind, the server's bytes of each round trip after S0S1S2, base64. */
export interface SessionReplies {
  readonly publish: readonly string[];
  readonly play: readonly string[];
}

/** Bound on one recorded session. */
const RECORD_TIMEOUT_MS = 5_000;

/** Proxies one client to `port`, grouping what the server sends by how much the client had sent. */
async function recordOne(port: number, kind: 'publish' | 'play'): Promise<string[]> {
  const groups: { clientBytes: number; chunks: Buffer[] }[] = [];
  let clientBytes = 0;
  const proxy: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (bytes: Buffer) => {
      clientBytes += bytes.length;
      upstream.write(bytes);
    });
    upstream.on('data', (bytes: Buffer) => {
      const last = groups.at(-1);
      if (last !== undefined && last.clientBytes === clientBytes) last.chunks.push(bytes);
      else groups.push({ clientBytes, chunks: [bytes] });
      client.write(bytes);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const { port: proxyPort } = proxy.address() as AddressInfo;
    const client = await RtmpClient.connect(`rtmp://127.0.0.1:${proxyPort}/live/null-record-${kind}`, { timeoutMs: RECORD_TIMEOUT_MS });
    try {
      await (kind === 'publish' ? client.publish() : client.play());
    } finally {
      client.close();
    }
  } finally {
    proxy.close();
  }
  const replies = groups.map((group) => Buffer.concat(group.chunks));
  const handshake = replies.shift();
  if (handshake?.length !== HELLO_BYTES + PACKET_BYTES || replies.length === 0) {
    throw new Error(`recording a ${kind} session: unexpected server replies (${[handshake, ...replies].map((r) => r?.length).join(', ')} bytes)`);
  }
  return replies.map((reply) => reply.toString('base64'));
}

/** Records both kinds from a fresh server of ours; returns the JSON file the null server reads. */
export async function recordSessionReplies(workDir: string): Promise<string> {
  const server = await startBenchServer({ kind: 'ours', label: 'record-replies', workDir, hookUrl: undefined, nodeFlags: [] });
  try {
    const replies: SessionReplies = { publish: await recordOne(server.port, 'publish'), play: await recordOne(server.port, 'play') };
    const file = join(workDir, 'session-replies.json');
    writeFileSync(file, `${JSON.stringify(replies)}\n`);
    return file;
  } finally {
    await server.stop();
  }
}
