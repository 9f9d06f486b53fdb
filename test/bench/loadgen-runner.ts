/** Forks a load generator for one job and waits for its one answer. */
import { fileURLToPath } from 'node:url';
import { forkTracked, stopChild } from './child-processes.js';
import type { FanoutJob, FanoutResult, LoadJob, LoadReply, SessionsJob, SessionsResult } from './jobs.js';

const LOAD_GENERATOR = fileURLToPath(new URL('./load-generator.js', import.meta.url));

async function runJob(job: LoadJob, timeoutMs: number): Promise<LoadReply> {
  const child = forkTracked(LOAD_GENERATOR, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const reply = new Promise<LoadReply>((resolve, reject) => {
      child.once('message', (message: LoadReply) => resolve(message));
      child.once('exit', (code, signal) => reject(new Error(`load generator exited (${code ?? signal}) without an answer`)));
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`load generator gave no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    child.send(job);
    try {
      return await Promise.race([reply, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    // Normally it has exited after answering; after a timeout or error this ends it.
    await stopChild(child);
  }
}

function unwrap(reply: LoadReply): unknown {
  if (!reply.ok) throw new Error(reply.error);
  return reply.result;
}

/** Runs a fan-out job in a fresh load generator process. */
export async function runFanoutJob(job: FanoutJob, timeoutMs: number): Promise<FanoutResult> {
  return unwrap(await runJob(job, timeoutMs)) as FanoutResult;
}

/** Runs a sessions job in a fresh load generator process. */
export async function runSessionsJob(job: SessionsJob, timeoutMs: number): Promise<SessionsResult> {
  return unwrap(await runJob(job, timeoutMs)) as SessionsResult;
}
