/**
 * Starts a server under test in its own process on a free 127.0.0.1 port:
 * ours through the real CLI and a generated SRS config, node-media-server
 * through nms-launcher.ts, or a null baseline (fan-out, or sessions when
 * given recorded replies). stdout/stderr go to a log file in the work dir,
 * so a failure can be read afterwards.
 */
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { spawnTracked, stopChild, waitForPort } from './child-processes.js';
import { freePort } from './free-port.js';
import type { ServerKind } from './jobs.js';
import { SERVER_NODE_FLAGS } from '../../src/util/node-flags.js';

/** Bound on a server's start-up, from spawn to accepting TCP. */
const START_TIMEOUT_MS = 15_000;

const OUR_CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const NMS_LAUNCHER = fileURLToPath(new URL('./nms-launcher.js', import.meta.url));
const NULL_FANOUT_SERVER = fileURLToPath(new URL('./null-fanout-server.js', import.meta.url));
const NULL_SESSION_SERVER = fileURLToPath(new URL('./null-session-server.js', import.meta.url));
const INTERCEPTOR_LAUNCHER = fileURLToPath(new URL('./interceptor-launcher.js', import.meta.url));

/** How to start one server. */
export interface BenchServerOptions {
  readonly kind: ServerKind;
  /** Names the config and log files, e.g. `fanout-500`. */
  readonly label: string;
  readonly workDir: string;
  /** on_publish/on_play (ours, null sessions) or notify.url (NMS, which has no blocking callback). */
  readonly hookUrl: string | undefined;
  /** Extra node flags for our server, e.g. `--cpu-prof`. */
  readonly nodeFlags: readonly string[];
  /** For kind null: the replies file of session-replies.ts makes it the null session server. */
  readonly sessionReplies?: string | undefined;
  /** Ours: HLS output on, segments and playlists under `path` (the HLS cells). */
  readonly hls?: HlsOutput | undefined;
  /** Ours: how it logs (default `bench`). */
  readonly logging?: OurLogging | undefined;
  /** Ours: more config text, e.g. an `http_notify {}` block or a vhost `cluster {}` (lal and cascade cells). */
  readonly extraConfig?: ExtraConfig | undefined;
  /** Ours: started through startServer with one no-op media interceptor (interceptor-launcher.ts) instead of the CLI. */
  readonly interceptor?: boolean | undefined;
}

/** Config text the lal and cascade cells add to ours: top-level blocks, and directives inside the default vhost. */
export interface ExtraConfig {
  readonly topLevel?: string;
  readonly vhost?: string;
}

/**
 * How our server logs: `bench` (console at warn, what every cell but the
 * cold ones runs), `default` (the default config's: srs_log_tank file at the
 * default level, a file in the work dir), `off` (the same file tank, level
 * silent).
 */
export type OurLogging = 'bench' | 'default' | 'off';

/** The vhost `hls {}` of the HLS cells (hls_cleanup on, as SRS's default: the window is all that stays on disk). */
export interface HlsOutput {
  readonly path: string;
  readonly fragmentSec: number;
  readonly windowSec: number;
}

/** A started server. */
export interface BenchServer {
  readonly kind: ServerKind;
  /** RTMP (the null baselines: their one port). */
  readonly port: number;
  /** HTTP-FLV: ours http_server, NMS's http port; undefined for the null baselines. */
  readonly httpPort: number | undefined;
  /** Ours: the http_api listener (API prober); undefined otherwise. */
  readonly apiPort: number | undefined;
  readonly pid: number;
  readonly logFile: string;
  /** Spawn to accepting TCP on every port it serves (polled, so within a few ms). */
  readonly startupMs: number;
  stop(): Promise<void>;
}

/** Ports of one server under test. */
interface BenchPorts {
  readonly rtmp: number;
  readonly http: number | undefined;
  readonly api: number | undefined;
}

/**
 * The SRS config our server runs with: RTMP, HTTP-FLV on http_server (as
 * conf/srs.conf mounts it), http_api with the exporter on its own port;
 * http_hooks only when a hook URL is given, hls only when asked for.
 */
