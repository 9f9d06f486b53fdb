import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { RtmpClient, RtmpClientError } from '../../src/relay/rtmp-client.js';
import { Hub } from '../../src/core/hub.js';
import { deadPort, publishArgs, runFfmpeg, startCallbackServer, startTestServer, stopProcess, waitFor, type CallbackServer, type FfmpegRun, type RecordedCall, type TestServer } from './harness.js';

/**
 * Issue 4 end to end: SRS http_hooks against the real server, the shipped
 * ffmpeg and real HTTP callback servers. What is asserted is what a user sees:
 * ffmpeg's exit code and its "Server error: ..." line, the exact JSON bodies
 * the callback server receives and their order, and whether a stream is live.
 */

const CLIENT_ID = /^[0-9a-z]{8}$/;
const STAT_ID = /^vid-[0-9a-z]{7}$/;

/** Answers SRS's allow (`0`) unless `decide` returns another status/body, or 'hang'. */
type Answer = { status?: number; body: string; headers?: Record<string, string> } | 'hang';

function answering(decide: (call: RecordedCall) => Answer | undefined): (call: RecordedCall, res: ServerResponse) => void {
  return (call, res) => {
    const answer = decide(call) ?? { body: '0' };
    // A hung callback keeps the request open until the callback server closes.
    if (answer === 'hang') return;
    res.writeHead(answer.status ?? 200, answer.headers);
    res.end(answer.body);
  };
}


interface Player {
  client: RtmpClient;
  media: number;
  statuses: string[];
}

/** Connects and plays; counts media messages and records every status. */
async function playOn(url: string, options: { pageUrl?: string } = {}): Promise<Player> {
  const client = await RtmpClient.connect(url, { timeoutMs: 10_000, ...options });
  const player: Player = { client, media: 0, statuses: [] };
  client.onMessage = (kind) => {
    if (kind !== 'data') player.media++;
  };
  client.onStatus = (info) => player.statuses.push(info.code);
  await client.play();
  return player;
}

/** An AVC sequence header or key frame as FLV video payload (enough for the GOP cache). */
function videoTag(header: boolean): Buffer {
  const payload = Buffer.alloc(64, 7);
  payload[0] = 0x17;
  payload[1] = header ? 0 : 1;
  return payload;
}

function calledActions(calls: readonly RecordedCall[], clientId: string): string[] {
  return calls.filter((c) => c.json['client_id'] === clientId).map((c) => String(c.json['action']));
}

function liveOn(server: TestServer, vhost: string, app: string, stream: string): boolean {
  return server.app.hub.isBusy(Hub.keyOf(vhost, app, stream));
}

