import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHonouredPath } from '../../../src/config/check.js';
import type { Directive } from '../../../src/config/directive.js';
import { loadConfig } from '../../../src/config/load.js';
import { parseConfigText } from '../../../src/config/parse.js';
import { REPO_ROOT, buildText } from './helpers.js';

/** The configs we ship in conf/ must load cleanly: no error, no warning. */
const shipped = readdirSync(path.join(REPO_ROOT, 'conf')).filter((name) => name.endsWith('.conf')).sort();

function load(name: string) {
  return loadConfig({ file: `conf/${name}`, env: {}, cwd: REPO_ROOT });
}

describe('conf/*.conf', () => {
  it('ships the five samples', () => {
    expect(shipped).toEqual(['full.conf', 'hooks.guide.conf', 'http.hooks.callback.conf', 'srs.conf', 'token.auth.conf']);
  });

  it.each(shipped)('%s loads without warnings', (name) => {
    expect(load(name).warnings).toEqual([]);
  });

  it('srs.conf: RTMP 1935, API 1985, HTTP 8080, default vhost with GOP cache, foreground, console', () => {
    const { config } = load('srs.conf');
    expect(config).toMatchObject({
      listen: [{ host: undefined, port: 1935 }],
      maxConnections: 1000,
      daemon: false,
      logTank: 'console',
      httpApi: { enabled: true, listen: { port: 1985 } },
      httpServer: { enabled: true, listen: [{ host: undefined, port: 8080 }], dir: './objs/nginx/html', crossdomain: true, trustedProxies: [] },
    });
    expect(config.vhosts.get('__defaultVhost__')?.play.gopCache).toBe(true);
  });

  it('http.hooks.callback.conf: all six RTMP events go to the sample server on 8085', () => {
    const hooks = load('http.hooks.callback.conf').config.vhosts.get('__defaultVhost__')?.httpHooks;
    expect(hooks).toMatchObject({
      enabled: true,
      onConnect: ['http://127.0.0.1:8085/api/v1/clients'],
      onClose: ['http://127.0.0.1:8085/api/v1/clients'],
      onPublish: ['http://127.0.0.1:8085/api/v1/streams'],
      onUnpublish: ['http://127.0.0.1:8085/api/v1/streams'],
      onPlay: ['http://127.0.0.1:8085/api/v1/sessions'],
      onStop: ['http://127.0.0.1:8085/api/v1/sessions'],
    });
  });

  it('token.auth.conf: on_publish and on_play gate on the sample server', () => {
    const hooks = load('token.auth.conf').config.vhosts.get('__defaultVhost__')?.httpHooks;
    expect(hooks).toMatchObject({ enabled: true, onPublish: ['http://127.0.0.1:8085/api/v1/streams'], onPlay: ['http://127.0.0.1:8085/api/v1/sessions'], onConnect: [] });
  });

  it('hooks.guide.conf: a script, two webhooks, json lines', () => {
    const { hooks } = load('hooks.guide.conf').config;
    expect(hooks.scripts).toHaveLength(1);
    expect(hooks.webhooks).toHaveLength(2);
    expect(hooks.stdioFormat).toBe('json');
  });

  it('full.conf documents the real defaults: it builds to what an empty config defaults to', () => {
    const full = load('full.conf').config;
    const minimal = buildText('listen 1935;\nvhost __defaultVhost__ {}\n').config;
    const { file: _fullFile, vhosts: fullVhosts, ...fullRoot } = full;
    const { file: _minimalFile, vhosts: minimalVhosts, ...minimalRoot } = minimal;
    expect(fullRoot).toEqual(minimalRoot);
    const { position: _a, ...fullVhost } = fullVhosts.get('__defaultVhost__') ?? {};
    const { position: _b, ...minimalVhost } = minimalVhosts.get('__defaultVhost__') ?? {};
    expect(fullVhost).toEqual(minimalVhost);
  });

  it('full.conf names only honoured directives, the commented-out examples included', () => {
    // `#name value;` (no space after #) is a commented-out directive; prose comments start with `# `.
    const text = readFileSync(path.join(REPO_ROOT, 'conf/full.conf'), 'utf8').replace(/^(\s*)#(?=[a-z_0-9]+\s+\S[^\n]*;\s*$)/gm, '$1');
    const paths: string[][] = [];
    const walk = (directives: readonly Directive[], parent: readonly string[]): void => {
      for (const directive of directives) {
        paths.push([...parent, directive.name]);
        walk(directive.children, [...parent, directive.name]);
      }
    };
    walk(parseConfigText(text, 'conf/full.conf'), []);
    expect(paths.map((names) => names.join('.'))).toEqual(expect.arrayContaining(['srs_log_level_v2', 'http_server.trusted_proxies', 'vhost.http_hooks.on_connect', 'vhost.http_remux.mount']));
    expect(paths.filter((names) => !isHonouredPath(names)).map((names) => names.join('.'))).toEqual([]);
  });
});
