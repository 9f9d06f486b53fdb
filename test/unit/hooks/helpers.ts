import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Config, HooksConfig, HttpHooksConfig, VhostConfig } from '../../../src/config/schema.js';
import type { SessionEvent } from '../../../src/hooks/events.js';

/** A complete session event with test defaults. */
export function makeEvent(overrides: Partial<SessionEvent> = {}): SessionEvent {
  return {
    type: 'connect',
    seq: 1,
    timeMs: 1_700_000_000_123,
    clientId: '3y1tcaw2',
    connId: 'c000001',
    protocol: 'rtmp',
    ip: '127.0.0.1',
    port: 50123,
    serverIp: '127.0.0.1',
    serverPort: 1935,
    vhost: '__defaultVhost__',
    app: 'live',
    stream: 'livestream',
    param: '?token=abc',
    tcUrl: 'rtmp://127.0.0.1:1935/live',
    pageUrl: '',
    streamUrl: '/live/livestream',
    streamId: 'vid-k3n7x2q',
    publishType: 'live',
    clientType: 'fmle-publish',
    sendBytes: 3073,
    recvBytes: 4198,
    reason: undefined,
    detail: '',
    ...overrides,
  };
}

/** http_hooks with every list empty, enabled. */
export function makeHttpHooks(overrides: Partial<HttpHooksConfig> = {}): HttpHooksConfig {
  return {
    enabled: true,
    onConnect: [],
    onClose: [],
    onPublish: [],
    onUnpublish: [],
    onPlay: [],
    onStop: [],
    timeoutMs: undefined,
    tlsVerify: true,
    ...overrides,
  };
}

/** A vhost with SRS defaults and the given http_hooks. */
export function makeVhost(name: string, httpHooks: HttpHooksConfig = makeHttpHooks({ enabled: false })): VhostConfig {
  return {
    name,
    enabled: true,
    chunkSize: 60000,
    minLatency: false,
    inAckSize: 0,
    outAckSize: 2500000,
    play: { gopCache: true, gopCacheMaxFrames: 2500, queueLengthSec: 30, mwLatencyMs: 350 },
    publish: { firstPacketTimeoutMs: 20000, normalTimeoutMs: 5000 },
    httpHooks,
    security: { enabled: false, rules: [] },
    refer: { enabled: false, all: [], publish: [], play: [] },
    httpRemux: { enabled: false, mount: '[vhost]/[app]/[stream].flv', fastCacheSec: 0, dropIfNotMatch: true, hasAudio: true, hasVideo: true, guessHasAv: true },
    position: undefined,
    cluster: { mode: 'local', origins: [], vhost: '[vhost]', tokenTraverse: false },
  };
}

/** A config with the given vhosts and hooks block. */
export function makeConfig(options: { vhosts?: VhostConfig[]; hooks?: Partial<HooksConfig> } = {}): Config {
  const vhosts = options.vhosts ?? [makeVhost('__defaultVhost__')];
  return {
    file: undefined,
    listen: [{ host: undefined, port: 1935 }],
    maxConnections: 1000,
    daemon: false,
    pid: './objs/srs.pid',
    logTank: 'console',
    logLevel: 'trace',
    logFile: './objs/srs.log',
    chunkSize: 60000,
    serverId: undefined,
    httpApi: { enabled: false, listen: { host: undefined, port: 1985 }, crossdomain: true },
    httpServer: { enabled: false, listen: [{ host: undefined, port: 8080 }], dir: './objs/nginx/html', crossdomain: true, trustedProxies: [] },
    exporter: { enabled: false, listen: { host: undefined, port: 9972 }, label: '', tag: '' },
    hooks: { scripts: [], webhooks: [], stdioFormat: undefined, timeoutMs: 2000, concurrency: 10, queueSize: 1000, ...options.hooks },
    vhosts: new Map(vhosts.map((vhost) => [vhost.name, vhost])),
  };
}

/** One captured pino line. */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A pino logger whose lines land, parsed, in `lines`. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString('utf8').split('\n')) if (text !== '') lines.push(JSON.parse(text) as LogLine);
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** Waits for `predicate` to hold (polling); fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, predicate: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** One request seen by a test HTTP server. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP server on 127.0.0.1:0 that records requests and answers with `respond`. */
export interface TestHttpServer {
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  url(path: string): string;
  close(): Promise<void>;
}

/** Starts a recording server; `respond` may hang by never ending `res`. */
export async function startHttpServer(respond: (req: RecordedRequest, res: ServerResponse) => void): Promise<TestHttpServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      respond(recorded, res);
    });
  });
  let connections = 0;
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    get connections() {
      return connections;
    },
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers with `status` and `body` (JSON content type). */
export function answer(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

/** A port with nothing listening (bound then closed). */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