describe('SRS http_hooks end to end (real server, ffmpeg, HTTP callback servers)', () => {
  let server: TestServer | undefined;
  const callbacks: CallbackServer[] = [];
  const runs: FfmpegRun[] = [];
  const clients: RtmpClient[] = [];

  afterEach(async () => {
    for (const run of runs.splice(0)) stopProcess(run.child);
    for (const client of clients.splice(0)) client.close();
    await server?.stop();
    server = undefined;
    for (const callback of callbacks.splice(0)) await callback.close();
  });

  async function callbackServer(decide: (call: RecordedCall) => Answer | undefined = () => undefined): Promise<CallbackServer> {
    const callback = await startCallbackServer(answering(decide));
    callbacks.push(callback);
    return callback;
  }

  function ffmpeg(args: string[]): FfmpegRun {
    const run = runFfmpeg(args);
    runs.push(run);
    return run;
  }

  it('sends the exact SRS bodies in order: connect, publish, unpublish, close; connect, play, stop, close', async () => {
    const cb = await callbackServer();
    const dir = mkdtempSync(join(tmpdir(), 'srs-hooks-'));
    const all = (path: string): string => cb.url(path);
    server = await startTestServer(
      `listen 0; pid ${dir}/srs.pid;
       vhost __defaultVhost__ { play { mw_latency 100; } http_hooks { enabled on;
         on_connect ${all('/api/v1/clients')}; on_close ${all('/api/v1/clients')};
         on_publish ${all('/api/v1/streams')}; on_unpublish ${all('/api/v1/streams')};
         on_play ${all('/api/v1/sessions')}; on_stop ${all('/api/v1/sessions')}; } }`,
    );
    const port = server.port;
    const publisher = ffmpeg(publishArgs(server.url('live/order?token=abc'), 3));
    await waitFor('stream live', () => liveOn(server!, '__defaultVhost__', 'live', 'order'));
    const player = await playOn(server.url('live/order?token=xyz'), { pageUrl: 'http://example.test/page' });
    clients.push(player.client);
    await waitFor('player media', () => player.media > 10);
    player.client.close();
    expect(await publisher.exited, publisher.stderr()).toBe(0);
    await waitFor('two on_close', () => cb.calls.filter((c) => c.json['action'] === 'on_close').length === 2);

    // server_id is persisted beside the pid file as SRS does; service_id is per process.
    const serverId = readFileSync(join(dir, 'srs.id'), 'utf8').trim();
    expect(serverId).toMatch(STAT_ID);
    const serviceId = String(cb.calls[0]?.json['service_id']);
    expect(serviceId).toMatch(CLIENT_ID);
    const publisherId = String(cb.calls.find((c) => c.json['action'] === 'on_publish')?.json['client_id']);
    const playerId = String(cb.calls.find((c) => c.json['action'] === 'on_play')?.json['client_id']);
    expect(publisherId).toMatch(CLIENT_ID);
    expect(playerId).toMatch(CLIENT_ID);
    expect(playerId).not.toBe(publisherId);
    const streamId = String(cb.calls.find((c) => c.json['action'] === 'on_publish')?.json['stream_id']);
    expect(streamId).toMatch(STAT_ID);

    /** The raw body with the checked volatile values replaced by placeholders. */
    const normalize = (call: RecordedCall): string => {
      const { send_bytes: sent, recv_bytes: received } = call.json;
      if (sent !== undefined) expect(Number.isInteger(sent) && (sent as number) > 0).toBe(true);
      if (received !== undefined) expect(Number.isInteger(received) && (received as number) > 0).toBe(true);
      return call.body
        .replace(`"server_id":"${serverId}"`, '"server_id":"<server>"')
        .replace(`"service_id":"${serviceId}"`, '"service_id":"<service>"')
        .replace(`"client_id":"${publisherId}"`, '"client_id":"<publisher>"')
        .replace(`"client_id":"${playerId}"`, '"client_id":"<player>"')
        .replace(`"stream_id":"${streamId}"`, '"stream_id":"<stream>"')
        .replace(/"send_bytes":\d+,"recv_bytes":\d+/, '"send_bytes":<n>,"recv_bytes":<n>');
    };
    const ids = '"server_id":"<server>","service_id":"<service>"';
    const tcUrl = `rtmp://127.0.0.1:${port}/live`;
    const publisherHead = `{${ids},"action":"%s","client_id":"<publisher>","ip":"127.0.0.1","vhost":"__defaultVhost__","app":"live"`;
    const playerHead = `{${ids},"action":"%s","client_id":"<player>","ip":"127.0.0.1","vhost":"__defaultVhost__","app":"live"`;
    const streamTail = `"stream_url":"/live/order","stream_id":"<stream>"}`;
    const bodiesOf = (clientId: string): string[] => cb.calls.filter((c) => c.json['client_id'] === clientId).map(normalize);
    expect(bodiesOf(publisherId)).toEqual([
      publisherHead.replace('%s', 'on_connect') + `,"stream":"order","param":"?token=abc","tcUrl":"${tcUrl}","pageUrl":""}`,
      publisherHead.replace('%s', 'on_publish') + `,"tcUrl":"${tcUrl}","stream":"order","param":"?token=abc",${streamTail}`,
      publisherHead.replace('%s', 'on_unpublish') + `,"tcUrl":"${tcUrl}","stream":"order","param":"?token=abc",${streamTail}`,
      publisherHead.replace('%s', 'on_close') + ',"send_bytes":<n>,"recv_bytes":<n>}',
    ]);
    expect(bodiesOf(playerId)).toEqual([
      playerHead.replace('%s', 'on_connect') + `,"stream":"order","param":"?token=xyz","tcUrl":"${tcUrl}","pageUrl":"http://example.test/page"}`,
      playerHead.replace('%s', 'on_play') + `,"stream":"order","tcUrl":"${tcUrl}","param":"?token=xyz","pageUrl":"http://example.test/page",${streamTail}`,
      playerHead.replace('%s', 'on_stop') + `,"tcUrl":"${tcUrl}","stream":"order","param":"?token=xyz",${streamTail}`,
      playerHead.replace('%s', 'on_close') + ',"send_bytes":<n>,"recv_bytes":<n>}',
    ]);
    // Each action went to the endpoint configured for it.
    for (const call of cb.calls) {
      const action = String(call.json['action']);
      const path = /connect|close/.test(action) ? '/api/v1/clients' : /publish/.test(action) ? '/api/v1/streams' : '/api/v1/sessions';
      expect(call.path, action).toBe(path);
    }
    // The player received more bytes than the publisher; on_close reports the whole socket.
    const closeOf = (id: string) => cb.calls.find((c) => c.json['action'] === 'on_close' && c.json['client_id'] === id)!.json;
    expect(closeOf(playerId)['send_bytes'] as number).toBeGreaterThan(closeOf(playerId)['recv_bytes'] as number);
    expect(closeOf(publisherId)['recv_bytes'] as number).toBeGreaterThan(closeOf(publisherId)['send_bytes'] as number);
  });

  it('calls on_close after a rejected on_connect, and nothing else; ffmpeg prints the reason', async () => {
    const cb = await callbackServer((call) => (call.json['action'] === 'on_connect' ? { body: '{"code":403}' } : undefined));
    server = await startTestServer(
      `listen 0; vhost __defaultVhost__ { http_hooks { enabled on; on_connect ${cb.url('/c')}; on_close ${cb.url('/c')};
         on_publish ${cb.url('/p')}; on_unpublish ${cb.url('/p')}; } }`,
    );
    const publisher = ffmpeg(publishArgs(server.url('live/nope'), 3));
    expect(await publisher.exited).not.toBe(0);
    expect(publisher.stderr()).toContain('Server error: on_connect denied: response code 403');
    await waitFor('on_close', () => cb.calls.find((c) => c.json['action'] === 'on_close'));
    const clientId = String(cb.calls[0]?.json['client_id']);
    expect(calledActions(cb.calls, clientId)).toEqual(['on_connect', 'on_close']);
    const close = cb.calls[1]!.json;
    expect(Object.keys(close)).toEqual(['server_id', 'service_id', 'action', 'client_id', 'ip', 'vhost', 'app', 'send_bytes', 'recv_bytes']);
    expect(close).toMatchObject({ vhost: '__defaultVhost__', app: 'live', ip: '127.0.0.1' });
    expect(liveOn(server, '__defaultVhost__', 'live', 'nope')).toBe(false);
    expect(server.logs.some((l) => l.msg === 'publish start')).toBe(false);
  });

  it('rejects every failing class of the verdict table: ffmpeg fails with the reason, nothing goes live', async () => {
    const hangs: RecordedCall[] = [];
    const cb = await callbackServer((call) => {
      if (call.path === '/hang') {
        hangs.push(call);
        return 'hang';
      }
      if (call.path === '/followed') return { body: '0' };
      switch (call.json['stream']) {
        case 'one':
          return { body: '1' };
        case 'code1':
          return { body: '{"code":1}' };
        case 'string0':
          return { body: '"0"' };
        case 'empty':
          return { body: '' };
        case 'redirect':
          return { status: 302, body: '0', headers: { location: cb.url('/followed') } };
        case 'status500':
          return { status: 500, body: '0' };
        case 'allowed':
          return { status: 201, body: '{"code":0,"data":null}' };
        default:
          return { status: 400, body: 'unexpected stream' };
      }
    });
    const dead = await deadPort();
    server = await startTestServer(
      `listen 0;
       vhost __defaultVhost__ { play { mw_latency 100; } http_hooks { enabled on; on_publish ${cb.url('/verdict')}; } }
       vhost refused.test { http_hooks { enabled on; on_publish http://127.0.0.1:${dead}/api/v1/streams; } }
       vhost slow.test { http_hooks { enabled on; on_publish ${cb.url('/hang')}; timeout 1s; } }`,
    );
    const cases = [
      { stream: 'one', vhost: '__defaultVhost__', reason: 'response is not 0' },
      { stream: 'code1', vhost: '__defaultVhost__', reason: 'response code 1' },
      { stream: 'string0', vhost: '__defaultVhost__', reason: 'response is not 0' },
      { stream: 'empty', vhost: '__defaultVhost__', reason: 'empty response' },
      { stream: 'redirect', vhost: '__defaultVhost__', reason: 'http status 302' },
      { stream: 'status500', vhost: '__defaultVhost__', reason: 'http status 500' },
      { stream: 'refused', vhost: 'refused.test', reason: 'connection refused' },
      { stream: 'timeout', vhost: 'slow.test', reason: 'timeout after 1000 ms' },
    ];
    const path = (c: { stream: string; vhost: string }): string => (c.vhost === '__defaultVhost__' ? `live/${c.stream}` : `live/${c.stream}?vhost=${c.vhost}`);
    // A player waits on every stream: a rejected publish must never reach it.
    const players = await Promise.all(cases.map((c) => playOn(server!.url(path(c)))));
    clients.push(...players.map((p) => p.client));
    const allowedPlayer = await playOn(server.url('live/allowed'));
    clients.push(allowedPlayer.client);

    const attempts = cases.map((c) => ({ ...c, run: ffmpeg(publishArgs(server!.url(path(c)), 3)) }));
    const allowed = ffmpeg(publishArgs(server.url('live/allowed'), 2));
    for (const attempt of attempts) {
      expect(await attempt.run.exited, attempt.stream).not.toBe(0);
      expect(attempt.run.stderr(), attempt.stream).toContain(`Server error: on_publish denied: ${attempt.reason}`);
      // The description names the hook, never its URL.
      expect(attempt.run.stderr(), attempt.stream).not.toContain('/verdict');
    }
    expect(await allowed.exited, allowed.stderr()).toBe(0);
    await waitFor('media of the allowed stream', () => allowedPlayer.media > 10);

    for (const [i, c] of cases.entries()) {
      expect(liveOn(server, c.vhost, 'live', c.stream), c.stream).toBe(false);
      expect(players[i]!.media, c.stream).toBe(0);
      expect(players[i]!.statuses, c.stream).not.toContain('NetStream.Play.PublishNotify');
    }
    expect(server.logs.filter((l) => l.msg === 'publish start').map((l) => l.stream)).toEqual(['allowed']);
    // 3xx is not followed; the hung call was made once.
    expect(cb.calls.some((c) => c.path === '/followed')).toBe(false);
    expect(hangs).toHaveLength(1);
    const refusals = server.logs.filter((l) => l.msg === 'Hook execution' && l.event === 'on_publish' && l.outcome !== 'ok');
    expect(refusals.map((l) => l.reason).sort()).toEqual(cases.map((c) => c.reason).sort());
  });

  it('calls every URL in order and stops at the first denial (the later URLs are not called)', async () => {
    const cb = await callbackServer((call) => {
      const stream = String(call.json['stream']);
      if (call.path === '/a' && stream === 'first-denies') return { body: '{"code":1}' };
      if (call.path === '/b' && stream === 'second-denies') return { body: '{"code":2}' };
      return { body: '{"code":0}' };
    });
    server = await startTestServer(`listen 0; vhost __defaultVhost__ { http_hooks { enabled on; on_publish ${cb.url('/a')} ${cb.url('/b')}; } }`);
    const outcome = async (stream: string): Promise<{ error: RtmpClientError | undefined; clientId: string }> => {
      const client = await RtmpClient.connect(server!.url(`live/${stream}`));
      clients.push(client);
      const error = await client.publish().then(
        () => undefined,
        (e: unknown) => e as RtmpClientError,
      );
      const clientId = String(cb.calls.find((c) => c.json['stream'] === stream)?.json['client_id']);
      return { error, clientId };
    };
    const pathsOf = (clientId: string): string[] => cb.calls.filter((c) => c.json['client_id'] === clientId).map((c) => c.path);

    const second = await outcome('second-denies');
    expect(second.error).toBeInstanceOf(RtmpClientError);
    expect(second.error?.code).toBe('NetStream.Publish.BadName');
    expect(second.error?.description).toBe('on_publish denied: response code 2');
    expect(pathsOf(second.clientId)).toEqual(['/a', '/b']);

    const first = await outcome('first-denies');
    expect(first.error?.code).toBe('NetStream.Publish.BadName');
    expect(first.error?.description).toBe('on_publish denied: response code 1');
    expect(pathsOf(first.clientId)).toEqual(['/a']);

    const both = await outcome('both-allow');
    expect(both.error).toBeUndefined();
    expect(pathsOf(both.clientId)).toEqual(['/a', '/b']);
    expect(liveOn(server, '__defaultVhost__', 'live', 'both-allow')).toBe(true);
    expect(liveOn(server, '__defaultVhost__', 'live', 'second-denies')).toBe(false);
    expect(liveOn(server, '__defaultVhost__', 'live', 'first-denies')).toBe(false);
  });

  it('a hung callback on one vhost delays only its own client: another vhost publishes and plays', async () => {
    const hung: RecordedCall[] = [];
    const cb = await callbackServer((call) => {
      if (call.path === '/hang') {
        hung.push(call);
        return 'hang';
      }
      return undefined;
    });
    server = await startTestServer(
      `listen 0;
       vhost __defaultVhost__ { play { mw_latency 100; } http_hooks { enabled on; on_publish ${cb.url('/ok')}; on_play ${cb.url('/ok')}; } }
       vhost hung.test { http_hooks { enabled on; on_publish ${cb.url('/hang')}; } }`,
    );
    const stuck = await RtmpClient.connect(server.url('live/stuck?vhost=hung.test'), { timeoutMs: 60_000 });
    clients.push(stuck);
    let stuckSettled = false;
    const stuckPublish = stuck.publish().finally(() => (stuckSettled = true));
    stuckPublish.catch(() => undefined);
    await waitFor('the hung on_publish call', () => hung.length === 1);

    const publisher = ffmpeg(publishArgs(server.url('live/free'), 3));
    const player = await playOn(server.url('live/free'));
    clients.push(player.client);
    await waitFor('media on the other vhost', () => player.media > 20);
    expect(await publisher.exited, publisher.stderr()).toBe(0);
    expect(player.statuses).toContain('NetStream.Play.Start');

    // Still waiting: neither allowed nor refused, and not live.
    expect(stuckSettled).toBe(false);
    expect(liveOn(server, 'hung.test', 'live', 'stuck')).toBe(false);
    // The client gives up: its session ends and the pending call is abandoned.
    stuck.close();
    await expect(stuckPublish).rejects.toBeInstanceOf(RtmpClientError);
    await waitFor('stuck session end', () => server!.logs.find((l) => l.msg === 'session end' && l.vhost === 'hung.test'));
    await waitFor('the pending call aborted', () => server!.logs.find((l) => l.msg === 'Hook execution' && l.event === 'on_publish' && l.reason === 'aborted'));
  });

  it('applies a reloaded config to the next client (app.reload with a rewritten file)', async () => {
    const cb = await callbackServer((call) => (call.path === '/v2' ? { body: '{"code":7}' } : undefined));
    const file = join(mkdtempSync(join(tmpdir(), 'srs-reload-')), 'srs.conf');
    const configWith = (hooks: string): string => `listen 127.0.0.1:0;\nvhost __defaultVhost__ {\n  http_hooks {\n${hooks}\n  }\n}\n`;
    writeFileSync(file, configWith(`    enabled on;\n    on_publish ${cb.url('/v1')};`));
    server = await startTestServer('', { configFile: file });

    const publishOnce = async (stream: string): Promise<RtmpClientError | undefined> => {
      const client = await RtmpClient.connect(server!.url(`live/${stream}`));
      clients.push(client);
      return client.publish().then(
        () => undefined,
        (e: unknown) => e as RtmpClientError,
      );
    };
    expect(await publishOnce('first')).toBeUndefined();
    expect(cb.calls.map((c) => c.path)).toEqual(['/v1']);

    writeFileSync(file, configWith(`    enabled on;\n    on_publish ${cb.url('/v2')};`));
    expect(server.app.reload()).toBe(true);
    const denied = await publishOnce('second');
    expect(denied?.description).toBe('on_publish denied: response code 7');
    expect(cb.calls.map((c) => c.path)).toEqual(['/v1', '/v2']);
    // The first publisher, admitted under the old config, is still live.
    expect(liveOn(server, '__defaultVhost__', 'live', 'first')).toBe(true);

    writeFileSync(file, configWith('    enabled off;'));
    expect(server.app.reload()).toBe(true);
    expect(await publishOnce('third')).toBeUndefined();
    expect(cb.calls).toHaveLength(2);
  });

  it('answers every gate and delivers every close for 200 publishers and 200 players at once', async () => {
    const cb = await callbackServer();
    server = await startTestServer(
      `listen 0; vhost __defaultVhost__ { play { mw_latency 0; } http_hooks { enabled on;
         on_connect ${cb.url('/clients')}; on_close ${cb.url('/clients')};
         on_publish ${cb.url('/streams')}; on_unpublish ${cb.url('/streams')};
         on_play ${cb.url('/sessions')}; on_stop ${cb.url('/sessions')}; } }`,
    );
    const count = 200;
    const publishers = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const client = await RtmpClient.connect(server!.url(`live/s${i}`), { timeoutMs: 30_000 });
        clients.push(client);
        await client.publish();
        client.sendMedia('video', 0, videoTag(true));
        client.sendMedia('video', 0, videoTag(false));
        return client;
      }),
    );
    const players = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const client = await RtmpClient.connect(server!.url(`live/s${i}`), { timeoutMs: 30_000 });
        clients.push(client);
        let media = 0;
        client.onMessage = () => media++;
        await client.play();
        return { client, media: () => media };
      }),
    );
    await waitFor('every player got the cached key frame', () => players.every((p) => p.media() >= 2), 30_000);
    const byAction = (action: string): RecordedCall[] => cb.calls.filter((c) => c.json['action'] === action);
    expect(byAction('on_connect')).toHaveLength(2 * count);
    expect(byAction('on_publish')).toHaveLength(count);
    expect(byAction('on_play')).toHaveLength(count);

    for (const client of [...publishers, ...players.map((p) => p.client)]) client.close();
    await waitFor('every on_close', () => byAction('on_close').length === 2 * count, 30_000);
    await waitFor('every on_unpublish and on_stop', () => byAction('on_unpublish').length === count && byAction('on_stop').length === count, 30_000);
    // One on_close per session: the client ids of on_connect and on_close are the same set.
    const connectIds = new Set(byAction('on_connect').map((c) => c.json['client_id']));
    const closeIds = byAction('on_close').map((c) => c.json['client_id']);
    expect(connectIds.size).toBe(2 * count);
    expect(new Set(closeIds)).toEqual(connectIds);
    // Per session: the close comes last.
    for (const id of connectIds) {
      const actions = calledActions(cb.calls, String(id));
      expect(actions[0]).toBe('on_connect');
      expect(actions.at(-1)).toBe('on_close');
      expect(actions).toHaveLength(4);
    }
    expect(server.app.hooks.stats()['http_hooks']).toMatchObject({ failed: 0, dropped: 0 });
  }, 90_000);
});
