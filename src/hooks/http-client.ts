import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';

/**
 * The one HTTP client of the hook sinks (http_hooks, webhooks): undici with
 * keep-alive pools and explicit connection limits, a deadline per call, a
 * cap on the response body, redirects never followed (undici's `request`
 * does not follow them; SRS issue #2703) and certificate verification on
 * unless a caller turns it off for self-signed test servers. It never
 * throws: every outcome is a value the caller can log and judge.
 */

/** Pool bounds; the defaults suit hundreds of sessions gated at once. */
export interface HttpClientLimits {
  /** Sockets per origin (undici `connections`). */
  readonly connectionsPerOrigin: number;
  /** Idle keep-alive socket lifetime. */
  readonly keepAliveTimeoutMs: number;
  /** Upper bound for a server's `Keep-Alive: timeout=` hint. */
  readonly keepAliveMaxTimeoutMs: number;
}

/** Default pool bounds. */
export const DEFAULT_HTTP_CLIENT_LIMITS: HttpClientLimits = Object.freeze({
  connectionsPerOrigin: 128,
  keepAliveTimeoutMs: 4_000,
  keepAliveMaxTimeoutMs: 60_000,
});

/** Default cap on a hook response body (a hook answers `0` or a small object). */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

/** One POST. */
export interface HttpPostOptions {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** false only for explicit opt-out (vhost `http_hooks { tls_verify off; }`). */
  readonly tlsVerify: boolean;
  /** The caller's cancellation, e.g. the session died while its gate waited. */
  readonly signal?: AbortSignal | undefined;
}

/** Why a call produced no judgeable response. */
export type HttpFailureKind = 'timeout' | 'aborted' | 'refused' | 'tls' | 'too_large' | 'network' | 'bad_url';

/** The outcome of one POST: a complete response, or a failure with a short, URL-free message. */
export type HttpPostResult =
  | { readonly kind: 'response'; readonly status: number; readonly body: Buffer }
  | { readonly kind: 'failure'; readonly failure: HttpFailureKind; readonly message: string; readonly status?: number };

/** What sinks need from HTTP. */
export interface HookHttpClient {
  /** POSTs `body` as application/json; never rejects. */
  post(url: string, body: string, options: HttpPostOptions): Promise<HttpPostResult>;
  /** Closes the pools; later posts fail. */
  close(): Promise<void>;
}

/** The same headers object for every call (undici only reads it). */
const HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json', 'user-agent': 'srs-ts (SRS http_hooks compatible)' });

/** Builds the client; the two pools (verifying / not) are made on first use. */
export function createHookHttpClient(limits: HttpClientLimits = DEFAULT_HTTP_CLIENT_LIMITS): HookHttpClient {
  const agents = new Map<boolean, Agent>();
  const agentFor = (tlsVerify: boolean): Agent => {
    let agent = agents.get(tlsVerify);
    if (agent === undefined) {
      agent = new Agent({
        connections: limits.connectionsPerOrigin,
        pipelining: 1,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        keepAliveMaxTimeout: limits.keepAliveMaxTimeoutMs,
        connect: { rejectUnauthorized: tlsVerify },
      });
      agents.set(tlsVerify, agent);
    }
    return agent;
  };
  return {
    post: (url, body, options) => postOnce(agentFor(options.tlsVerify), url, body, options),
    close: async () => {
      const closing = [...agents.values()].map((agent) => agent.close());
      agents.clear();
      await Promise.allSettled(closing);
    },
  };
}

async function postOnce(agent: Agent, url: string, body: string, options: HttpPostOptions): Promise<HttpPostResult> {
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) return { kind: 'failure', failure: 'bad_url', message: 'invalid url' };
  if (options.signal?.aborted === true) return { kind: 'failure', failure: 'aborted', message: 'aborted' };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const onCallerAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    const response = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: HEADERS,
      body,
      signal: controller.signal,
    });
    const declared = Number(response.headers['content-length'] ?? NaN);
    if (declared > options.maxResponseBytes) {
      response.body.destroy();
      return tooLarge(response.statusCode, options.maxResponseBytes);
    }
    const received = await readCapped(response.body, options.maxResponseBytes);
    if (received === undefined) return tooLarge(response.statusCode, options.maxResponseBytes);
    return { kind: 'response', status: response.statusCode, body: received };
  } catch (error) {
    if (timedOut) return { kind: 'failure', failure: 'timeout', message: `timeout after ${options.timeoutMs} ms` };
    // Only the timer and the caller abort our controller.
    if (controller.signal.aborted) return { kind: 'failure', failure: 'aborted', message: 'aborted' };
    const code = errorCode(error);
    if (code === 'ECONNREFUSED') return { kind: 'failure', failure: 'refused', message: 'connection refused' };
    // Certificate problems (self-signed, expired, wrong host) will not heal on a retry.
    if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL/.test(code)) return { kind: 'failure', failure: 'tls', message: `tls error ${code}` };
    return { kind: 'failure', failure: 'network', message: `network error ${code ?? 'unknown'}` };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
}

/**
 * The whole body, or undefined (and the body destroyed) past `maxBytes`.
 * Read with events, not `for await`: an async iterator and a promise per
 * chunk on every hook call was a visible share of a gated session's cost.
 */
function readCapped(body: Readable, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        body.destroy();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    body.once('error', reject);
  });
}

function tooLarge(status: number, maxBytes: number): HttpPostResult {
  return { kind: 'failure', failure: 'too_large', message: `response body over ${maxBytes} bytes`, status };
}

/** The errno-style code of an undici error or of its cause (connect errors are wrapped). */
function errorCode(error: unknown): string | undefined {
  let fallback: string | undefined;
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (/^E[A-Z]/.test(code)) return code;
      fallback ??= code;
    }
    current = current.cause;
  }
  return fallback;
}
