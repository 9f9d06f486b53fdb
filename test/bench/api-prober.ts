/**
 * Scrapes HTTP endpoints once per interval while a fan-out cell holds its
 * window, as a monitoring system would (`GET /api/v1/clients`, `/metrics`):
 * one keep-alive connection per endpoint, one request at a time, each
 * bounded by a timeout. A 404 or SRS's code 1090 (exporter off) counts as
 * "not served", so the cell runs before and after an endpoint exists.
 */
import { Agent, get } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ProbeResult, ProbeTarget } from './jobs.js';

/** Bound on one request; a slower answer is a failure. */
const PROBE_TIMEOUT_MS = 5_000;
/** Body bytes kept to tell "not served" apart; the rest is counted and dropped. */
const SNIFF_BYTES = 64;

type Attempt = { kind: 'ok'; ms: number; bytes: number } | { kind: 'not-served' } | { kind: 'failed'; error: string };

function scrape(agent: Agent, url: string): Promise<Attempt> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const request = get(url, { agent, timeout: PROBE_TIMEOUT_MS }, (res) => {
      let bytes = 0;
      let head = '';
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (head.length < SNIFF_BYTES) head += chunk.subarray(0, SNIFF_BYTES).toString('latin1');
      });
      res.on('end', () => {
        if (res.statusCode === 404 || /^\{"code":1090\b/.test(head)) resolve({ kind: 'not-served' });
        else if (res.statusCode !== 200) resolve({ kind: 'failed', error: `status ${res.statusCode}` });
        else resolve({ kind: 'ok', ms: performance.now() - startedAt, bytes });
      });
      res.on('error', (error) => resolve({ kind: 'failed', error: error.message }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)));
    request.on('error', (error) => resolve({ kind: 'failed', error: error.message }));
  });
}

class EndpointProbe {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly latenciesMs: number[] = [];
  private readonly errors: string[] = [];
  private bodyBytes = 0;
  private notServed = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly target: ProbeTarget,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    const tick = (): void => {
      // One request at a time: a slow answer delays the next scrape rather than piling up.
      if (this.inFlight !== undefined) return;
      this.inFlight = scrape(this.agent, this.target.url).then((attempt) => {
        this.record(attempt);
        this.inFlight = undefined;
      });
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
  }

  async stop(): Promise<ProbeResult> {
    clearInterval(this.timer);
    await this.inFlight;
    this.agent.destroy();
    const { latenciesMs, bodyBytes, notServed, failures, errors } = this;
    return { name: this.target.name, url: this.target.url, latenciesMs, bodyBytes, notServed, failures, errors };
  }

  private record(attempt: Attempt): void {
    if (attempt.kind === 'ok') {
      this.latenciesMs.push(attempt.ms);
      this.bodyBytes = Math.max(this.bodyBytes, attempt.bytes);
    } else if (attempt.kind === 'not-served') {
      this.notServed += 1;
    } else {
      this.failures += 1;
      if (this.errors.length < 3 && !this.errors.includes(attempt.error)) this.errors.push(attempt.error);
    }
  }
}

/** Every target scraped once per `intervalMs` from start() to stop(). */
export class ApiProber {
  private readonly probes: EndpointProbe[];

  constructor(spec: { readonly targets: readonly ProbeTarget[]; readonly intervalMs: number }) {
    this.probes = spec.targets.map((target) => new EndpointProbe(target, spec.intervalMs));
  }

  start(): void {
    for (const probe of this.probes) probe.start();
  }

  stop(): Promise<ProbeResult[]> {
    return Promise.all(this.probes.map((probe) => probe.stop()));
  }
}