export function ourConfigText(ports: BenchPorts, workDir: string, label: string, hookUrl: string | undefined, hls?: HlsOutput, extra?: ExtraConfig, logging: OurLogging = 'bench'): string {
  const hooks =
    hookUrl === undefined ? '' : `    http_hooks {\n        enabled on;\n        on_publish ${hookUrl};\n        on_play ${hookUrl};\n    }\n`;
  const hlsBlock =
    hls === undefined
      ? []
      : [`    hls {\n        enabled on;\n        hls_path ${hls.path};\n        hls_fragment ${hls.fragmentSec};\n        hls_window ${hls.windowSec};\n        hls_cleanup on;\n    }`];
  return [
    `listen 127.0.0.1:${ports.rtmp};`,
    'max_connections 5000;',
    'daemon off;',
    `pid ${join(workDir, `srs-${label}.pid`)};`,
    ...(logging === 'bench' ? ['srs_log_tank console;', 'srs_log_level warn;'] : ['srs_log_tank file;', `srs_log_file ${ourLogFile(workDir, label)};`]),
    ...(ports.http === undefined ? [] : [`http_server {\n    enabled on;\n    listen 127.0.0.1:${ports.http};\n    dir ${join(workDir, 'html')};\n}`]),
    // The exporter on the API's address: /metrics is served there, with no listener of its own.
    ...(ports.api === undefined ? [] : [`http_api {\n    enabled on;\n    listen 127.0.0.1:${ports.api};\n}`, `exporter {\n    enabled on;\n    listen 127.0.0.1:${ports.api};\n}`]),
    ...(extra?.topLevel === undefined ? [] : [extra.topLevel]),
    'vhost __defaultVhost__ {',
    ...(extra?.vhost === undefined ? [] : [extra.vhost]),
    '    play {\n        gop_cache on;\n        mw_latency 350;\n    }',
    '    http_remux {\n        enabled on;\n        mount [vhost]/[app]/[stream].flv;\n    }',
    ...hlsBlock,
    `${hooks}}`,
    '',
  ].join('\n');
}

/** The srs_log_file of a cell that logs to a file. */
export function ourLogFile(workDir: string, label: string): string {
  return join(workDir, `ours-${label}.srs.log`);
}

function commandFor(options: BenchServerOptions, ports: BenchPorts): string[] {
  const { kind, workDir, label, hookUrl } = options;
  const port = ports.rtmp;
  if (kind === 'ours') {
    const configFile = join(workDir, `ours-${label}.conf`);
    const logging = options.logging ?? 'bench';
    writeFileSync(configFile, ourConfigText(ports, workDir, label, hookUrl, options.hls, options.extraConfig, logging));
    // `default` keeps the config's level (SRS's trace, pino info): what a user runs.
    const level = logging === 'default' ? [] : ['--log-level', logging === 'off' ? 'silent' : 'warn'];
    // Run as `npm start` and the `srs` bin run it (src/util/node-flags.ts).
    if (options.interceptor === true) return [...SERVER_NODE_FLAGS, ...options.nodeFlags, INTERCEPTOR_LAUNCHER, '-c', configFile, ...level];
    return [...SERVER_NODE_FLAGS, ...options.nodeFlags, OUR_CLI, '-c', configFile, ...level];
  }
  if (kind === 'nms') {
    const dataDir = join(workDir, `nms-${label}`);
    mkdirSync(dataDir, { recursive: true });
    return [NMS_LAUNCHER, '--port', String(port), '--http-port', String(ports.http), '--data', dataDir, ...(hookUrl === undefined ? [] : ['--notify-url', hookUrl])];
  }
  if (options.sessionReplies === undefined) return [NULL_FANOUT_SERVER, '--port', String(port)];
  return [...SERVER_NODE_FLAGS, NULL_SESSION_SERVER, '--port', String(port), '--replies', options.sessionReplies, ...(hookUrl === undefined ? [] : ['--hook-url', hookUrl])];
}

/** Spawns the server and resolves once it accepts connections. */
export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  mkdirSync(options.workDir, { recursive: true });
  const port = await freePort();
  const ports: BenchPorts = {
    rtmp: port,
    http: options.kind === 'null' ? undefined : await freePort(),
    api: options.kind === 'ours' ? await freePort() : undefined,
  };
  const logFile = join(options.workDir, `${options.kind}-${options.label}.log`);
  const logFd = openSync(logFile, 'w');
  const spawnedAt = performance.now();
  // cwd is the work dir so nothing a server writes (pid, data) lands in the repo.
  const child = spawnTracked(process.execPath, commandFor(options, ports), { cwd: options.workDir, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  try {
    await waitForPort(port, child, START_TIMEOUT_MS);
    if (ports.http !== undefined) await waitForPort(ports.http, child, START_TIMEOUT_MS);
    if (ports.api !== undefined) await waitForPort(ports.api, child, START_TIMEOUT_MS);
  } catch (error) {
    await stopChild(child);
    throw new Error(`${options.kind} did not start (log: ${logFile})`, { cause: error });
  }
  const startupMs = performance.now() - spawnedAt;
  return { kind: options.kind, port, httpPort: ports.http, apiPort: ports.api, pid: child.pid as number, logFile, startupMs, stop: () => stopChild(child) };
}
