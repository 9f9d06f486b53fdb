import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * A directive the server honours must change what it does: every field of
 * the config interfaces in src/config/schema.ts is read by some file of src/
 * outside src/config/. A field nobody reads is a directive parsed and then
 * ignored, silently; such a directive should be left out of the schema and
 * of HONOURED (known-directives.ts) so it gets the "not supported, ignored"
 * warning at start and in `srs -t`. A field counts as read when a file has
 * `.field` or the quoted name `'field'` (a key map such as
 * srs-http-hooks.ts's `on_stop: 'onStop'`). Names are matched, not types:
 * `.enabled` anywhere counts for every `enabled`.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Fields that are not directives: where a vhost was written, for config's own messages. */
const NOT_DIRECTIVES = new Set(['VhostConfig.position']);

/**
 * Parsed for a warning only: fast_cache affects .aac/.mp3 mounts, which are
 * not served yet (build-http.ts warns when it is set); http_api is not
 * served yet (app.ts warns at start).
 */
const WARNED_NOT_SERVED = new Set(['HttpRemuxConfig.fastCacheSec', 'HttpApiConfig.crossdomain']);

/** `Interface.field` for every `readonly field:` of every interface in schema.ts. */
function schemaFields(schema: string): string[] {
  const fields: string[] = [];
  for (const match of schema.matchAll(/^export interface (\w+)[^{]*\{([\s\S]*?)^\}/gm)) {
    const [, name, body] = match as unknown as [string, string, string];
    for (const field of body.matchAll(/^\s*readonly (\w+)\??:/gm)) fields.push(`${name}.${field[1] as string}`);
  }
  return fields;
}

function sourcesOutsideConfig(): string[] {
  const src = path.join(ROOT, 'src');
  return readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !file.startsWith(path.join(src, 'config') + path.sep))
    .map((file) => readFileSync(file, 'utf8'));
}

/** Fields no file reads, except the lists above. */
function unconsumed(fields: readonly string[], sources: readonly string[]): string[] {
  return fields.filter((qualified) => {
    if (NOT_DIRECTIVES.has(qualified) || WARNED_NOT_SERVED.has(qualified)) return false;
    const field = qualified.slice(qualified.indexOf('.') + 1);
    const read = new RegExp(`\\.${field}\\b|['"]${field}['"]`);
    return !sources.some((text) => read.test(text));
  });
}

describe('every config field has a consumer outside src/config', () => {
  const fields = schemaFields(readFileSync(path.join(ROOT, 'src/config/schema.ts'), 'utf8'));

  it('reads the schema', () => {
    expect(fields).toEqual(expect.arrayContaining(['Config.listen', 'VhostConfig.play', 'PlayConfig.gopCache', 'HttpRemuxConfig.mount', 'HttpServerConfig.trustedProxies']));
    expect(fields.length).toBeGreaterThan(50);
  });

  it('finds no field that nothing reads', () => {
    expect(unconsumed(fields, sourcesOutsideConfig())).toEqual([]);
  });

  it('would name an unread field', () => {
    const schema = 'export interface PlayConfig {\n  readonly gopCache: boolean;\n  readonly timeJitter: string;\n}\n';
    expect(unconsumed(schemaFields(schema), ['stream.gop = play.gopCache;', "const key = 'other';"])).toEqual(['PlayConfig.timeJitter']);
  });
});
