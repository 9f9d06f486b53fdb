import { afterEach, describe, expect, it } from 'vitest';
import { countingPlayer, publishArgs, runFfmpeg, TestResources, waitFor, type CallbackServer, type TestServer } from './harness.js';

/**
 * lalserver relay pull (issue 16 item 5, lal-lssn-spec A6-A7): on demand
 * through /api/ctrl/start_relay_pull and stop_relay_pull, a kick of the
 * pull's RTMPPULL id, lal's refusals, and the static pull of a
 * `static_relay_pull` block; every pull's on_relay_pull_start/stop reach
 * a real receiver, paired. The upstream is a second server of ours with
 * ffmpeg publishing into it.
 */

const FAST_PULL = { limits: { backoffBaseMs: 100, backoffMaxMs: 500, silenceMs: 2_000 } };
const RELAY_KEYS = ['server_id', 'session_id', 'protocol', 'base_type', 'remote_addr', 'url', 'app_name', 'stream_name', 'url_param', 'has_in_session', 'has_out_session', 'read_bytes_sum', 'wrote_bytes_sum'];

type Json = Record<string, unknown>;

async function lal(url: string, init?: RequestInit): Promise<Json> {
  const response = await fetch(url, init);
  expect(response.status).toBe(200);
  return (await response.json()) as Json;
}

function relayBodies(receiver: CallbackServer, event: 'start' | 'stop'): Json[] {
  return receiver.calls.filter((call) => call.path === `/on_relay_pull_${event}`).map((call) => call.json);
}


