/**
 * Every process the bench starts goes through here, so that a normal end, an
 * error, Ctrl-C or a kill of the bench itself never leaves a server, a
 * node-media-server or a load generator behind holding a port.
 */
import { fork, spawn, type ChildProcess, type ForkOptions, type SpawnOptions } from 'node:child_process';
import { connect } from 'node:net';

/** How long a child gets between SIGTERM and SIGKILL. */
const DEFAULT_STOP_GRACE_MS = 3_000;

const running = new Set<ChildProcess>();
let handlersInstalled = false;

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  installExitHandlers();
  return child;
}

/** Spawns a tracked child; it is SIGKILLed when the bench exits for any reason. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  return track(spawn(command, args, options));
}

/** Forks a tracked Node child with an IPC channel. */
export function forkTracked(modulePath: string, args: readonly string[], options: ForkOptions): ChildProcess {
  return track(fork(modulePath, args, options));
}

/** Resolves when `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Kills every tracked child at once; safe inside a synchronous 'exit' handler. */
export function killAllChildren(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllChildren();
      process.stderr.write(`bench: ${signal}, children killed\n`);
      process.exit(130);
    });
  }
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
export async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`process ${child.pid ?? '?'} exited (${child.exitCode ?? child.signalCode}) before listening on ${port}`);
    }
    if (await canConnect(port)) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    // A listening socket has no event another process can wait on: poll, often enough that start-up time reads within a few ms.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
