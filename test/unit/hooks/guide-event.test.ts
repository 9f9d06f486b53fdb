import { describe, expect, it } from 'vitest';
import { toGuideEvent } from '../../../src/hooks/guide-event.js';
import { makeEvent } from './helpers.js';

describe('toGuideEvent: the guide JSON per event', () => {
  it('connection_accept: empty stream key, client/server address', () => {
    const event = makeEvent({ type: 'accept', app: '', stream: '', ip: '192.168.1.100', port: 54321, serverIp: '0.0.0.0', serverPort: 1935 });
    expect(JSON.stringify(toGuideEvent(event))).toBe(
      '{"type":"connection_accept","timestamp":1700000000,"conn_id":"c000001","stream_key":"","data":{"client_ip":"192.168.1.100","client_port":54321,"server_ip":"0.0.0.0","server_port":1935},"client_id":"3y1tcaw2"}',
    );
  });

  it('connection_close carries the reason', () => {
    expect(toGuideEvent(makeEvent({ type: 'close', reason: 'server_shutdown' }))).toEqual({
      type: 'connection_close',
      timestamp: 1700000000,
      conn_id: 'c000001',
      stream_key: 'live/livestream',
      data: { reason: 'server_shutdown' },
      client_id: '3y1tcaw2',
    });
  });

  it('publish_start / publish_stop / play_start / play_stop data', () => {
    expect(toGuideEvent(makeEvent({ type: 'publish', stream: 'stream1', publishType: 'record' }))?.data).toEqual({
      app: 'live',
      publishing_name: 'stream1',
      publishing_type: 'record',
    });
    expect(toGuideEvent(makeEvent({ type: 'publish', publishType: '' }))?.data).toEqual({ app: 'live', publishing_name: 'livestream', publishing_type: 'live' });
    expect(toGuideEvent(makeEvent({ type: 'unpublish' }))).toMatchObject({ type: 'publish_stop', stream_key: 'live/livestream', data: { app: 'live', publishing_name: 'livestream' } });
    expect(toGuideEvent(makeEvent({ type: 'play' }))).toMatchObject({ type: 'play_start', data: { app: 'live' } });
    expect(toGuideEvent(makeEvent({ type: 'stop' }))).toMatchObject({ type: 'play_stop', data: { app: 'live' } });
  });

  it('connect has no guide event', () => {
    expect(toGuideEvent(makeEvent({ type: 'connect' }))).toBeUndefined();
  });
});
