/**
 * Runs notification jobs with bounded concurrency and a bounded queue
 * (DESIGN.md "Notifiers never block"), keeping per-chain FIFO order: jobs of
 * one chain (one session × one sink) run one after another in submission
 * order, while jobs of different chains run in parallel up to the limit. A
 * chain that waits (for its previous job, or for a retry backoff) holds no
 * concurrency slot.
 */

/** Live limits, read at every submission and every scheduling step (config reload applies). */
export interface ExecutorLimits {
  readonly concurrency: number;
  /** Jobs waiting to run (including those waiting for a retry) beyond which new ones are dropped. */
  readonly queueSize: number;
}

/** Returned by a job that wants to run again later (same chain position). */
export interface RetryRequest {
  readonly retryAfterMs: number;
}

/** One unit of work. `run` must not throw; a rejection is treated as finished. */
export interface ExecutorJob {
  /** `attempt` counts from 1; `signal` aborts when the executor is closed. */
  run(attempt: number, signal: AbortSignal): Promise<RetryRequest | void>;
  /** Called instead of `run` when the job is dropped (queue full, or executor closed). */
  dropped(reason: 'queue_full' | 'closed'): void;
}

interface QueuedJob {
  readonly job: ExecutorJob;
  readonly attempt: number;
}

/** A chain is either in `ready` (its head may start) or has one job running or waiting for a retry. */
interface Chain {
  readonly jobs: QueuedJob[];
}

/** Bounded job runner with per-chain FIFO order. */
export class HookExecutor {
  private readonly chains = new Map<string, Chain>();
  /** Chains with a job that may start now, oldest first. */
  private readonly ready: string[] = [];
  private readonly retryTimers = new Map<NodeJS.Timeout, ExecutorJob>();
  private readonly abort = new AbortController();
  private waitingRetries = 0;
  private queuedJobs = 0;
  private runningJobs = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly limits: () => ExecutorLimits) {}

  /** Jobs running now. */
  get running(): number {
    return this.runningJobs;
  }

  /** Jobs waiting: queued plus waiting for a retry. */
  get waiting(): number {
    return this.queuedJobs + this.waitingRetries;
  }

  /** Queues `job` on `chainKey`; false (and `job.dropped`) when the queue is full or closed. */
  submit(chainKey: string, job: ExecutorJob): boolean {
    if (this.abort.signal.aborted) {
      job.dropped('closed');
      return false;
    }
    if (this.waiting >= this.limits().queueSize) {
      job.dropped('queue_full');
      return false;
    }
    let chain = this.chains.get(chainKey);
    if (chain === undefined) {
      chain = { jobs: [] };
      this.chains.set(chainKey, chain);
      this.ready.push(chainKey);
    }
    chain.jobs.push({ job, attempt: 1 });
    this.queuedJobs++;
    this.pump();
    return true;
  }

  /** Resolves when nothing is queued, running or waiting for a retry, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiter = (): void => done();
      this.idleWaiters.push(waiter);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /** Aborts running jobs and drops every queued or retrying one. */
  close(): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    for (const [timer, job] of this.retryTimers) {
      clearTimeout(timer);
      job.dropped('closed');
    }
    this.retryTimers.clear();
    for (const chain of this.chains.values()) {
      for (const queued of chain.jobs.splice(0)) queued.job.dropped('closed');
    }
    this.chains.clear();
    this.ready.length = 0;
    this.queuedJobs = 0;
    this.waitingRetries = 0;
    this.notifyIfIdle();
  }

  private isIdle(): boolean {
    return this.runningJobs === 0 && this.queuedJobs === 0 && this.waitingRetries === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }

  private pump(): void {
    while (this.runningJobs < Math.max(1, this.limits().concurrency) && this.ready.length > 0) {
      const key = this.ready.shift()!;
      const chain = this.chains.get(key);
      const queued = chain?.jobs.shift();
      if (chain === undefined || queued === undefined) continue;
      this.queuedJobs--;
      this.start(key, chain, queued);
    }
  }

  private start(key: string, chain: Chain, queued: QueuedJob): void {
    this.runningJobs++;
    const signal = this.abort.signal;
    queued.job
      .run(queued.attempt, signal)
      .catch(() => undefined)
      .then((result) => {
        this.runningJobs--;
        // Once closed, close() has already dropped what was queued: nothing more starts.
        if (!signal.aborted) {
          if (result === undefined) this.release(key, chain);
          else this.scheduleRetry(key, chain, queued, result.retryAfterMs);
        }
        this.pump();
        this.notifyIfIdle();
      });
  }

  /** The chain stays busy (later jobs must not overtake) but holds no slot while it waits. */
  private scheduleRetry(key: string, chain: Chain, queued: QueuedJob, delayMs: number): void {
    this.waitingRetries++;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.waitingRetries--;
      chain.jobs.unshift({ job: queued.job, attempt: queued.attempt + 1 });
      this.queuedJobs++;
      this.ready.push(key);
      this.pump();
    }, delayMs);
    timer.unref();
    this.retryTimers.set(timer, queued.job);
  }

  private release(key: string, chain: Chain): void {
    if (chain.jobs.length === 0) {
      this.chains.delete(key);
      return;
    }
    this.ready.push(key);
  }
}
