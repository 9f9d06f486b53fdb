import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN.md "The layering rule", enforced on every import in src/ and research/:
 *
 *   util <- config, rtmp, media <- core <- hooks <- session <- server, hls, relay, stats, client <- app <- cli / index
 *
 * A file may import its own layer or a strictly lower one; layers of equal
 * rank (config/rtmp/media, server/hls/relay/stats/client) are independent of
 * each other. src/errors.ts, src/log.ts and src/log-file.ts sit at the util level. The pure
 * layers do no I/O and keep no timers; core and session have no sockets or
 * HTTP; hooks never reach into server/ or rtmp/; session knows no protocol
 * (no rtmp/); research/ may use src/, src never uses research/ or test/.
 * No file in src/ keeps mutable state at its top level (DESIGN.md: state
 * lives in objects app.ts creates). Files that do not exist yet are simply
 * not checked.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Layer name -> rank; a file may import only from its own layer or a lower rank. */
const RANK = {
  util: 0, config: 1, rtmp: 1, media: 1, core: 2, hooks: 3, session: 4,
  server: 5, hls: 5, relay: 5, stats: 5, client: 5, app: 6, entry: 7, research: 8,
} as const;
type Layer = keyof typeof RANK | 'test';

/** Modules a pure layer may not touch: sockets, files, processes, HTTP clients, logging, timers. */
const IO_MODULES = ['net', 'http', 'https', 'http2', 'tls', 'dgram', 'child_process', 'fs', 'timers', 'worker_threads', 'cluster', 'undici', 'pino'];
/** Modules core may not touch: it knows nothing of RTMP sockets or HTTP. */
const NETWORK_MODULES = ['net', 'http', 'https', 'http2', 'tls', 'dgram', 'undici'];
const TIMER_CALL = /\b(setTimeout|setInterval|setImmediate)\s*\(/;
/**
 * Top-level mutable state: a `let`/`var` at column 0, or a top-level const
 * that is a fresh collection or an empty array/object to be filled later.
 * Frozen tables, literal constants and collections typed `ReadonlySet` /
 * `ReadonlyMap` (lookup tables) are fine.
 */
const TOP_LEVEL_STATE = /^(?:export\s+)?(?:(?:let|var)\s+\w+|const\s+\w+(?!\s*:\s*Readonly)(?:\s*:[^=\n]+)?\s*=\s*(?:new\s+(?:Map|Set|WeakMap|WeakSet|Array)\b|\[\s*\]|\{\s*\}))/m;

interface SourceFile {
  /** Repository-relative, '/'-separated: `src/rtmp/url.ts`. */
  path: string;
  text: string;
}

/** The layer of a repository-relative path, undefined outside the known ones. */
function layerOf(path: string): Layer | undefined {
  if (path === 'src/errors.ts' || path === 'src/log.ts' || path === 'src/log-file.ts' || path.startsWith('src/util/')) return 'util';
  if (path === 'src/app.ts') return 'app';
  if (path === 'src/cli.ts' || path === 'src/index.ts') return 'entry';
  if (path.startsWith('research/')) return 'research';
  if (path.startsWith('test/')) return 'test';
  const folder = /^src\/([^/]+)\//.exec(path)?.[1];
  return folder !== undefined && folder in RANK && folder !== 'util' && folder !== 'app' && folder !== 'entry' && folder !== 'research'
    ? (folder as Layer)
    : undefined;
}

/** Every module specifier a file imports: static and type imports, re-exports, import(), require(). */
function importsOf(text: string): string[] {
  const patterns = [
    /^\s*import\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/gm,
    /^\s*export\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[\w\s,$]*\})\s+from\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]!));
}

/** Drops line comments and JSDoc/block comment lines, so prose that names a timer is not a timer. */
function codeOnly(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*(\/\*|\*|\/\/)/.test(line))
    .map((line) => line.replace(/(^|\s)\/\/.*$/, '$1'))
    .join('\n');
}

/** `node:fs/promises` -> `fs`, `undici` -> `undici`, `@scope/x` -> `@scope/x`. */
function bareModule(specifier: string): string {
  const name = specifier.replace(/^node:/, '');
  return name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!;
}

