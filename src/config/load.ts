import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { buildConfig } from './build.js';
import { ConfigErrorCode } from './codes.js';
import { displayText, type Directive } from './directive.js';
import { parseLalConfig, type LalConfigPart } from './lal-json.js';
import { DEFAULT_PARSE_LIMITS, parseConfigText } from './parse.js';
import type { Config } from './schema.js';
import type { ConfigWarning } from './warning.js';

/** A directive accepted but not acted on (re-exported: the CLI logs these). */
export type { ConfigWarning } from './warning.js';

/**
 * The only file of config/ that touches the file system: reads the config
 * file, expands `include`, picks file / env-only / embedded default, and
 * hands the tree to the pure builder.
 *
 * Includes (srs-spec §3.1): SRS opens them relative to the process cwd. SRS's
 * own samples write `include ./conf/x.conf;` (relative to SRS's trunk), so
 * when the path is not found relative to the cwd we try, in order, the
 * including file's directory, then the file name alone in that directory.
 * A cycle, a chain deeper than `maxIncludeDepth`, or a total size over
 * `maxBytes` is an error at the `include` line.
 */

/** What a stat of a config path tells the loader. */
export interface ConfigFileStat {
  isFile(): boolean;
  isDirectory(): boolean;
  readonly size: number;
}

/**
 * The file system calls the loader makes, so a caller can choose what it
 * sees (a test hides the machine's files: an SRS sample includes
 * /etc/nginx/mime.types, which exists only where nginx is installed).
 * Each throws as node:fs does (an errno error such as ENOENT).
 */
export interface ConfigFileSystem {
  stat(file: string): ConfigFileStat;
  realpath(file: string): string;
  /** The first `maxBytes` bytes of the file (fewer at its end). */
  readPrefix(file: string, maxBytes: number): Buffer;
}

/** The real file system. */
export const NODE_FILE_SYSTEM: ConfigFileSystem = Object.freeze({
  stat: (file: string): ConfigFileStat => statSync(file),
  realpath: (file: string): string => realpathSync(file),
  readPrefix,
});

/** How to load; see loadConfig. */
export interface LoadOptions {
  file?: string | undefined;
  envOnly?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where files are read from (default: the real file system). */
  fileSystem?: ConfigFileSystem;
  /** Bytes of config text accepted, includes included (default 8 MiB; SRS's full.conf is 117 KB). */
  maxBytes?: number;
  /** Longest include chain (default 16). */
  maxIncludeDepth?: number;
  /** Deepest `{ }` nesting (default 64). */
  maxDepth?: number;
}

/** What loadConfig found; `source` says which of the three inputs it used. */
export interface LoadResult {
  config: Config;
  warnings: ConfigWarning[];
  source: 'file' | 'env' | 'embedded';
}

/**
 * The config used when there is no file: what `npx srs` runs on. SRS has no
 * such thing; daemon off and console logs suit a first run (SRS defaults are
 * daemon on and logs in ./objs/srs.log). Env-only mode starts from it too.
 */
export const EMBEDDED_DEFAULT_CONFIG = `# srs-ts embedded default: RTMP on 1935, the default vhost, logs on the console.
listen              1935;
daemon              off;
srs_log_tank        console;
vhost __defaultVhost__ {
}
`;

/** Name shown in errors about the embedded text. */
const EMBEDDED_NAME = '(embedded default)';

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
const DEFAULT_MAX_INCLUDE_DEPTH = 16;

/**
 * Loads the config: SRS_ENV_ONLY (any non-empty value, as SRS) or `envOnly`
 * runs from the environment alone; else SRS_CONFIG_FILE overrides `file`;
 * else the embedded default. SRS_* overrides apply in every case. Throws
 * ConfigError (one line, naming file and line where there is one).
 */
