/**
 * A forked child for the lal and cascade cells, apart from load-generator.ts
 * (whose job types belong to the other cells): the parent sends one job over
 * IPC and waits for one answer; the child runs it, answers and exits.
 */
import type { ForkOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { forkTracked, stopChild } from './child-processes.js';

/** The one message a side job sends back. */
export type SideReply<T> = { readonly ok: true; readonly result: T } | { readonly ok: false; readonly error: string };

/** Forks `moduleUrl` (relative to this file's directory), sends it `job`, resolves with its result. */
export async function runSideJob<T>(moduleFile: string, job: unknown, timeoutMs: number, execArgv: readonly string[] = []): Promise<T> {
  const modulePath = fileURLToPath(new URL(moduleFile, import.meta.url));
  const options: ForkOptions = { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...execArgv] };
  const child = forkTracked(modulePath, [], options);
  try {
    const reply = new Promise<SideReply<T>>((resolve, reject) => {
      child.once('message', (message: SideReply<T>) => resolve(message));
      child.once('exit', (code, signal) => reject(new Error(`${moduleFile} exited (${code ?? signal}) without an answer`)));
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${moduleFile} gave no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    child.send(job as object);
    try {
      const answer = await Promise.race([reply, timeout]);
      if (!answer.ok) throw new Error(answer.error);
      return answer.result;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await stopChild(child);
  }
}

/** The child's side: runs the first job it is sent, answers once, exits. */
export function serveSideJob<J, T>(run: (job: J) => Promise<T>): void {
  const reply = (message: SideReply<T>): void => {
    // Exit once the message is flushed: open sockets must not keep this process alive.
    process.send?.(message, () => process.exit(0));
  };
  process.once('message', (job: J) => {
    run(job).then(
      (result) => reply({ ok: true, result }),
      (error: unknown) => reply({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  process.once('disconnect', () => process.exit(1));
}