/** Checks a set of files against the layering rule; returns one line per violation. */
function checkLayering(files: readonly SourceFile[]): string[] {
  const violations: string[] = [];
  for (const file of files) {
    const from = layerOf(file.path);
    if (from === undefined || from === 'test') {
      violations.push(`${file.path} is in no layer (add it to DESIGN.md's layering rule and test/arch.test.ts)`);
      continue;
    }
    const isPure = (from === 'rtmp' || from === 'media' || from === 'config') && file.path !== 'src/config/load.ts';
    for (const specifier of importsOf(file.text)) {
      if (specifier.startsWith('.')) {
        // NodeNext: the specifier names the emitted `.js`, the source is `.ts`.
        const target = posix.normalize(posix.join(posix.dirname(file.path), specifier)).replace(/\.js$/, '.ts');
        const to = layerOf(target);
        const allowed =
          to !== undefined &&
          to !== 'test' &&
          (from === to || RANK[to] < RANK[from]) &&
          !(from === 'hooks' && (to === 'server' || to === 'rtmp')) &&
          !(from === 'session' && to === 'rtmp');
        if (!allowed) violations.push(`${file.path} imports ${specifier} (layer ${from} may not import layer ${to ?? target})`);
        continue;
      }
      const module = bareModule(specifier);
      if (isPure && IO_MODULES.includes(module)) violations.push(`${file.path} imports ${specifier} (layer ${from} may not import ${module})`);
      if ((from === 'core' || from === 'session') && NETWORK_MODULES.includes(module)) {
        violations.push(`${file.path} imports ${specifier} (layer ${from} may not import ${module})`);
      }
    }
    const state = TOP_LEVEL_STATE.exec(codeOnly(file.text));
    if (state !== null && file.path.startsWith('src/')) violations.push(`${file.path} keeps top-level mutable state: ${state[0].trim()}`);
    if (isPure) {
      const timer = TIMER_CALL.exec(codeOnly(file.text));
      if (timer !== null) violations.push(`${file.path} uses ${timer[1]} (layer ${from} may not use timers)`);
    }
  }
  return violations;
}

function readTree(folder: string): SourceFile[] {
  const absolute = join(ROOT, folder);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => {
      const full = join(entry.parentPath, entry.name);
      return { path: relative(ROOT, full).split(sep).join('/'), text: readFileSync(full, 'utf8') };
    });
}

describe('architecture: the layering rule of DESIGN.md', () => {
  it('holds for every import in src/ and research/', () => {
    const files = [...readTree('src'), ...readTree('research')];
    expect(files.length).toBeGreaterThan(0);
    expect(files.some((file) => file.path === 'src/errors.ts')).toBe(true);
    const violations = checkLayering(files);
    if (violations.length > 0) console.error(violations.join('\n'));
    expect(violations).toEqual([]);
  });
});

