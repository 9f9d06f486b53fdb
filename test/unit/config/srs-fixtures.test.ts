import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { NODE_FILE_SYSTEM, loadConfig, type ConfigFileSystem } from '../../../src/config/load.js';
import { NOT_SUPPORTED } from '../../../src/config/warning.js';
import { REPO_ROOT, configErrorOf } from './helpers.js';

/**
 * Every config file SRS ships (trunk/conf at v7.0.18, copied from the team's
 * shared fixtures, see its SOURCE.md): each loads, naming what it ignores.
 * The exceptions are the files SOURCE.md says SRS itself refuses: two nginx
 * configs and include.vhost.conf, a fragment without `listen`. Each of those
 * fails with one ConfigError naming file and line. (full.conf, the fourth,
 * is read with an is_full warning.)
 */
const SRS_DIR = 'test/fixtures/srs-conf';
const files = readdirSync(path.join(REPO_ROOT, SRS_DIR)).filter((name) => name.endsWith('.conf')).sort();
const REFUSED: Readonly<Record<string, [number, string]>> = {
  'hls.edge.conf': [4, 'illegal directive worker_processes'],
  'nginx.proxy.conf': [10, 'include /etc/nginx/mime.types: no such file (tried /etc/nginx/mime.types)'],
  'include.vhost.conf': [1, 'listen requires params'],
};
const loadable = files.filter((name) => !(name in REFUSED));

/**
 * The repository only: nginx.proxy.conf includes /etc/nginx/mime.types,
 * which a machine with nginx has. Outside the repository every path is
 * missing (ENOENT), so the result does not depend on the machine.
 */
const REPO_ONLY: ConfigFileSystem = {
  stat: (file) => NODE_FILE_SYSTEM.stat(visible(file)),
  realpath: (file) => NODE_FILE_SYSTEM.realpath(visible(file)),
  readPrefix: (file, maxBytes) => NODE_FILE_SYSTEM.readPrefix(visible(file), maxBytes),
};

function visible(file: string): string {
  if (path.resolve(file).startsWith(path.resolve(REPO_ROOT) + path.sep)) return file;
  throw Object.assign(new Error(`ENOENT: no such file or directory, '${file}'`), { code: 'ENOENT' });
}

function load(name: string) {
  return loadConfig({ file: `${SRS_DIR}/${name}`, env: {}, cwd: REPO_ROOT, fileSystem: REPO_ONLY });
}

describe('SRS conf corpus', () => {
  it('holds the whole corpus', () => {
    expect(files.length).toBe(102);
  });

  it.each(loadable)('%s loads; every warning names file, line and directive', (name) => {
    const { config, warnings } = load(name);
    expect(config.listen.length).toBeGreaterThan(0);
    for (const warning of warnings) {
      expect(path.resolve(REPO_ROOT, warning.file).startsWith(path.resolve(REPO_ROOT, SRS_DIR) + path.sep)).toBe(true);
      expect(warning.line).toBeGreaterThanOrEqual(1);
      expect(warning.directive).toMatch(/^[a-z_0-9.]+$/);
      expect(warning.message.length).toBeGreaterThan(0);
    }
    // One warning per directive: no (file, line, directive) twice.
    const keys = warnings.map((warning) => `${warning.file}:${warning.line}:${warning.directive}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(Object.entries(REFUSED))('%s (not a runnable SRS config) is refused with file and line', (name, [line, message]) => {
    const error = configErrorOf(() => load(name));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(`${SRS_DIR}/${name}:${line}: ${message}`);
  });

  it('honours what it implements: http.hooks.callback.conf', () => {
    const hooks = load('http.hooks.callback.conf').config.vhosts.get('__defaultVhost__')?.httpHooks;
    expect(hooks).toMatchObject({
      enabled: true,
      onPublish: ['http://127.0.0.1:8085/api/v1/streams', 'http://localhost:8085/api/v1/streams'],
      onPlay: ['http://127.0.0.1:8085/api/v1/sessions', 'http://localhost:8085/api/v1/sessions'],
    });
  });

  it('honours what it implements: security.deny.publish.conf', () => {
    const security = load('security.deny.publish.conf').config.vhosts.get('__defaultVhost__')?.security;
    expect(security?.enabled).toBe(true);
    expect(security?.rules.length).toBeGreaterThan(0);
  });

  it('honours hls.conf without a warning', () => {
    const { config, warnings } = load('hls.conf');
    expect(warnings.filter((warning) => warning.directive.startsWith('vhost.hls'))).toEqual([]);
    expect(config.vhosts.get('__defaultVhost__')?.hls).toMatchObject({ enabled: true, path: './objs/nginx/html', fragmentSec: 10, windowSec: 60 });
  });

  it('reads full.conf with the is_full warning and its includes', () => {
    const { warnings } = load('full.conf');
    expect(warnings.find((warning) => warning.directive === 'is_full')?.message).toMatch(/^not supported, ignored \(SRS refuses/);
  });

  it('splices include.conf`s SRS-layout include (./conf/include.vhost.conf)', () => {
    const { config } = load('include.conf');
    const position = config.vhosts.get('include.srs.com')?.position;
    expect(path.resolve(REPO_ROOT, position?.file ?? '')).toBe(path.resolve(REPO_ROOT, SRS_DIR, 'include.vhost.conf'));
    expect(position?.line).toBeGreaterThanOrEqual(1);
  });
});
