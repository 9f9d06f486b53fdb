import { describe, expect, it } from 'vitest';
import type { Config, VhostConfig } from '../../../../src/config/schema.js';
import { matchStreamMount, requestedHost } from '../../../../src/server/http/stream-mount.js';
import { clientIp } from '../../../../src/server/http/client-ip.js';
import { makeConfig, makeVhost } from '../../hooks/helpers.js';

function vhost(name: string, mount: string, enabled = true): VhostConfig {
  const base = makeVhost(name);
  return { ...base, httpRemux: { ...base.httpRemux, enabled, mount } };
}

function config(...vhosts: VhostConfig[]): Config {
  return { ...makeConfig(), vhosts: new Map(vhosts.map((v) => [v.name, v])) };
}

describe('matchStreamMount (SRS hijack, srs-wave2-spec §1.3)', () => {
  const defaults = config(vhost('__defaultVhost__', '[vhost]/[app]/[stream].flv'), vhost('a.com', '[vhost]/[app]/[stream].ts'), vhost('off.com', '[vhost]/[app]/[stream].flv', false));

  it.each<[string, string, { vhost: string; app: string; stream: string; extension: string } | undefined]>([
    ['127.0.0.1', '/live/livestream.flv', { vhost: '__defaultVhost__', app: 'live', stream: 'livestream', extension: '.flv' }],
    ['unknown.host', '/live/livestream.flv', { vhost: '__defaultVhost__', app: 'live', stream: 'livestream', extension: '.flv' }],
    ['a.com', '/live/cam.ts', { vhost: 'a.com', app: 'live', stream: 'cam', extension: '.ts' }],
    // The extension must be the mount's, and as many `/` as the template.
    ['a.com', '/live/cam.flv', undefined],
    ['127.0.0.1', '/livestream.flv', undefined],
    ['127.0.0.1', '/live/a/b.flv', undefined],
    ['127.0.0.1', '/live/.flv', undefined],
    ['127.0.0.1', '/live/livestream.m3u8', undefined],
    ['127.0.0.1', '/live/livestream', undefined],
    // http_remux off: the path falls through to the file server.
    ['off.com', '/live/livestream.flv', undefined],
  ])('%s %s', (host, path, expected) => {
    const match = matchStreamMount(defaults, host, path);
    expect(match === undefined ? undefined : { vhost: match.vhost.name, app: match.app, stream: match.stream, extension: match.extension }).toEqual(expected);
  });

  it('a mount with a fixed app serves only that app', () => {
    const fixed = config(vhost('__defaultVhost__', '/live/[stream].flv'));
    expect(matchStreamMount(fixed, 'x', '/live/s.flv')).toMatchObject({ app: '', stream: 's' });
    expect(matchStreamMount(fixed, 'x', '/other/s.flv')).toBeUndefined();
  });

  it('the vhost comes from ?vhost=, else ?domain=, else the Host header without its port', () => {
    expect(requestedHost(new URLSearchParams('vhost=a.com&domain=b.com'), 'c.com:8080')).toBe('a.com');
    expect(requestedHost(new URLSearchParams('domain=b.com'), 'c.com:8080')).toBe('b.com');
    expect(requestedHost(new URLSearchParams(''), 'c.com:8080')).toBe('c.com');
    expect(requestedHost(new URLSearchParams(''), '[::1]:8080')).toBe('[::1]');
    expect(requestedHost(new URLSearchParams(''), undefined)).toBe('');
  });
});

describe('clientIp: X-Forwarded-For only from trusted proxies (srs-wave2-spec §6.3)', () => {
  const headers = { 'x-forwarded-for': '203.0.113.7, 10.0.0.2', 'x-real-ip': '198.51.100.1:4000' };

  it('ignores the headers from a peer not listed (SRS believes anyone)', () => {
    expect(clientIp('192.0.2.9', headers, [])).toBe('192.0.2.9');
    expect(clientIp('192.0.2.9', headers, ['127.0.0.1', '10.0.0.0/8'])).toBe('192.0.2.9');
  });

  it('takes the first X-Forwarded-For item from a listed peer, else X-Real-IP without its port', () => {
    expect(clientIp('10.1.2.3', headers, ['10.0.0.0/8'])).toBe('203.0.113.7');
    expect(clientIp('127.0.0.1', { 'x-real-ip': '198.51.100.1:4000' }, ['127.0.0.1'])).toBe('198.51.100.1');
    expect(clientIp('127.0.0.1', {}, ['127.0.0.1'])).toBe('127.0.0.1');
  });
});
