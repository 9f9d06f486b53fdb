import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { buildConfig } from '../../../src/config/build.js';
import { parseConfigText } from '../../../src/config/parse.js';
import type { Config } from '../../../src/config/schema.js';
import type { ConfigWarning } from '../../../src/config/warning.js';

/** The repository root: loadConfig resolves relative paths against it in these tests. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** test/fixtures/conf, relative to REPO_ROOT (how error messages show it). */
export const CONF_FIXTURES = 'test/fixtures/conf';

/** Runs `action`, which must throw a ConfigError, and returns it. */
export function configErrorOf(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

/** Parses and builds `text` as file `file` (pure path, no includes). */
export function buildText(text: string, env: Record<string, string> = {}, file = 'test.conf'): { config: Config; warnings: ConfigWarning[] } {
  return buildConfig(parseConfigText(text, file), { file, env });
}

/** The one vhost of a config built from `text`. */
export function vhostOf(text: string, name = '__defaultVhost__', env: Record<string, string> = {}) {
  const vhost = buildText(text, env).config.vhosts.get(name);
  if (vhost === undefined) throw new Error(`no vhost ${name}`);
  return vhost;
}