describe('architecture checker (self-check on fake files)', () => {
  const file = (path: string, text: string): SourceFile => ({ path, text });

  it('reports each kind of violation with the file and the layers', () => {
    const violations = checkLayering([
      file('src/rtmp/chunk.ts', "import { Hub } from '../core/hub.js';\nimport * as net from 'node:net';\n"),
      file('src/media/tag.ts', "import { setTimeout as wait } from 'node:timers/promises';\nconst t = setTimeout(() => {}, 5);\n"),
      file('src/config/parse.ts', "import {\n  readFileSync,\n  type Stats,\n} from 'node:fs';\nexport * from '../hooks/events.js';\n"),
      file('src/core/stream.ts', "import { request } from 'undici';\nimport type { Config } from '../config/schema.js';\n"),
      file('src/hooks/sink.ts', "import type { RtmpSession } from '../server/rtmp-session.js';\nimport { encode } from '../rtmp/amf0.js';\n"),
      file('src/server/session.ts', "const api = await import('../hls/segmenter.js');\nimport { x } from '../../research/api-server/token.js';\n"),
      file('src/hls/segmenter.ts', "import { y } from '../../test/unit/helpers.js';\nimport { start } from '../app.js';\n"),
      file('src/util/bytes.ts', "import { ProtocolError } from '../rtmp/errors.js';\n"),
      file('src/rtmp/other.ts', "const pino = require('pino');\nimport { packet } from '../media/packet.js';\n"),
      file('src/flv/tag.ts', 'export const x = 1;\n'),
      file('src/session/client.ts', "import { parseTcUrl } from '../rtmp/url.js';\nimport { createServer } from 'node:http';\n"),
      file('src/core/cache.ts', "export const cache = new Map<string, Buffer>();\n"),
      file('src/rtmp/digest.ts', "let likelySchema = 1;\n"),
    ]);
    expect(violations).toEqual([
      'src/rtmp/chunk.ts imports ../core/hub.js (layer rtmp may not import layer core)',
      'src/rtmp/chunk.ts imports node:net (layer rtmp may not import net)',
      'src/media/tag.ts imports node:timers/promises (layer media may not import timers)',
      'src/media/tag.ts uses setTimeout (layer media may not use timers)',
      'src/config/parse.ts imports node:fs (layer config may not import fs)',
      'src/config/parse.ts imports ../hooks/events.js (layer config may not import layer hooks)',
      'src/core/stream.ts imports undici (layer core may not import undici)',
      'src/hooks/sink.ts imports ../server/rtmp-session.js (layer hooks may not import layer server)',
      'src/hooks/sink.ts imports ../rtmp/amf0.js (layer hooks may not import layer rtmp)',
      'src/server/session.ts imports ../../research/api-server/token.js (layer server may not import layer research)',
      'src/server/session.ts imports ../hls/segmenter.js (layer server may not import layer hls)',
      'src/hls/segmenter.ts imports ../../test/unit/helpers.js (layer hls may not import layer test)',
      'src/hls/segmenter.ts imports ../app.js (layer hls may not import layer app)',
      'src/util/bytes.ts imports ../rtmp/errors.js (layer util may not import layer rtmp)',
      'src/rtmp/other.ts imports ../media/packet.js (layer rtmp may not import layer media)',
      'src/rtmp/other.ts imports pino (layer rtmp may not import pino)',
      "src/flv/tag.ts is in no layer (add it to DESIGN.md's layering rule and test/arch.test.ts)",
      'src/session/client.ts imports ../rtmp/url.js (layer session may not import layer rtmp)',
      'src/session/client.ts imports node:http (layer session may not import http)',
      'src/core/cache.ts keeps top-level mutable state: export const cache = new Map',
      'src/rtmp/digest.ts keeps top-level mutable state: let likelySchema',
    ]);
  });

  it('accepts what the rule allows', () => {
    const violations = checkLayering([
      file('src/errors.ts', 'export class SrsError extends Error {}\n'),
      file('src/log.ts', "import { pino } from 'pino';\n"),
      file('src/rtmp/url.ts', "import { ProtocolError } from '../errors.js';\nimport { createHash } from 'node:crypto';\n// a timer here would be setTimeout(...), which this file must not use\n"),
      file('src/media/flv-tag.ts', "import type { MediaPacket } from './packet.js';\n/** Never calls setInterval() */\n"),
      file('src/config/load.ts', "import { readFileSync } from 'node:fs';\nimport { parse } from './parse.js';\n"),
      file('src/core/stream.ts', "import type { MediaPacket } from '../media/packet.js';\nimport { parseDurationMs } from '../util/duration.js';\nsetTimeout(() => {}, 1);\n"),
      file('src/hooks/webhook.ts', "import { request } from 'undici';\nimport type { Config } from '../config/schema.js';\nimport type { Stream } from '../core/stream.js';\n"),
      file('src/server/rtmp-session.ts', "import { RtmpConnection } from '../rtmp/connection.js';\nimport type { HookSystem } from '../hooks/hook-system.js';\nimport net from 'node:net';\n"),
      file('src/app.ts', "import { RtmpServer } from './server/rtmp/rtmp-server.js';\nimport { ClientRegistry } from './session/client-registry.js';\n"),
      file('src/session/client.ts', "import { Hub } from '../core/hub.js';\nimport type { HookPort } from '../hooks/events.js';\nconst FAILED = Object.freeze({ a: 1 });\nconst KINDS: ReadonlySet<string> = new Set(['a']);\n"),
      file('src/server/http/live.ts', "import { Client } from '../../session/client.js';\nimport { createServer } from 'node:http';\n"),
      file('src/cli.ts', "import { startServer } from './app.js';\n"),
      file('src/index.ts', "export { startServer } from './app.js';\nexport type { HookEvent } from './hooks/events.js';\nexport * from './relay/rtmp-client.js';\n"),
      file('research/api-server/server.ts', "import { createServer } from 'node:http';\nimport { ProtocolError } from '../../src/errors.js';\nimport { x } from './token.js';\n"),
    ]);
    expect(violations).toEqual([]);
  });

  it('finds every import form', () => {
    const text = [
      "import a from 'a';",
      "import type { B } from 'b';",
      "import { c,\n  type C2 } from 'c';",
      "import * as d from 'd';",
      "import 'e';",
      "export * from 'f';",
      "export { g as G } from 'g';",
      "export type { H } from 'h';",
      "const i = await import('i');",
      "const j = require('j');",
      " * import x from 'in-a-comment';",
      "const k = 'import l from \"not-at-line-start\"';",
    ].join('\n');
    expect(importsOf(text).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
  });
});
