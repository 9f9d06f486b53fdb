import { describe, expect, it } from 'vitest';
import { encodeSrsHookBody, SRS_ACTION_BY_EVENT } from '../../../src/hooks/srs-body.js';
import { makeEvent } from './helpers.js';

const IDS = { serverId: 'vid-0xk9a1b', serviceId: 'p4s8m2q7' };
const HEAD = '"server_id":"vid-0xk9a1b","service_id":"p4s8m2q7"';
const WHO = '"client_id":"3y1tcaw2","ip":"127.0.0.1","vhost":"__defaultVhost__","app":"live"';

describe('encodeSrsHookBody: srs-spec §1.5 HEAD field names and order', () => {
  it('on_connect', () => {
    expect(encodeSrsHookBody('on_connect', makeEvent({ pageUrl: 'http://x/p.html' }), IDS)).toBe(
      `{${HEAD},"action":"on_connect",${WHO},"stream":"livestream","param":"?token=abc","tcUrl":"rtmp://127.0.0.1:1935/live","pageUrl":"http://x/p.html"}`,
    );
  });

  it('on_close carries integer byte counts', () => {
    expect(encodeSrsHookBody('on_close', makeEvent({ type: 'close', sendBytes: 3073, recvBytes: 4198.7 }), IDS)).toBe(
      `{${HEAD},"action":"on_close",${WHO},"send_bytes":3073,"recv_bytes":4198}`,
    );
  });

  it('on_publish and on_unpublish', () => {
    const tail = '"tcUrl":"rtmp://127.0.0.1:1935/live","stream":"livestream","param":"?token=abc","stream_url":"/live/livestream","stream_id":"vid-k3n7x2q"';
    expect(encodeSrsHookBody('on_publish', makeEvent({ type: 'publish' }), IDS)).toBe(`{${HEAD},"action":"on_publish",${WHO},${tail}}`);
    expect(encodeSrsHookBody('on_unpublish', makeEvent({ type: 'unpublish' }), IDS)).toBe(`{${HEAD},"action":"on_unpublish",${WHO},${tail}}`);
  });

  it('on_play has its own order with pageUrl', () => {
    expect(encodeSrsHookBody('on_play', makeEvent({ type: 'play' }), IDS)).toBe(
      `{${HEAD},"action":"on_play",${WHO},"stream":"livestream","tcUrl":"rtmp://127.0.0.1:1935/live","param":"?token=abc","pageUrl":"","stream_url":"/live/livestream","stream_id":"vid-k3n7x2q"}`,
    );
  });

  it('on_stop, with stream_id omitted when the stream is not registered', () => {
    expect(encodeSrsHookBody('on_stop', makeEvent({ type: 'stop', streamId: '' }), IDS)).toBe(
      `{${HEAD},"action":"on_stop",${WHO},"tcUrl":"rtmp://127.0.0.1:1935/live","stream":"livestream","param":"?token=abc","stream_url":"/live/livestream"}`,
    );
  });

  it('escapes strings so any stream name stays one valid JSON value', () => {
    const body = encodeSrsHookBody('on_publish', makeEvent({ stream: 'a"b\\c\n\u0001', param: '' }), IDS);
    expect((JSON.parse(body) as { stream: string }).stream).toBe('a"b\\c\n\u0001');
    expect(body).not.toContain('\n');
  });

  it('maps session events to actions; accept has none', () => {
    expect(SRS_ACTION_BY_EVENT).toEqual({
      accept: undefined,
      connect: 'on_connect',
      close: 'on_close',
      publish: 'on_publish',
      unpublish: 'on_unpublish',
      play: 'on_play',
      stop: 'on_stop',
    });
  });
});

describe('encodeSrsHookBody: stream_id presence', () => {
  it('on_play omits stream_id when the stream is not registered and keeps the order otherwise', () => {
    expect(encodeSrsHookBody('on_play', makeEvent({ type: 'play', streamId: '' }), IDS)).toBe(
      `{${HEAD},"action":"on_play",${WHO},"stream":"livestream","tcUrl":"rtmp://127.0.0.1:1935/live","param":"?token=abc","pageUrl":"","stream_url":"/live/livestream"}`,
    );
  });

  it('on_publish omits stream_id when the stream is not registered', () => {
    expect(encodeSrsHookBody('on_publish', makeEvent({ type: 'publish', streamId: '' }), IDS)).toBe(
      `{${HEAD},"action":"on_publish",${WHO},"tcUrl":"rtmp://127.0.0.1:1935/live","stream":"livestream","param":"?token=abc","stream_url":"/live/livestream"}`,
    );
  });
});