describe('lal relay pull: API start/stop/kick and static pull, with their events', () => {
  const upstreamSide = new TestResources();
  const used = new TestResources();
  afterEach(async () => {
    await used.release();
    await upstreamSide.release();
  });

  async function liveUpstream(): Promise<TestServer> {
    const upstream = await upstreamSide.startServer('listen 0; vhost __defaultVhost__ { }');
    upstreamSide.children.push(runFfmpeg(publishArgs(upstream.url('live/s'), 60)));
    await waitFor('the upstream stream', () => upstream.app.hub.get('__defaultVhost__/live/s')?.isActive, 15_000);
    return upstream;
  }

  function notifyBlock(receiver: CallbackServer): string {
    return `http_notify { enabled on; update_interval 0; on_relay_pull_start ${receiver.url('/on_relay_pull_start')}; on_relay_pull_stop ${receiver.url('/on_relay_pull_stop')}; on_update ${receiver.url('/on_update')}; }`;
  }

  it('starts a pull through the API, serves it, lists it as the group pull, stops it, kicks another, refuses as lal', async () => {
    const upstream = await liveUpstream();
    const receiver = await used.startHooks((_call, res) => res.end('ok'));
    const server = await used.startServer(`listen 0; server_id relay-1; http_api { enabled on; listen 0; } ${notifyBlock(receiver)} vhost __defaultVhost__ { }`, FAST_PULL);
    const start = (body: Json): Promise<Json> => lal(server.apiUrl('api/ctrl/start_relay_pull'), { method: 'POST', body: JSON.stringify(body) });
    const source = `rtmp://127.0.0.1:${upstream.port}/live/s?k=v`;

    // No viewer and auto-stop 0: lal refuses before dialling.
    expect(await start({ url: source, auto_stop_pull_after_no_out_ms: 0 })).toEqual({ error_code: 2001, desp: 'should auto stop pull', data: { stream_name: '', session_id: '' } });
    expect(await start({ url: 'rtsp://127.0.0.1:1/live/s' })).toMatchObject({ error_code: 2001 });

    const started = await start({ url: source, stream_name: 'copy', pull_retry_num: -1 });
    expect(started).toEqual({ error_code: 0, desp: 'succ', data: { stream_name: 'copy', session_id: 'RTMPPULL1' } });
    const startBody = await waitFor('on_relay_pull_start', () => relayBodies(receiver, 'start')[0]);
    expect(Object.keys(startBody)).toEqual(RELAY_KEYS);
    expect(startBody).toMatchObject({
      server_id: 'relay-1', session_id: 'RTMPPULL1', protocol: 'RTMP', base_type: 'PULL', remote_addr: `127.0.0.1:${upstream.port}`,
      url: source, app_name: 'live', stream_name: 'copy', url_param: 'k=v', has_in_session: true, has_out_session: false,
    });
    // A second start of the same stream is lal's duplicate.
    expect(await start({ url: source, stream_name: 'copy' })).toMatchObject({ error_code: 2001, desp: 'lal.logic: in stream already exist at group' });

    // Served locally as live/copy, and shown as the group's pull (pub empty), in lal's API and the SRS one.
    const viewer = await countingPlayer(server.url('live/copy'));
    used.clients.push(viewer.client);
    await waitFor('media through the pull', () => viewer.media() > 30, 15_000);
    const group = (await lal(server.apiUrl('api/stat/group?stream_name=copy'))).data as { pub: Json; pull: Json; subs: Json[] };
    expect(group.pull).toMatchObject({ session_id: 'RTMPPULL1', protocol: 'RTMP', base_type: 'PULL', remote_addr: `127.0.0.1:${upstream.port}` });
    expect(Number(group.pull.read_bytes_sum)).toBeGreaterThan(10_000);
    expect(group.pub.session_id).toBe('');
    expect(group.subs).toHaveLength(1);
    const clients = ((await lal(server.apiUrl('api/v1/clients'))).clients as Json[]).map((c) => c.type);
    expect(clients).toContain('rtmp-pull');

    // stop_relay_pull: the pull ends (and its stop is sent), the viewer is told the stream stopped.
    expect(await lal(server.apiUrl('api/ctrl/stop_relay_pull?stream_name=copy'))).toEqual({ error_code: 0, desp: 'succ', data: { session_id: 'RTMPPULL1' } });
    const stopBody = await waitFor('on_relay_pull_stop', () => relayBodies(receiver, 'stop')[0]);
    expect(stopBody).toMatchObject({ session_id: 'RTMPPULL1', base_type: 'PULL', has_in_session: false, has_out_session: true });
    await waitFor('the local stream unpublished', () => server.app.hub.get('__defaultVhost__/live/copy')?.isActive !== true);
    expect(await lal(server.apiUrl('api/ctrl/stop_relay_pull?stream_name=copy'))).toMatchObject({ error_code: 1003, desp: 'session not found' });

    // A kick of the pull's lal id stops it for good, as lal's kickPull.
    expect(await start({ url: source, pull_retry_num: -1 })).toMatchObject({ error_code: 0, data: { stream_name: 's', session_id: 'RTMPPULL2' } });
    await waitFor('the second pull starts', () => relayBodies(receiver, 'start').length === 2);
    expect(await lal(server.apiUrl('api/ctrl/kick_session'), { method: 'POST', body: '{"stream_name":"s","session_id":"RTMPPULL2"}' })).toEqual({ error_code: 0, desp: 'succ' });
    await waitFor('the kicked pull stops', () => relayBodies(receiver, 'stop').length === 2);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(relayBodies(receiver, 'start')).toHaveLength(2);
    expect(server.app.hub.get('__defaultVhost__/live/s')?.isActive).not.toBe(true);

    // A dead upstream with retry 0: one attempt, no start and so no stop; the pull is gone after it.
    expect(await start({ url: `rtmp://127.0.0.1:1/live/dead`, pull_timeout_ms: 1_000 })).toMatchObject({ error_code: 0, data: { session_id: 'RTMPPULL3' } });
    await waitFor('the failed pull to give up', () => server.app.registry.list().every((c) => c.type !== 'rtmp-pull'), 10_000);
    expect(await lal(server.apiUrl('api/ctrl/stop_relay_pull?stream_name=dead'))).toMatchObject({ error_code: 1001 });
    await server.stop();
    expect(relayBodies(receiver, 'start').map((b) => b.session_id)).toEqual(['RTMPPULL1', 'RTMPPULL2']);
    expect(relayBodies(receiver, 'stop').map((b) => b.session_id)).toEqual(['RTMPPULL1', 'RTMPPULL2']);
  }, 60_000);

  it('pulls a stream statically for its first viewer, without the viewer query, and stops once the last left', async () => {
    const upstream = await liveUpstream();
    const receiver = await used.startHooks((_call, res) => res.end('ok'));
    const server = await used.startServer(`listen 0; ${notifyBlock(receiver)} static_relay_pull { enabled on; addr 127.0.0.1:${upstream.port}; } vhost __defaultVhost__ { }`, FAST_PULL);

    const first = await countingPlayer(server.url('live/s?token=viewer'));
    used.clients.push(first.client);
    await waitFor('media through the static pull', () => first.media() > 30, 15_000);
    const second = await countingPlayer(server.url('live/s'));
    used.clients.push(second.client);
    await waitFor('the second viewer shares it', () => second.media() > 10, 15_000);
    const starts = relayBodies(receiver, 'start');
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({ url: `rtmp://127.0.0.1:${upstream.port}/live/s`, url_param: '', session_id: 'RTMPPULL1' });
    expect(upstream.app.registry.list().filter((c) => c.type === 'rtmp-play')).toHaveLength(1);

    first.client.close();
    second.client.close();
    await waitFor('the pull stops after the last viewer', () => relayBodies(receiver, 'stop').length === 1, 10_000);
    await waitFor('the upstream play ends', () => upstream.app.registry.list().every((c) => c.type !== 'rtmp-play'), 10_000);
  }, 60_000);

  it('tells lal receivers of an SRS edge pull too: start on the upstream play, stop after the last viewer left', async () => {
    const upstream = await liveUpstream();
    const receiver = await used.startHooks((_call, res) => res.end('ok'));
    const server = await used.startServer(`listen 0; ${notifyBlock(receiver)} vhost __defaultVhost__ { cluster { mode remote; origin 127.0.0.1:${upstream.port}; } }`, {
      edge: { stopGraceMs: 200, ...FAST_PULL },
    });
    const viewer = await countingPlayer(server.url('live/s?token=t1'));
    used.clients.push(viewer.client);
    await waitFor('media through the edge', () => viewer.media() > 30, 15_000);
    expect(relayBodies(receiver, 'start')).toEqual([expect.objectContaining({ session_id: 'RTMPPULL1', url: `rtmp://127.0.0.1:${upstream.port}/live/s?token=t1`, url_param: 'token=t1' })]);
    viewer.client.close();
    await waitFor('the edge pull stop', () => relayBodies(receiver, 'stop')[0], 10_000);
    expect(relayBodies(receiver, 'stop')[0]).toMatchObject({ session_id: 'RTMPPULL1', has_in_session: false, has_out_session: false });
  }, 60_000);
});
