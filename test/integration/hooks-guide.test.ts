import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { publishArgs, runFfmpeg, startCallbackServer, startTestServer, stopProcess, waitFor, type FfmpegRun, type TestServer } from './harness.js';

/**
 * Issue 5 end to end, in process: the guide's events through a real script
 * and a real webhook receiver, fired once each, in order, per connection,
 * with the documented fields; and a webhook receiver that is down or
 * answers 500 changes nothing but a log line.
 */

const RECORD_SCRIPT = fileURLToPath(new URL('./scripts/record-event.sh', import.meta.url));
const EVENTS = ['connection_accept', 'publish_start', 'publish_stop', 'play_start', 'play_stop', 'connection_close'] as const;

/** The record script copied into a fresh dir: it appends to events.tsv beside itself. */
function recordScript(): { path: string; lines: () => string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'srs-guide-'));
  const path = join(dir, 'record-event.sh');
  copyFileSync(RECORD_SCRIPT, path);
  chmodSync(path, 0o755);
  const file = join(dir, 'events.tsv');
  const lines = (): string[][] =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => line.split('\t'))
      : [];
  return { path, lines };
}

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver that keeps the headers too (Content-Type is part of the contract). */
async function startReceiver(): Promise<{ url: string; got: Delivery[]; close: () => Promise<void> }> {
  const got: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.end('{"status":"received"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/rtmp-events`,
    got,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type GuideJson = { type: string; timestamp: number; conn_id: string; stream_key: string; data: Record<string, unknown>; client_id: string };

describe('guide hooks end to end: scripts, webhooks (in-process server, real ffmpeg)', () => {
  let server: TestServer | undefined;
  const runs: FfmpegRun[] = [];
  const clients: RtmpClient[] = [];
  const closers: Array<() => Promise<void>> = [];

  afterEach(async () => {
    for (const run of runs.splice(0)) stopProcess(run.child);
    for (const client of clients.splice(0)) client.close();
    await server?.stop();
    server = undefined;
    for (const close of closers.splice(0)) await close();
  });

  it('fires each event once, in order, per connection, with the documented fields, to a script and a webhook', async () => {
    const script = recordScript();
    const receiver = await startReceiver();
    closers.push(receiver.close);
    const srs = await startCallbackServer();
    closers.push(srs.close);
    const hooks = EVENTS.map((event) => `script ${event} ${script.path}; webhook ${event} ${receiver.url};`).join(' ');
    const startedSec = Math.floor(Date.now() / 1000);
    server = await startTestServer(
      `listen 0; hooks { ${hooks} }
       vhost __defaultVhost__ { play { mw_latency 100; } http_hooks { enabled on; on_connect ${srs.url('/c')}; } }`,
    );
    const publisher = runFfmpeg(publishArgs(server.url('live/guide'), 3));
    runs.push(publisher);
    await waitFor('live', () => server!.logs.some((l) => l.msg === 'publish start'));
    const player = await RtmpClient.connect(server.url('live/guide'));
    clients.push(player);
    let media = 0;
    player.onMessage = () => media++;
    await player.play();
    await waitFor('player media', () => media > 10);
    player.close();
    expect(await publisher.exited, publisher.stderr()).toBe(0);
    await waitFor('8 script runs', () => script.lines().length === 8);
    await waitFor('8 webhook deliveries', () => receiver.got.length === 8);
    const endedSec = Math.floor(Date.now() / 1000);

    // Script and webhook saw the same events, byte for byte.
    const fromScript = script.lines();
    expect(fromScript.map((l) => l[2]).sort()).toEqual(receiver.got.map((d) => d.body).sort());
    for (const delivery of receiver.got) expect(delivery.headers['content-type']).toBe('application/json');
    const events = fromScript.map((l) => JSON.parse(l[2]!) as GuideJson);
    for (const [i, [type, key, json, envKey]] of fromScript.entries()) {
      const event = events[i]!;
      expect(Object.keys(event)).toEqual(['type', 'timestamp', 'conn_id', 'stream_key', 'data', 'client_id']);
      expect(type).toBe(event.type);
      expect(key).toBe(event.stream_key);
      expect(envKey).toBe(event.stream_key);
      expect(json).toBe(JSON.stringify(event));
      expect(event.conn_id).toMatch(/^c\d{6}$/);
      expect(event.client_id).toMatch(/^[0-9a-z]{8}$/);
      expect(Number.isInteger(event.timestamp) && event.timestamp >= startedSec && event.timestamp <= endedSec).toBe(true);
    }

    // Per connection: exactly the lifecycle, once each, in order (scripts of one session run in order).
    const byConn = new Map<string, GuideJson[]>();
    for (const event of events) byConn.set(event.conn_id, [...(byConn.get(event.conn_id) ?? []), event]);
    expect(byConn.size).toBe(2);
    const sequences = [...byConn.values()].map((list) => list.map((e) => e.type));
    expect(sequences).toContainEqual(['connection_accept', 'publish_start', 'publish_stop', 'connection_close']);
    expect(sequences).toContainEqual(['connection_accept', 'play_start', 'play_stop', 'connection_close']);

    const find = (type: string): GuideJson[] => events.filter((e) => e.type === type);
    for (const accept of find('connection_accept')) {
      expect(accept.stream_key).toBe('');
      expect(Object.keys(accept.data)).toEqual(['client_ip', 'client_port', 'server_ip', 'server_port']);
      expect(accept.data).toMatchObject({ client_ip: '127.0.0.1', server_ip: '127.0.0.1', server_port: server.port });
      expect(accept.data['client_port']).toSatisfy((p: unknown) => Number.isInteger(p) && (p as number) > 0 && (p as number) < 65536);
    }
    expect(find('publish_start')[0]).toMatchObject({ stream_key: 'live/guide', data: { app: 'live', publishing_name: 'guide', publishing_type: 'live' } });
    expect(find('publish_stop')[0]).toMatchObject({ stream_key: 'live/guide', data: { app: 'live', publishing_name: 'guide' } });
    expect(find('play_start')[0]).toMatchObject({ stream_key: 'live/guide', data: { app: 'live' } });
    expect(find('play_stop')[0]).toMatchObject({ stream_key: 'live/guide', data: { app: 'live' } });
    for (const close of find('connection_close')) expect(close.data).toEqual({ reason: 'client_close' });

    // The same client_id as the SRS http_hooks body of that connection.
    const srsIds = srs.calls.map((c) => c.json['client_id']);
    for (const list of byConn.values()) expect(srsIds).toContain(list[0]!.client_id);
    // One `Hook execution` line per run, with its duration (the guide's `jq .duration_ms`); a run
    // logs once it has finished, which may be just after the receiver or the script saw it.
    const logs = server.logs;
    const executions = (): typeof logs => logs.filter((l) => l.msg === 'Hook execution' && (l.sink === 'script' || l.sink === 'webhook'));
    await waitFor('16 Hook execution lines', () => executions().length >= 16);
    const runsLogged = executions();
    expect(runsLogged).toHaveLength(16);
    for (const line of runsLogged) {
      expect(line.outcome).toBe('ok');
      expect(Number.isInteger(line.duration_ms)).toBe(true);
    }
  });

  it('a webhook receiver that is down or answers 500 is logged; publish and play go on unchanged', async () => {
    const failing = await startCallbackServer((_call, res) => {
      res.writeHead(500);
      res.end('boom');
    });
    closers.push(failing.close);
    const down = await startCallbackServer();
    const downUrl = down.url('/rtmp-events');
    await down.close();
    const script = recordScript();
    server = await startTestServer(
      `listen 0; hooks { webhook publish_start ${failing.url('/rtmp-events')}; webhook play_start ${downUrl}; script play_start ${script.path}; }
       vhost __defaultVhost__ { play { mw_latency 100; } }`,
    );
    const publisher = runFfmpeg(publishArgs(server.url('live/still'), 3));
    runs.push(publisher);
    const player = await RtmpClient.connect(server.url('live/still'));
    clients.push(player);
    let media = 0;
    player.onMessage = () => media++;
    await player.play();
    await waitFor('player media', () => media > 20);
    expect(await publisher.exited, publisher.stderr()).toBe(0);

    const logs = server.logs;
    const failures = (): typeof logs => logs.filter((l) => l.msg === 'Hook execution' && l.sink === 'webhook' && l.outcome === 'failed');
    const status500 = await waitFor('500 logged', () => failures().find((l) => l.status === 500));
    expect(status500).toMatchObject({ event: 'publish_start', target: failing.url('/rtmp-events') });
    const refused = await waitFor('refused logged', () => failures().find((l) => l.target === downUrl));
    expect(refused).toMatchObject({ event: 'play_start' });
    expect(String(refused.error)).toContain('refused');
    expect(failing.calls[0]?.json).toMatchObject({ type: 'publish_start', stream_key: 'live/still' });
    // The other sink on the same event still ran.
    await waitFor('script ran for play_start', () => script.lines().some((l) => l[0] === 'play_start'));
    expect(server.logs.filter((l) => l.msg === 'publish start')).toHaveLength(1);
    expect(server.logs.filter((l) => l.msg === 'play start')).toHaveLength(1);
  });

  it('a player that drops its connection with a TCP reset is a client_close, as in SRS', async () => {
    // SRS counts a peer reset as the client going away (srs_is_client_gracefully_close), and so
    // does the guide's `client_close`. ffmpeg/ffplay quitting with unread media in their socket
    // buffer reset the connection this way.
    const script = recordScript();
    server = await startTestServer(`listen 0; hooks { script connection_close ${script.path}; } vhost __defaultVhost__ { }`);
    const publisher = await RtmpClient.connect(server.url('live/reset'));
    clients.push(publisher);
    await publisher.publish();
    const player = await RtmpClient.connect(server.url('live/reset'));
    clients.push(player);
    await player.play();
    // The client API has no reset; its socket does.
    (player as unknown as { socket: Socket }).socket.resetAndDestroy();
    await waitFor('the player close event', () => script.lines().length === 1);
    const close = JSON.parse(script.lines()[0]![2]!) as GuideJson;
    expect(close.data).toEqual({ reason: 'client_close' });
  });
});
