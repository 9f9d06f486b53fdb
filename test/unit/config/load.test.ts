import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigErrorCode } from '../../../src/config/codes.js';
import { loadConfig, type ConfigFileSystem } from '../../../src/config/load.js';
import { CONF_FIXTURES, REPO_ROOT, configErrorOf } from './helpers.js';

const INCLUDES = `${CONF_FIXTURES}/include`;
const scratch = mkdtempSync(path.join(tmpdir(), 'srs-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function load(file: string, extra: { maxBytes?: number } = {}) {
  return loadConfig({ file, env: {}, cwd: REPO_ROOT, ...extra });
}

/** Writes `content` into the scratch directory and returns its absolute path. */
function scratchFile(name: string, content: string | Buffer): string {
  const file = path.join(scratch, name);
  writeFileSync(file, content);
  return file;
}

describe('include (srs-spec §3.1)', () => {
  it('splices files at the root and inside blocks, nested, several per directive', () => {
    const { config, warnings } = load(`${INCLUDES}/main.conf`);
    expect(warnings).toEqual([]);
    expect([...config.vhosts.keys()]).toEqual(['a.com', 'b.com']);
    const a = config.vhosts.get('a.com');
    // Positions point into the included file, relative to the cwd.
    expect(a?.position).toEqual({ file: `${INCLUDES}/vhosts/a.conf`, line: 1 });
    expect(a?.httpHooks).toMatchObject({ enabled: true, onPublish: ['http://127.0.0.1:8085/api/v1/streams'] });
    expect(config.vhosts.get('b.com')).toMatchObject({ play: { gopCache: false }, publish: { normalTimeoutMs: 7000 } });
  });

  it('finds SRS-layout includes (./conf/x.conf) by file name beside the including file', () => {
    expect([...load(`${INCLUDES}/srs-layout.conf`).config.vhosts.keys()]).toEqual(['layout.com']);
  });

  it('tries the cwd first, as SRS does', () => {
    const dir = path.join(scratch, 'cwd-first');
    mkdirSync(path.join(dir, 'conf'), { recursive: true });
    writeFileSync(path.join(dir, 'conf', 'main.conf'), 'listen 1935;\ninclude conf/v.conf;\n');
    writeFileSync(path.join(dir, 'conf', 'v.conf'), 'vhost from.conf.dir {}\n');
    mkdirSync(path.join(dir, 'conf', 'conf'), { recursive: true });
    writeFileSync(path.join(dir, 'conf', 'conf', 'v.conf'), 'vhost from.including.dir {}\n');
    const { config } = loadConfig({ file: 'conf/main.conf', env: {}, cwd: dir });
    expect([...config.vhosts.keys()]).toEqual(['from.conf.dir']);
  });

  it.each([
    ['a cycle through two files', 'cycle/a.conf', `${INCLUDES}/cycle/b.conf`, 2, `include cycle: ${INCLUDES}/cycle/a.conf -> ${INCLUDES}/cycle/b.conf -> ${INCLUDES}/cycle/a.conf`],
    ['a file including itself', 'cycle/self.conf', `${INCLUDES}/cycle/self.conf`, 2, `include cycle: ${INCLUDES}/cycle/self.conf -> ${INCLUDES}/cycle/self.conf`],
    ['a missing file', 'missing.conf', `${INCLUDES}/missing.conf`, 3, `include does-not-exist.conf: no such file (tried does-not-exist.conf, ${INCLUDES}/does-not-exist.conf)`],
    ['an empty include', 'empty-include.conf', `${INCLUDES}/empty-include.conf`, 2, 'include is empty directive'],
  ])('refuses %s at the include line', (_name, main, file, line, message) => {
    const error = configErrorOf(() => load(`${INCLUDES}/${main}`));
    expect([error.message, error.file, error.line, error.code]).toEqual([`${file}:${line}: ${message}`, file, line, ConfigErrorCode.Include]);
  });

  it('names the included file and its own line for an error inside it', () => {
    const error = configErrorOf(() => load(`${INCLUDES}/broken-child.conf`));
    expect(error.message).toBe(`${INCLUDES}/other/unclosed.conf:1: unexpected end of file, expecting "}"`);
  });

  it('bounds the include chain', () => {
    for (let index = 0; index < 20; index += 1) writeFileSync(path.join(scratch, `chain${index}.conf`), `include chain${index + 1}.conf;\n`);
    writeFileSync(path.join(scratch, 'chain20.conf'), 'listen 1935;\n');
    const error = configErrorOf(() => loadConfig({ file: path.join(scratch, 'chain0.conf'), env: {}, cwd: REPO_ROOT }));
    expect(error.message).toBe(`${path.join(scratch, 'chain16.conf')}:1: includes nested deeper than 16 files`);
  });
});

describe('the fileSystem option', () => {
  /** Files held in memory; any other path is missing (ENOENT), as node:fs would say. */
  function memory(files: Readonly<Record<string, string>>): ConfigFileSystem {
    const get = (file: string): Buffer => {
      const text = files[file];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
      return Buffer.from(text);
    };
    return {
      stat: (file) => ({ isFile: () => true, isDirectory: () => false, size: get(file).length }),
      realpath: (file) => (get(file), file),
      readPrefix: (file, maxBytes) => get(file).subarray(0, maxBytes),
    };
  }

  it('is where the main file and absolute includes are read: what the machine has does not matter', () => {
    const main = 'listen 1935;\ninclude /etc/nginx/mime.types;\n';
    const seen = memory({ '/v/srs.conf': main, '/etc/nginx/mime.types': 'vhost from.memory {}\n' });
    expect([...loadConfig({ file: '/v/srs.conf', env: {}, cwd: '/v', fileSystem: seen }).config.vhosts.keys()]).toEqual(['from.memory']);
    const error = configErrorOf(() => loadConfig({ file: '/v/srs.conf', env: {}, cwd: '/v', fileSystem: memory({ '/v/srs.conf': main }) }));
    expect(error.message).toBe('/v/srs.conf:2: include /etc/nginx/mime.types: no such file (tried /etc/nginx/mime.types)');
  });
});

describe('bad input: one clear ConfigError, quickly', () => {
  it('a missing file', () => {
    const error = configErrorOf(() => load('conf/nope.conf'));
    expect([error.message, error.code]).toEqual(['no config file at conf/nope.conf', ConfigErrorCode.File]);
  });

  it('a directory', () => {
    const error = configErrorOf(() => load('conf'));
    expect(error.message).toBe('cannot read config file conf: is a directory, not a config file');
  });

  it('a FIFO (which would block a naive read)', () => {
    const fifo = path.join(scratch, 'fifo.conf');
    execFileSync('mkfifo', [fifo]);
    const error = configErrorOf(() => load(fifo));
    expect(error.message).toBe(`cannot read config file ${fifo}: is not a regular file`);
  });

  it('binary garbage (a PNG header)', () => {
    const file = scratchFile('image.conf', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]));
    const error = configErrorOf(() => load(file));
    expect([error.message, error.code]).toEqual([`${file}:1: unexpected end of line to parse token "\\ufffdPNG"`, ConfigErrorCode.Syntax]);
  });

  it('random binary data never escapes as anything but a ConfigError with a line', () => {
    let seed = 12345;
    const bytes = Buffer.alloc(64 * 1024);
    for (let index = 0; index < bytes.length; index += 1) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      bytes[index] = seed >>> 24;
    }
    const file = scratchFile('random.conf', bytes);
    const error = configErrorOf(() => load(file));
    expect(error.file).toBe(file);
    expect(error.line).toBeGreaterThanOrEqual(1);
  });

  it('a UTF-8 BOM: part of the first name, as in SRS, and the message says so', () => {
    const file = scratchFile('bom.conf', '\ufefflisten 1935;\nvhost __defaultVhost__ {}\n');
    const error = configErrorOf(() => load(file));
    expect(error.message).toBe(`${file}:1: illegal directive "\\ufefflisten" (the file starts with a UTF-8 byte order mark; save it without BOM)`);
  });

  it('a 50 MB file is refused at the byte bound, naming the line where it is crossed', () => {
    const line = `# ${'x'.repeat(61)}\n`; // 64 bytes
    const file = scratchFile('huge.conf', Buffer.from(line.repeat((50 * 1024 * 1024) / 64)));
    const error = configErrorOf(() => load(file));
    // 8 MiB / 64 bytes = 131072 whole lines fit; the first byte over the bound is on the next one.
    expect([error.message, error.code]).toEqual([`${file}:131073: config text over the 8388608-byte bound (this file is 52428800 bytes)`, ConfigErrorCode.File]);
  });

  it('counts included files against the same byte bound', () => {
    const file = scratchFile('budget.conf', `listen 1935;\ninclude ${path.join(REPO_ROOT, 'conf/full.conf')};\n`);
    const error = configErrorOf(() => loadConfig({ file, env: {}, cwd: REPO_ROOT, maxBytes: 1000 }));
    expect(error.message).toMatch(/^conf\/full\.conf:\d+: config text over the 1000-byte bound \(this file is \d+ bytes\)$/);
  });

  it('a large config under the bound loads (the parser is linear)', () => {
    const vhost = (index: number): string => `vhost v${index}.com { play { gop_cache on; } http_hooks { enabled on; on_publish http://127.0.0.1:8085/api/v1/streams; } }\n`;
    const file = scratchFile('large.conf', `listen 1935;\n${Array.from({ length: 5000 }, (_, index) => vhost(index)).join('')}`);
    expect(load(file).config.vhosts.size).toBe(5000);
  });

  it('1000-deep nesting fails at the depth bound', () => {
    const file = scratchFile('deep.conf', `listen 1935;\n${'a {\n'.repeat(1000)}${'}\n'.repeat(1000)}`);
    const error = configErrorOf(() => load(file));
    expect(error.message).toBe(`${file}:66: blocks nested deeper than 64 levels`);
  });

  it('an unknown directive and a port of 70000', () => {
    const unknown = scratchFile('unknown.conf', 'listen 1935;\nvhost __defaultVhost__ {\n    gop_cache_on on;\n}\n');
    expect(configErrorOf(() => load(unknown)).message).toBe(`${unknown}:3: illegal vhost.gop_cache_on`);
    const port = scratchFile('port.conf', 'listen 70000;\n');
    expect(configErrorOf(() => load(port)).message).toBe(`${port}:1: listen.port=70000 is invalid, expecting a port in 0..65535`);
  });
});
