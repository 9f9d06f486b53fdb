import { describe, expect, it } from 'vitest';
import { HookExecutor, type ExecutorJob, type RetryRequest } from '../../../src/hooks/executor.js';
import { waitFor } from './helpers.js';

/** A job the test finishes by hand. */
interface ManualJob extends ExecutorJob {
  readonly label: string;
  started: number;
  dropReason: string | undefined;
  finish(result?: RetryRequest): void;
}

function manualJob(label: string, log: string[]): ManualJob {
  let finishRun: ((result?: RetryRequest) => void) | undefined;
  const job: ManualJob = {
    label,
    started: 0,
    dropReason: undefined,
    run: () => {
      job.started++;
      log.push(label);
      return new Promise<RetryRequest | void>((resolve) => {
        finishRun = resolve;
      });
    },
    dropped: (reason) => {
      job.dropReason = reason;
    },
    finish: (result) => {
      const resolve = finishRun;
      finishRun = undefined;
      resolve?.(result);
    },
  };
  return job;
}

describe('HookExecutor', () => {
  it('never runs more than `concurrency` jobs and loses none within the queue bound', async () => {
    const executor = new HookExecutor(() => ({ concurrency: 2, queueSize: 100 }));
    let running = 0;
    let peak = 0;
    let done = 0;
    for (let i = 0; i < 20; i++) {
      executor.submit(`session-${i}`, {
        run: async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setImmediate(resolve));
          running--;
          done++;
        },
        dropped: () => expect.unreachable('dropped'),
      });
    }
    await executor.drain(5_000);
    expect(done).toBe(20);
    expect(peak).toBe(2);
  });

  it('keeps FIFO order per chain and lets other chains pass a waiting one', async () => {
    const log: string[] = [];
    const executor = new HookExecutor(() => ({ concurrency: 2, queueSize: 100 }));
    const a1 = manualJob('a1', log);
    const a2 = manualJob('a2', log);
    const b1 = manualJob('b1', log);
    const c1 = manualJob('c1', log);
    for (const [key, job] of [['a', a1], ['a', a2], ['b', b1], ['c', c1]] as const) executor.submit(key, job);
    // a1 and b1 run; a2 waits for a1 without a slot, so c1 gets b1's slot first.
    expect(log).toEqual(['a1', 'b1']);
    b1.finish();
    await waitFor('c1 started', () => c1.started === 1);
    expect(a2.started).toBe(0);
    a1.finish();
    await waitFor('a2 started', () => a2.started === 1);
    a2.finish();
    c1.finish();
    await executor.drain(1_000);
    expect(log).toEqual(['a1', 'b1', 'c1', 'a2']);
  });

  it('drops beyond the queue bound and says why', () => {
    const log: string[] = [];
    const executor = new HookExecutor(() => ({ concurrency: 1, queueSize: 2 }));
    const jobs = ['j1', 'j2', 'j3', 'j4'].map((label) => manualJob(label, log));
    const accepted = jobs.map((job, i) => executor.submit(`s${i}`, job));
    // j1 runs (not queued), j2 and j3 wait, j4 overflows.
    expect(accepted).toEqual([true, true, true, false]);
    expect(jobs[3]!.dropReason).toBe('queue_full');
    expect(executor.running).toBe(1);
    expect(executor.waiting).toBe(2);
    executor.close();
    expect(jobs[1]!.dropReason).toBe('closed');
    expect(jobs[2]!.dropReason).toBe('closed');
  });

  it('retries after the requested delay, holding the chain but not a slot', async () => {
    const log: string[] = [];
    const executor = new HookExecutor(() => ({ concurrency: 1, queueSize: 10 }));
    const attempts: number[] = [];
    executor.submit('a', {
      run: async (attempt) => {
        attempts.push(attempt);
        log.push(`a1#${attempt}`);
        return attempt < 3 ? { retryAfterMs: 30 } : undefined;
      },
      dropped: () => expect.unreachable('dropped'),
    });
    const a2 = manualJob('a2', log);
    const b1 = manualJob('b1', log);
    executor.submit('a', a2);
    executor.submit('b', b1);
    // While a1 waits for its retry, b1 may use the only slot; a2 may not overtake a1.
    await waitFor('b1 started', () => b1.started === 1);
    expect(a2.started).toBe(0);
    b1.finish();
    await waitFor('a2 started', () => a2.started === 1);
    a2.finish();
    await executor.drain(2_000);
    expect(attempts).toEqual([1, 2, 3]);
    expect(log.indexOf('a2')).toBeGreaterThan(log.indexOf('a1#3'));
  });

  it('drain resolves on its timeout when work is stuck, and close drops waiting retries', async () => {
    const log: string[] = [];
    const executor = new HookExecutor(() => ({ concurrency: 1, queueSize: 10 }));
    const stuck = manualJob('stuck', log);
    executor.submit('a', stuck);
    await executor.drain(20);
    expect(executor.running).toBe(1);
    const retrying: ExecutorJob & { dropReason?: string } = {
      run: async () => ({ retryAfterMs: 60_000 }),
      dropped: (reason) => {
        retrying.dropReason = reason;
      },
    };
    executor.submit('b', retrying);
    stuck.finish();
    await waitFor('retry scheduled', () => executor.running === 0 && executor.waiting === 1);
    executor.close();
    expect(retrying.dropReason).toBe('closed');
    await executor.drain(1_000);
    expect(executor.submit('c', manualJob('late', log))).toBe(false);
  });
});
