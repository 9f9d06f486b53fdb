import { spawn } from 'node:child_process';

/**
 * Runs one hook script: executed directly (never through a shell, so a
 * stream key such as `a;touch x` or `$(reboot)` is only ever data), detached
 * in its own process group so that past the timeout the whole group (the
 * script and anything it started) is killed with SIGKILL to `-pid`.
 * Captured stdout/stderr are bounded.
 */

/** One script run. */
export interface ScriptRunOptions {
  readonly path: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  /** Kept per stream (stdout, stderr); the rest is read and discarded. */
  readonly maxOutputBytes: number;
  /**
   * After the script exits, how long to wait for its pipes to close: a
   * background child (the guide's `{ ... } &`) may hold them open.
   */
  readonly pipeGraceMs: number;
  /** Aborting kills the group (server shutdown). */
  readonly signal?: AbortSignal | undefined;
}

/** How the run ended. `timeout`/`aborted` mean the group was killed. */
export interface ScriptRunResult {
  readonly outcome: 'ok' | 'failed' | 'timeout' | 'aborted';
  readonly pid: number | undefined;
  readonly exitCode: number | null;
  readonly exitSignal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** spawn error (ENOENT, EACCES ...). */
  readonly error?: string;
}

/** Spawns the script and resolves when it has exited (never rejects). */
export function runScript(options: ScriptRunOptions): Promise<ScriptRunResult> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(options.path, [...options.args], {
        detached: true,
        env: options.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        shell: false,
      });
    } catch (error) {
      resolve(failedToStart(error));
      return;
    }
    const stdout = new BoundedText(options.maxOutputBytes);
    const stderr = new BoundedText(options.maxOutputBytes);
    child.stdout?.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.add(chunk));
    let killedFor: 'timeout' | 'aborted' | undefined;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const killGroup = (why: 'timeout' | 'aborted'): void => {
      killedFor ??= why;
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const timer = setTimeout(() => killGroup('timeout'), options.timeoutMs);
    const onAbort = (): void => killGroup('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (result: ScriptRunResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const result = (code: number | null, exitSignal: NodeJS.Signals | null): ScriptRunResult => ({
      outcome: killedFor ?? (code === 0 ? 'ok' : 'failed'),
      pid: child.pid,
      exitCode: code,
      exitSignal,
      stdout: stdout.text(),
      stderr: stderr.text(),
    });
    child.on('error', (error) => finish({ ...failedToStart(error), pid: child.pid }));
    child.on('exit', (code, exitSignal) => {
      graceTimer = setTimeout(() => finish(result(code, exitSignal)), options.pipeGraceMs);
    });
    child.on('close', (code, exitSignal) => finish(result(code, exitSignal)));
    if (options.signal?.aborted === true) killGroup('aborted');
  });
}

function failedToStart(error: unknown): ScriptRunResult {
  const code = (error as { code?: unknown }).code;
  return {
    outcome: 'failed',
    pid: undefined,
    exitCode: null,
    exitSignal: null,
    stdout: '',
    stderr: '',
    error: typeof code === 'string' ? code : error instanceof Error ? error.message : String(error),
  };
}

/** Keeps the first `maxBytes` of a stream. */
class BoundedText {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;

  constructor(private readonly maxBytes: number) {}

  add(chunk: Buffer): void {
    const room = this.maxBytes - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.chunks.push(Buffer.from(kept));
    this.size += kept.length;
  }

  text(): string {
    const text = Buffer.concat(this.chunks, this.size).toString('utf8');
    return this.truncated ? `${text}…[truncated]` : text;
  }
}