export function loadConfig(options: LoadOptions): LoadResult {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const envOnly = options.envOnly === true || nonEmpty(env.SRS_ENV_ONLY);
  const limits = {
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    maxIncludeDepth: options.maxIncludeDepth ?? DEFAULT_MAX_INCLUDE_DEPTH,
    maxDepth: options.maxDepth ?? DEFAULT_PARSE_LIMITS.maxDepth,
  };
  if (envOnly) {
    const { config, warnings } = buildConfig(parseConfigText(EMBEDDED_DEFAULT_CONFIG, EMBEDDED_NAME), { file: undefined, env });
    return { config, warnings, source: 'env' };
  }
  const file = nonEmpty(env.SRS_CONFIG_FILE) ? env.SRS_CONFIG_FILE : options.file;
  if (file === undefined || file === '') {
    const { config, warnings } = buildConfig(parseConfigText(EMBEDDED_DEFAULT_CONFIG, EMBEDDED_NAME), { file: undefined, env });
    return { config, warnings, source: 'embedded' };
  }
  const reader = new IncludeReader(cwd, limits, options.fileSystem ?? NODE_FILE_SYSTEM);
  const directives = reader.readMain(file);
  const { config, warnings } = buildConfig(directives, { file, env });
  return { config, warnings, source: 'file' };
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

interface ReadLimits {
  readonly maxBytes: number;
  readonly maxIncludeDepth: number;
  readonly maxDepth: number;
}

/** Reads the main file and its includes within the bounds; one instance per load. */
class IncludeReader {
  private bytesLeft: number;

  constructor(
    private readonly cwd: string,
    private readonly limits: ReadLimits,
    private readonly fs: ConfigFileSystem,
  ) {
    this.bytesLeft = limits.maxBytes;
  }

  /** The main file's directives with every include spliced in. */
  readMain(file: string): Directive[] {
    const absolute = path.resolve(this.cwd, file);
    const text = this.readText(absolute, file, undefined);
    const real = this.fs.realpath(absolute);
    return this.expand(parseConfigText(text, file, this.limits), [real]);
  }

  private expand(directives: readonly Directive[], chain: readonly string[]): Directive[] {
    const out: Directive[] = [];
    for (const directive of directives) {
      if (directive.name !== 'include') {
        out.push(directive.children.length === 0 ? directive : { ...directive, children: this.expand(directive.children, chain) });
        continue;
      }
      // SRS parse_conf: `line N: include is empty directive`.
      if (directive.args.length === 0) throw includeError(directive, 'include is empty directive');
      if (directive.block) throw includeError(directive, 'include takes file names, not a block');
      for (const name of directive.args) {
        for (const child of this.readInclude(directive, name, chain)) out.push(child);
      }
    }
    return out;
  }

  private readInclude(at: Directive, name: string, chain: readonly string[]): Directive[] {
    const includingDir = path.dirname(chain[chain.length - 1] as string);
    const absolute = this.resolveInclude(at, name, includingDir);
    const real = this.fs.realpath(absolute);
    if (chain.includes(real)) {
      const cycle = [...chain.slice(chain.indexOf(real)), real].map((file) => this.display(file)).join(' -> ');
      throw includeError(at, `include cycle: ${cycle}`);
    }
    if (chain.length > this.limits.maxIncludeDepth) {
      throw includeError(at, `includes nested deeper than ${this.limits.maxIncludeDepth} files`);
    }
    const shown = this.display(absolute);
    const text = this.readText(absolute, shown, at);
    return this.expand(parseConfigText(text, shown, this.limits), [...chain, real]);
  }

  /** cwd (SRS), then the including file's directory, then just the file name there. */
  private resolveInclude(at: Directive, name: string, includingDir: string): string {
    const candidates = path.isAbsolute(name)
      ? [name]
      : [path.resolve(this.cwd, name), path.resolve(includingDir, name), path.resolve(includingDir, path.basename(name))];
    const unique = [...new Set(candidates)];
    const found = unique.find((candidate) => this.isFile(candidate));
    if (found !== undefined) return found;
    throw includeError(at, `include ${displayText(name, 200)}: no such file (tried ${unique.map((file) => this.display(file)).join(', ')})`);
  }

  /** Reads a whole file within the remaining byte budget; errors name the file, or the include line. */
  private readText(absolute: string, shown: string, at: Directive | undefined): string {
    let size: number;
    try {
      const stat = this.fs.stat(absolute);
      // A FIFO or device would block or never end: only regular files are read.
      if (!stat.isFile()) throw fileError(shown, at, stat.isDirectory() ? 'is a directory, not a config file' : 'is not a regular file');
      size = stat.size;
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw fileError(shown, at, describeFsError(error));
    }
    if (size > this.bytesLeft) {
      const line = this.lineAtOffset(absolute, this.bytesLeft);
      throw new ConfigError(`config text over the ${this.limits.maxBytes}-byte bound (this file is ${size} bytes)`, { file: shown, line, code: ConfigErrorCode.File });
    }
    let buffer: Buffer;
    try {
      buffer = this.fs.readPrefix(absolute, size);
    } catch (error) {
      throw fileError(shown, at, describeFsError(error));
    }
    this.bytesLeft -= buffer.length;
    return buffer.toString('utf8');
  }

  /** The 1-based line holding byte `offset`, so the size error points into the file. */
  private lineAtOffset(absolute: string, offset: number): number {
    const prefix = this.fs.readPrefix(absolute, offset);
    let line = 1;
    for (let index = prefix.indexOf(0x0a); index !== -1; index = prefix.indexOf(0x0a, index + 1)) line += 1;
    return line;
  }

  private isFile(candidate: string): boolean {
    try {
      return this.fs.stat(candidate).isFile();
    } catch {
      return false;
    }
  }

  /** Paths inside the cwd are shown relative to it, others absolute. */
  private display(absolute: string): string {
    const relative = path.relative(this.cwd, absolute);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absolute;
  }
}

function readPrefix(absolute: string, maxBytes: number): Buffer {
  const fd = openSync(absolute, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes);
    let filled = 0;
    while (filled < maxBytes) {
      const read = readSync(fd, buffer, filled, maxBytes - filled, null);
      if (read === 0) break;
      filled += read;
    }
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/** A missing/unreadable main file names the file; a failing include names the include line. */
function fileError(shown: string, at: Directive | undefined, reason: string): ConfigError {
  if (at !== undefined) return includeError(at, `include ${shown}: ${reason}`);
  // No line exists in a file we could not read, so the file is named in the message instead of file:line.
  const message = reason === 'no such file' ? `no config file at ${shown}` : `cannot read config file ${shown}: ${reason}`;
  return new ConfigError(message, { code: ConfigErrorCode.File });
}

function includeError(at: Directive, message: string): ConfigError {
  return new ConfigError(message, { file: at.file, line: at.line, code: ConfigErrorCode.Include });
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a config file';
  return error instanceof Error ? error.message : String(error);
}

/** A lalserver JSON config is a few KiB; more is not one. */
const LAL_CONFIG_MAX_BYTES = 1024 * 1024;

/**
 * Reads the `server_id` and `http_notify` of an existing lalserver JSON
 * config (`--lal-config FILE`, lal-json.ts); throws ConfigError naming the file.
 */
export function loadLalConfig(file: string, fileSystem: ConfigFileSystem = NODE_FILE_SYSTEM): LalConfigPart {
  let text: string;
  try {
    const stat = fileSystem.stat(file);
    if (!stat.isFile()) throw new ConfigError('lal config is not a regular file', { file, line: 0, code: ConfigErrorCode.File });
    if (stat.size > LAL_CONFIG_MAX_BYTES) throw new ConfigError(`lal config over the ${LAL_CONFIG_MAX_BYTES}-byte bound`, { file, line: 0, code: ConfigErrorCode.File });
    text = fileSystem.readPrefix(file, LAL_CONFIG_MAX_BYTES).toString('utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`cannot read lal config: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { file, line: 0, code: ConfigErrorCode.File });
  }
  return parseLalConfig(text, file);
}
