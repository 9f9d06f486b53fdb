import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, get as httpGet, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { startServer, type StartServerOptions } from '../../src/index.js';
import type { App } from '../../src/app.js';
import { RtmpClient, type StatusInfo } from '../../src/relay/rtmp-client.js';

const require = createRequire(import.meta.url);
/** The ffmpeg binary shipped as a devDependency: a fresh machine needs nothing else. */
export const FFMPEG: string = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
/** The ffprobe binary shipped as a devDependency. */
export const FFPROBE: string = (require('@ffprobe-installer/ffprobe') as { path: string }).path;

/** Waits for `predicate` to hold, polling; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, predicate: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface TestServer {
  app: App;
  port: number;
  /** The first http_server port (0 when http_server is off). */
  httpPort: number;
  logs: LogLine[];
  url(path: string): string;
  /** `http://127.0.0.1:<http port>/<path>`. */
  httpUrl(path: string): string;
  /** `http://127.0.0.1:<api port>/<path>` (the http_api listener). */
  apiUrl(path: string): string;
  stop(): Promise<void>;
}

/** Starts the real server on port 0 from config text; logs are captured as parsed JSON lines. */
export async function startTestServer(configText: string, options: Omit<StartServerOptions, 'configText' | 'logger'> = {}): Promise<TestServer> {
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line) as LogLine);
      callback();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const app = await startServer({ ...options, configText, logger });
  const port = app.addresses[0]?.port ?? 0;
  const httpPort = app.httpAddresses[0]?.port ?? 0;
  return {
    app,
    port,
    httpPort,
    logs,
    url: (path) => `rtmp://127.0.0.1:${port}/${path}`,
    httpUrl: (path) => `http://127.0.0.1:${httpPort}/${path}`,
    apiUrl: (path) => `http://127.0.0.1:${app.apiAddresses[0]?.port ?? 0}/${path}`,
    stop: () => app.stop(2_000),
  };
}

export interface FfmpegRun {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs the shipped ffmpeg; stderr is kept for assertions about what a user sees. */
export function runFfmpeg(args: string[]): FfmpegRun {
  const child = spawn(FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'info', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

/** A synthetic live source as the issue asks: lavfi testsrc + sine, libx264 + aac, `-f flv`. */
export function publishArgs(url: string, seconds: number, extra: string[] = []): string[] {
  return [
    '-re',
    '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=1000:sample_rate=44100:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k',
    ...extra,
    '-f', 'flv', url,
  ];
}

export function stopProcess(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export interface RecordedCall {
  path: string;
  body: string;
  json: Record<string, unknown>;
  atMs: number;
}

export interface CallbackServer {
  url(path: string): string;
  calls: RecordedCall[];
  close(): Promise<void>;
}

/** A real HTTP callback server; `answer` decides the response (default SRS's allow: 200 `0`). */
export async function startCallbackServer(
  answer: (call: RecordedCall, res: ServerResponse) => void | Promise<void> = (_call, res) => {
    res.end('0');
  },
): Promise<CallbackServer> {
  const calls: RecordedCall[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // Not JSON: kept raw in `body`.
      }
      const call = { path: req.url ?? '', body, json, atMs: Date.now() };
      calls.push(call);
      void answer(call, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface HttpViewer {
  /** Resolves with the status line's code once the head arrived (or a failure). */
  head: Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>;
  /** Every body byte so far. */
  body(): Buffer;
  /** Resolves when the response ended or the socket closed; `complete` is false when it was cut. */
  done: Promise<{ complete: boolean }>;
  /** Drops the connection (a viewer leaving mid-stream). */
  close(): void;
}

/** An HTTP viewer on node:http (no redirects, no decompression): what a player gets, byte for byte. */
export function httpViewer(url: string, headers: Record<string, string> = {}): HttpViewer {
  const chunks: Buffer[] = [];
  let resolveHead!: (value: { status: number; headers: Record<string, string | string[] | undefined> }) => void;
  let rejectHead!: (error: Error) => void;
  const head = new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
    resolveHead = resolve;
    rejectHead = reject;
  });
  head.catch(() => undefined);
  let resolveDone!: (value: { complete: boolean }) => void;
  const done = new Promise<{ complete: boolean }>((resolve) => (resolveDone = resolve));
  const request = httpGet(url, { headers, agent: false }, (res) => {
    resolveHead({ status: res.statusCode ?? 0, headers: res.headers });
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolveDone({ complete: res.complete }));
    res.on('error', () => resolveDone({ complete: false }));
    res.on('close', () => resolveDone({ complete: res.complete }));
  });
  request.on('error', (error) => {
    rejectHead(error);
    resolveDone({ complete: false });
  });
  return {
    head,
    body: () => Buffer.concat(chunks),
    done,
    close: () => request.destroy(),
  };
}

/** What a test started: `release()` in afterEach ends each, by the handle the test holds, never by name. */
export class TestResources {
  server: TestServer | undefined;
  hooks: CallbackServer | undefined;
  readonly children: FfmpegRun[] = [];
  readonly viewers: HttpViewer[] = [];
  readonly clients: { close(): void }[] = [];

  async startServer(configText: string, options: Omit<StartServerOptions, 'configText' | 'logger'> = {}): Promise<TestServer> {
    await this.server?.stop();
    this.server = await startTestServer(configText, options);
    return this.server;
  }

  async startHooks(answer?: Parameters<typeof startCallbackServer>[0]): Promise<CallbackServer> {
    this.hooks = await startCallbackServer(answer);
    return this.hooks;
  }

  async release(): Promise<void> {
    for (const child of this.children.splice(0)) stopProcess(child.child);
    for (const viewer of this.viewers.splice(0)) viewer.close();
    for (const client of this.clients.splice(0)) client.close();
    await this.server?.stop();
    this.server = undefined;
    await this.hooks?.close();
    this.hooks = undefined;
  }
}

/** Sends raw bytes on a new TCP connection, resolves with everything the server answered until it closed or `ms` passed. */
export function rawExchange(port: number, bytes: string | Buffer, ms = 3_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = (): void => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, ms);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => {
      clearTimeout(timer);
      done();
    });
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

export function statusLine(reply: string): string {
  return reply.split('\r\n')[0] ?? '';
}

/** A 127.0.0.1 port nothing listens on: bound once, then closed (a dead origin, a receiver that is down). */
export async function deadPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Our RTMP client as a player that counts its audio and video messages and keeps every status. */
export async function countingPlayer(url: string): Promise<{ client: RtmpClient; media: () => number; statuses: StatusInfo[] }> {
  const client = await RtmpClient.connect(url);
  let media = 0;
  const statuses: StatusInfo[] = [];
  client.onMessage = (kind) => {
    if (kind !== 'data') media++;
  };
  client.onStatus = (status) => statuses.push(status);
  await client.play();
  return { client, media: () => media, statuses };
}
