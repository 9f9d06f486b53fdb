import { Agent } from 'undici';
import { PostExchange } from './http-exchange.js';

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
  /** A body over `maxResponseBytes` is cut there instead of failing the call (on_hls_notify). */
  readonly truncate?: boolean;
  /** Extra request headers (signature, event id and sequence); lowercase names. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
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
  /** GETs `url` (on_hls_notify); never rejects. */
  get(url: string, options: HttpPostOptions): Promise<HttpPostResult>;
  /** Closes the pools; later posts fail. */
  close(): Promise<void>;
}

const USER_AGENT = 'srs-ts (SRS http_hooks compatible)';

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
  const targets = new TargetCache();
  return {
    post: (url, body, options) => requestOnce(agentFor(options.tlsVerify), targets, url, 'POST', body, options),
    get: (url, options) => requestOnce(agentFor(options.tlsVerify), targets, url, 'GET', undefined, options),
    close: async () => {
      const closing = [...agents.values()].map((agent) => agent.close());
      agents.clear();
      await Promise.allSettled(closing);
    },
  };
}

/** Sent with every POST; one frozen object instead of a literal per call. */
const REQUEST_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json', 'user-agent': USER_AGENT });

/** Where a URL goes, as undici's dispatch wants it. */
interface Target {
  readonly origin: string;
  readonly path: string;
}

/** Hook URLs come from the config: a handful, posted to once per session each. */
const TARGET_CACHE_LIMIT = 64;

/** URL -> parsed target, one per client; bounded at {@link TARGET_CACHE_LIMIT} URLs. */
class TargetCache {
  private readonly targets = new Map<string, Target | undefined>();

  /** The origin and path of an http(s) URL, parsed once per distinct URL; undefined when invalid. */
  targetOf(url: string): Target | undefined {
    const targets = this.targets;
    if (targets.has(url)) return targets.get(url);
    let target: Target | undefined;
    if (/^https?:\/\//i.test(url) && URL.canParse(url)) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: parsed.pathname + parsed.search };
    }
    // A reload may bring new URLs; dropping the whole cache keeps it bounded without bookkeeping.
    if (targets.size >= TARGET_CACHE_LIMIT) targets.clear();
    targets.set(url, target);
    return target;
  }
}

/** Sent with every GET. */
const GET_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'user-agent': USER_AGENT });

function requestOnce(agent: Agent, targets: TargetCache, url: string, method: 'POST' | 'GET', body: string | undefined, options: HttpPostOptions): Promise<HttpPostResult> {
  const target = targets.targetOf(url);
  if (target === undefined) return Promise.resolve({ kind: 'failure', failure: 'bad_url', message: 'invalid url' });
  if (options.signal?.aborted === true) return Promise.resolve({ kind: 'failure', failure: 'aborted', message: 'aborted' });
  return new Promise((resolve) => {
    const exchange = new PostExchange(resolve, options);
    const base = method === 'POST' ? REQUEST_HEADERS : GET_HEADERS;
    const headers = options.headers === undefined ? base : { ...base, ...options.headers };
    agent.dispatch({ origin: target.origin, path: target.path, method, headers, body: body ?? null }, exchange);
  });
}
