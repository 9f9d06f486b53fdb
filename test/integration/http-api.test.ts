import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import {
  httpViewer,
  publishArgs,
  runFfmpeg,
  waitFor,
  TestResources,
} from './harness.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

async function get(url: string, options: { method?: 'GET' | 'DELETE' | 'POST' | 'OPTIONS'; headers?: Record<string, string> } = {}): Promise<Reply> {
  const res = await request(url, { method: options.method ?? 'GET', headers: options.headers });
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON (a status text, JSONP): kept raw.
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

const ENVELOPE = ['code', 'server', 'service', 'pid'];

function apiConfig(extra = '', hooks = ''): string {
  return `listen 0; server_id vid-test123; http_server { enabled on; listen 0; } http_api { enabled on; listen 0; ${extra} }
    vhost __defaultVhost__ { play { mw_latency 100; } http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } ${hooks} }`;
}

describe('SRS HTTP API v1 on a live server', () => {
  const used = new TestResources();
  afterEach(() => used.release());

  it('versions, summaries and the url indexes with SRS`s envelope', async () => {
    const server = await used.startServer(apiConfig());
    const versions = await get(server.apiUrl('api/v1/versions'));
    expect(versions.status).toBe(200);
    expect(versions.headers['content-type']).toBe('application/json');
    expect(versions.text).toBe(`{"code":0,"server":"vid-test123","service":"${String(versions.json['service'])}","pid":"${process.pid}","data":{"major":7,"minor":0,"revision":18,"version":"7.0.18"}}`);
    expect(String(versions.json['service'])).toMatch(/^[0-9a-z]{8}$/);
    const summaries = await get(server.apiUrl('api/v1/summaries'));
    const data = summaries.json['data'] as Record<string, Record<string, unknown>>;
    expect(Object.keys(summaries.json)).toEqual([...ENVELOPE, 'data']);
    expect(Object.keys(data)).toEqual(['ok', 'now_ms', 'self', 'system']);
    expect(Object.keys(data['self']!)).toEqual(['version', 'pid', 'ppid', 'argv', 'cwd', 'mem_kbyte', 'mem_percent', 'cpu_percent', 'srs_uptime']);
    expect(data['self']!['pid']).toBe(process.pid);
    expect(summaries.text).toMatch(/"mem_percent":\d+\.\d\d,/);
    expect(Object.keys(data['system']!)).toContain('ilde_time');
    expect((await get(server.apiUrl('api/'))).json['urls']).toEqual({ v1: 'the api version 1.0' });
    expect((await get(server.apiUrl(''))).json['urls']).toEqual({ api: 'the api root' });
    expect(Object.keys((await get(server.apiUrl('api/v1/'))).json['urls'] as object)).toEqual(['versions', 'summaries', 'vhosts', 'streams', 'clients', 'raw']);
    expect((await get(server.apiUrl('api/v1/nothing'))).status).toBe(404);
    const redirect = await get(server.apiUrl('api/v1/streams?count=5'));
    expect(redirect.status).toBe(302);
    expect(redirect.headers['location']).toBe('/api/v1/streams/?count=5');
    expect((await get(server.apiUrl('api/v1/streams/'), { method: 'POST' })).status).toBe(405);
  });

  it('lists the stream and every client of every protocol, then kicks a publisher, a player and an HTTP-FLV viewer with their hook events', async () => {
    const hooks = await used.startHooks();
    const url = (path: string): string => hooks.url(path);
    const server = await used.startServer(apiConfig('', `http_hooks { enabled on; on_close ${url('/close')}; on_unpublish ${url('/unpublish')}; on_stop ${url('/stop')}; }`));
    const publisher = runFfmpeg(publishArgs(server.url('live/livestream'), 20));
    used.children.push(publisher);
    await waitFor('the stream to be live', () => server.app.hub.get('__defaultVhost__/live/livestream')?.isActive);
    const player = await RtmpClient.connect(server.url('live/livestream'));
    used.clients.push(player);
    await player.play();
    const viewer = httpViewer(server.httpUrl('live/livestream.flv?token=abc'));
    used.viewers.push(viewer);
    await viewer.head;
    await waitFor('video sequence header parsed', () => server.app.hub.get('__defaultVhost__/live/livestream')?.sequenceHeaders.video);

    const streams = await get(server.apiUrl('api/v1/streams/'));
    expect(Object.keys(streams.json)).toEqual([...ENVELOPE, 'streams']);
    const [stream] = streams.json['streams'] as Record<string, unknown>[];
    expect(Object.keys(stream!)).toEqual(['id', 'name', 'vhost', 'app', 'tcUrl', 'url', 'live_ms', 'clients', 'frames', 'send_bytes', 'recv_bytes', 'kbps', 'publish', 'video', 'audio']);
    expect(stream).toMatchObject({ name: 'livestream', app: 'live', url: '/live/livestream', clients: 3, video: { codec: 'H264', width: 320, height: 240 }, audio: { codec: 'AAC', sample_rate: 44100, profile: 'LC' } });
    const publish = stream!['publish'] as { active: boolean; cid: string };
    expect(publish.active).toBe(true);
    const one = await get(server.apiUrl(`api/v1/streams/${String(stream!['id'])}`));
    expect((one.json['stream'] as Record<string, unknown>)['id']).toBe(stream!['id']);
    expect((await get(server.apiUrl('api/v1/streams/vid-nothing'))).text).toBe('{"code":2048}');

    const list = await get(server.apiUrl('api/v1/clients/'));
    const all = list.json['clients'] as Record<string, unknown>[];
    expect(all.map((c) => c['type'])).toEqual(['fmle-publish', 'rtmp-play', 'flv-play']);
    expect(Object.keys(all[0]!)).toEqual(['id', 'vhost', 'stream', 'ip', 'pageUrl', 'swfUrl', 'tcUrl', 'url', 'name', 'type', 'publish', 'alive', 'send_bytes', 'recv_bytes', 'kbps']);
    expect(all[0]!['id']).toBe(publish.cid);
    expect(all[2]).toMatchObject({ name: 'livestream.flv', publish: false, stream: stream!['id'], vhost: stream!['vhost'] });
    expect(list.text).toMatch(/"alive":\d+\.\d\d,/);
    const vhosts = await get(server.apiUrl('api/v1/vhosts/'));
    expect((vhosts.json['vhosts'] as Record<string, unknown>[])[0]).toMatchObject({ id: stream!['vhost'], name: '__defaultVhost__', enabled: true, clients: 3, streams: 1 });

    const [publisherId, playerId, viewerId] = all.map((c) => String(c['id']));
    expect((await get(server.apiUrl(`api/v1/clients/${viewerId}`), { method: 'DELETE' })).text).toBe(`{"code":0,"server":"vid-test123","service":"${String(list.json['service'])}","pid":"${process.pid}"}`);
    await viewer.done;
    await get(server.apiUrl(`api/v1/clients/${playerId}`), { method: 'DELETE' });
    expect(await player.closed).toBeUndefined();
    await get(server.apiUrl(`api/v1/clients/${publisherId}`), { method: 'DELETE' });
    await publisher.exited;
    await waitFor('stop, stop, unpublish, close, close', () => hooks.calls.length >= 5);
    const byPath = (path: string): string[] => hooks.calls.filter((c) => c.path === path).map((c) => String(c.json['client_id']));
    expect(byPath('/stop').sort()).toEqual([viewerId, playerId].sort());
    expect(byPath('/unpublish')).toEqual([publisherId]);
    expect(byPath('/close').sort()).toEqual([playerId, publisherId].sort());
    const kicked = server.logs.filter((l) => (l.msg === 'session end' || l.msg === 'viewer end') && l['reason'] === 'kicked');
    expect(kicked).toHaveLength(3);
    expect((await get(server.apiUrl(`api/v1/clients/${viewerId}`), { method: 'DELETE' })).text).toBe('{"code":2049}');
  });

  it('paging: start and count (at least 10, as SRS), in arrival order', async () => {
    const server = await used.startServer(apiConfig());
    const waiting = Array.from({ length: 12 }, (_, i) => httpViewer(server.httpUrl(`live/s${i}.flv`)));
    used.viewers.push(...waiting);
    await Promise.all(waiting.map((v) => v.head));
    const names = async (query: string): Promise<string[]> =>
      ((await get(server.apiUrl(`api/v1/clients/${query}`))).json['clients'] as Record<string, unknown>[]).map((c) => String(c['name']));
    expect(await names('')).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}.flv`));
    expect(await names('?start=10')).toEqual(['s10.flv', 's11.flv']);
    expect(await names('?start=2&count=3')).toHaveLength(10);
    expect(await names('?count=20')).toHaveLength(12);
  });

  it('JSONP with a validated callback and a method override, CORS, Basic auth (a password with `:` works)', async () => {
    const server = await used.startServer(apiConfig('auth { enabled on; username admin; password "se:cret"; }'));
    const basic = (user: string, pass: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
    const missing = await get(server.apiUrl('api/v1/versions'));
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Basic realm="srs"');
    expect((await get(server.apiUrl('api/v1/versions'), { headers: basic('admin', 'wrong') })).status).toBe(401);
    expect((await get(server.apiUrl('api/v1/versions'), { headers: { authorization: 'Basic !!!' } })).status).toBe(401);
    const ok = await get(server.apiUrl('api/v1/versions'), { headers: { ...basic('admin', 'se:cret'), origin: 'http://page.example' } });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    const jsonp = await get(server.apiUrl('api/v1/versions?callback=cb_1.x'), { headers: basic('admin', 'se:cret') });
    expect(jsonp.headers['content-type']).toBe('text/javascript');
    expect(jsonp.text).toMatch(/^cb_1\.x\(\{"code":0,.*\}\)$/);
    const script = await get(server.apiUrl('api/v1/versions?callback=alert(1)//'), { headers: basic('admin', 'se:cret') });
    expect(script.status).toBe(400);
    expect(script.text).not.toContain('alert');
    const kick = await get(server.apiUrl('api/v1/clients/nobody?callback=cb&method=DELETE'), { headers: basic('admin', 'se:cret') });
    expect(kick.text).toBe('cb({"code":2049})');
    const preflight = await get(server.apiUrl('api/v1/clients/'), { method: 'OPTIONS', headers: { origin: 'http://page.example' } });
    expect(preflight.status).toBe(200);
  });

  it('raw_api: rpc=raw always, reload only when allowed, and the reload takes effect', async () => {
    const server = await used.startServer(apiConfig('raw_api { enabled on; allow_reload on; }'));
    const raw = await get(server.apiUrl('api/v1/raw?rpc=raw'));
    expect(raw.text).toBe('{"code":0,"http_api":{"enabled":true,"listen":"0","crossdomain":true,"raw_api":{"enabled":true,"allow_reload":true,"allow_query":false,"allow_update":false}}}');
    expect((await get(server.apiUrl('api/v1/raw?rpc=query'))).text).toBe('{"code":1060}');
    expect((await get(server.apiUrl('api/v1/raw?rpc=reload'))).text).toBe('{"code":0}');
    await waitFor('config reloaded', () => server?.logs.find((l) => l.msg === 'config reloaded'));
    const disabled = await used.startServer(apiConfig());
    expect((await get(disabled.apiUrl('api/v1/raw?rpc=reload'))).text).toBe('{"code":1061}');
  });
});
