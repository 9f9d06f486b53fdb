/**
 * The load generator process: forked by run.ts for one job, it holds every
 * publisher and player connection of that job in this one process, answers
 * with one IPC message and exits. Keeping it out of the orchestrator keeps
 * the hook server's timing clean and lets its own CPU be reported.
 */
import { runHlsFanout } from './hls-fanout-job.js';
import type { LoadJob, LoadReply, LoadResult } from './jobs.js';
import { runNullFanout } from './null-fanout-job.js';
import { runMediaFanout } from './media-fanout-job.js';
import { runSessions } from './sessions-job.js';

function runJob(job: LoadJob): Promise<LoadResult> {
  if (job.type === 'sessions') return runSessions(job);
  if (job.protocol === 'hls') return runHlsFanout(job);
  return job.server === 'null' ? runNullFanout(job) : runMediaFanout(job);
}

function reply(message: LoadReply): void {
  // Exit once the message is flushed: open sockets must not keep this process alive.
  process.send?.(message, () => process.exit(0));
}

process.once('message', (job: LoadJob) => {
  runJob(job).then(
    (result) => reply({ ok: true, result }),
    (error: unknown) => reply({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
process.once('disconnect', () => process.exit(1));
