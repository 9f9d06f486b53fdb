import { DEFAULTS, BOUNDS } from './defaults.js';
import { readSecret } from './setting.js';
import { childrenNamed, firstChild, type Directive } from './directive.js';
import type { HookEventName, HookTarget, HooksConfig, SpoolConfig } from './schema.js';
import { errorAt, invalidValue, originOf, parseChoice, parseDuration, parseHttpUrl, parseInteger, parseSize, singleArg, type ValueSource } from './values.js';

/**
 * Our top-level `hooks { ... }` block (an extension; SRS has only the
 * per-vhost `http_hooks`), documented in conf/full.conf:
 *   script  <event> </abs/path>;   webhook <event> <http(s) url>;  (repeatable)
 *   stdio_format json|env;  timeout 30s;  concurrency 10;  queue 1000;
 *   secret S;  (signs webhooks)
 *   spool DIR; spool_max_size 64m; spool_max_age 24h; spool_retry_min 1s; spool_retry_max 60s;
 * Whether a script exists and is executable is checked by the hooks layer, at start and by `srs -t`.
 */

/** The events a script or webhook can subscribe to (the hooks guide's names). */
export const HOOK_EVENTS: readonly HookEventName[] = ['connection_accept', 'connection_close', 'publish_start', 'publish_stop', 'play_start', 'play_stop'];

/** Builds HooksConfig from the first `hooks` block (or defaults when there is none). */
export function buildHooks(root: readonly Directive[]): HooksConfig {
  const block = firstChild(root, 'hooks');
  const children = block?.children ?? [];
  const scripts = childrenNamed(children, 'script').map((directive) => hookTarget(directive, 'hooks.script', parseScriptPath));
  const webhooks = childrenNamed(children, 'webhook').map((directive) => hookTarget(directive, 'hooks.webhook', parseHttpUrl));
  const stdio = firstChild(children, 'stdio_format');
  const timeout = firstChild(children, 'timeout');
  const concurrency = firstChild(children, 'concurrency');
  const queue = firstChild(children, 'queue');
  return {
    scripts,
    webhooks,
    stdioFormat: stdio === undefined ? undefined : parseChoice(singleArg(stdio, 'hooks.stdio_format'), ['json', 'env'] as const),
    timeoutMs: timeout === undefined ? DEFAULTS.hooks.timeoutMs : parseDuration(singleArg(timeout, 'hooks.timeout'), BOUNDS.hooksTimeoutMaxMs),
    concurrency: concurrency === undefined ? DEFAULTS.hooks.concurrency : parseInteger(singleArg(concurrency, 'hooks.concurrency'), ...BOUNDS.hooksConcurrency),
    queueSize: queue === undefined ? DEFAULTS.hooks.queueSize : parseInteger(singleArg(queue, 'hooks.queue'), ...BOUNDS.hooksQueue),
    secret: readSecret({}, undefined, firstChild(children, 'secret'), 'hooks.secret'),
    spool: buildSpool(children),
  };
}

/** The spool settings, present only with `spool DIR;` (the spool is off unless named). */
function buildSpool(children: readonly Directive[]): SpoolConfig | undefined {
  const dir = optional(children, 'spool', (source) => {
    if (source.text === '') throw invalidValue(source, 'a directory');
    return source.text;
  });
  const ms = (name: string, max: number, fallback: number): number => optional(children, name, (source) => parseDuration(source, max)) ?? fallback;
  const spool = {
    maxSizeBytes: optional(children, 'spool_max_size', (source) => parseSize(source, ...BOUNDS.spoolMaxSizeBytes)) ?? DEFAULTS.spool.maxSizeBytes,
    maxAgeMs: ms('spool_max_age', BOUNDS.spoolMaxAgeMaxMs, DEFAULTS.spool.maxAgeMs),
    retryMinMs: ms('spool_retry_min', BOUNDS.spoolRetryMaxMs, DEFAULTS.spool.retryMinMs),
    retryMaxMs: ms('spool_retry_max', BOUNDS.spoolRetryMaxMs, DEFAULTS.spool.retryMaxMs),
  };
  if (spool.retryMaxMs < spool.retryMinMs) {
    const at = firstChild(children, 'spool_retry_max') ?? firstChild(children, 'spool_retry_min');
    throw errorAt(originOf(at as Directive), `hooks.spool_retry_max (${spool.retryMaxMs} ms) is below hooks.spool_retry_min (${spool.retryMinMs} ms)`);
  }
  return dir === undefined ? undefined : { dir, ...spool };
}

/** The parsed single value of `hooks.<name>`, or undefined when absent. */
function optional<T>(children: readonly Directive[], name: string, parse: (source: ValueSource) => T): T | undefined {
  const directive = firstChild(children, name);
  return directive === undefined ? undefined : parse(singleArg(directive, `hooks.${name}`));
}

/** `script EVENT PATH;` / `webhook EVENT URL;`. */
function hookTarget(directive: Directive, key: string, parseTarget: (source: ValueSource) => string): HookTarget {
  const origin = originOf(directive);
  if (directive.args.length !== 2) throw errorAt(origin, `${key} takes an event and a target, got ${directive.args.length} value(s)`);
  const [eventText, targetText] = directive.args as [string, string];
  const event = parseChoice({ key: `${key}.event`, text: eventText, origin }, HOOK_EVENTS);
  return { event, target: parseTarget({ key, text: targetText, origin }), origin: { file: directive.file, line: directive.line } };
}

/** Scripts run without a shell and from any cwd, so the path must be absolute. */
function parseScriptPath(source: ValueSource): string {
  if (!source.text.startsWith('/')) throw invalidValue(source, 'an absolute script path');
  return source.text;
}
