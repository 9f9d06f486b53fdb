import type { Directive } from './directive.js';
import { envSource, type EnvMap, type EnvSetting } from './env.js';
import { parseSecret, singleArg, type ValueSource } from './values.js';

/**
 * Reads one single-valued setting the way SRS's getters do: the SRS_*
 * variable if set, else the first directive of that name, else the default.
 * Unlike SRS, the value is validated wherever it came from.
 */
export function readSetting<T>(
  env: EnvMap,
  envSetting: EnvSetting | undefined,
  directive: Directive | undefined,
  key: string,
  parse: (source: ValueSource) => T,
  fallback: T,
): T {
  const fromEnv = envSetting === undefined ? undefined : envSource(env, envSetting, key);
  if (fromEnv !== undefined) return parse(fromEnv);
  if (directive === undefined) return fallback;
  return parse(singleArg(directive, key));
}

/**
 * A `secret S;` setting: like readSetting, but `secret "";` (which the lexer
 * reads as no value at all) is the empty-secret error, not "takes exactly one value".
 */
export function readSecret(env: EnvMap, envSetting: EnvSetting | undefined, directive: Directive | undefined, key: string): string | undefined {
  if (directive !== undefined && directive.args.length === 0 && (envSetting === undefined || envSource(env, envSetting, key) === undefined)) {
    return parseSecret({ key, text: '', origin: { kind: 'file', file: directive.file, line: directive.line } });
  }
  return readSetting<string | undefined>(env, envSetting, directive, key, parseSecret, undefined);
}
