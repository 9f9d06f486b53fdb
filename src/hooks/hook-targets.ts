import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import type { HookEventName, HooksConfig, HookTarget } from '../config/schema.js';
import { GUIDE_EVENT_NAMES } from './guide-event.js';

/**
 * Start-time checks of script and webhook targets (`--hook-script`,
 * `--hook-webhook`, the `hooks { }` block): a bad target is refused with one
 * clear line rather than failing at the first event.
 */

/** `--hook-script` / `--hook-webhook`. */
export type HookFlagKind = 'script' | 'webhook';

/** Parses `EVENT=/abs/path` or `EVENT=http(s)://...`; throws UsageError with one line. */
export function parseHookFlag(kind: HookFlagKind, spec: string): HookTarget {
  const flag = `--hook-${kind} ${JSON.stringify(spec)}`;
  const eq = spec.indexOf('=');
  const expected = kind === 'script' ? 'EVENT=/absolute/path/script' : 'EVENT=http://host/path';
  if (eq < 0) throw new UsageError(`${flag}: missing '=' (expected ${expected})`);
  const event = spec.slice(0, eq).trim();
  const target = spec.slice(eq + 1).trim();
  if (!isHookEventName(event)) throw new UsageError(`${flag}: unknown event '${event}' (expected one of ${GUIDE_EVENT_NAMES.join(', ')})`);
  if (target === '') throw new UsageError(`${flag}: empty target (expected ${expected})`);
  const problem = kind === 'script' ? scriptProblem(target) : webhookProblem(target);
  if (problem !== undefined) throw new UsageError(`${flag}: ${problem}`);
  return { event, target };
}

/**
 * Checks every target of the block: scripts exist and are executable, URLs
 * are http(s). A target a config file named fails as a ConfigError at its
 * file and line (exit 1, found by `srs -t` too); one from a flag as a UsageError.
 */
export function validateHookTargets(config: HooksConfig): void {
  for (const hook of config.scripts) {
    if (!isHookEventName(hook.event)) throw targetError(hook, `hook script ${hook.target}: unknown event '${String(hook.event)}'`);
    const problem = scriptProblem(hook.target);
    if (problem !== undefined) throw targetError(hook, `hook script for ${hook.event}: ${problem}`);
  }
  for (const hook of config.webhooks) {
    if (!isHookEventName(hook.event)) throw targetError(hook, `hook webhook ${hook.target}: unknown event '${String(hook.event)}'`);
    const problem = webhookProblem(hook.target);
    if (problem !== undefined) throw targetError(hook, `hook webhook for ${hook.event}: ${problem}`);
  }
}

function targetError(hook: HookTarget, message: string): ConfigError | UsageError {
  return hook.origin === undefined ? new UsageError(message) : new ConfigError(message, { file: hook.origin.file, line: hook.origin.line });
}

/** True for the six guide event names. */
export function isHookEventName(name: string): name is HookEventName {
  return (GUIDE_EVENT_NAMES as readonly string[]).includes(name);
}

function scriptProblem(path: string): string | undefined {
  if (!isAbsolute(path)) return `script path '${path}' is not absolute`;
  try {
    if (!statSync(path).isFile()) return `script '${path}' is not a regular file`;
  } catch {
    return `script '${path}' does not exist`;
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return `script '${path}' is not executable (chmod +x)`;
  }
  return undefined;
}

function webhookProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `'${url}' is not a valid URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `'${url}' is not an http(s) URL`;
  if (parsed.hostname === '') return `'${url}' has no host`;
  return undefined;
}
