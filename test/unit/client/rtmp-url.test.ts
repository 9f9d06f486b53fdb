import { describe, expect, it } from 'vitest';
import { parseRtmpUrl } from '../../../src/relay/rtmp-url.js';

describe('parseRtmpUrl (ffmpeg-style app/stream split)', () => {
  it.each([
    ['rtmp://127.0.0.1/live/livestream', { host: '127.0.0.1', port: 1935, app: 'live', streamName: 'livestream', tcUrl: 'rtmp://127.0.0.1:1935/live' }],
    ['rtmp://h:19350/live/s?token=abc', { host: 'h', port: 19350, app: 'live', streamName: 's?token=abc', tcUrl: 'rtmp://h:19350/live' }],
    ['rtmp://h/a/b/c', { app: 'a/b', streamName: 'c' }],
    ['rtmp://h/live?vhost=v/s', { app: 'live?vhost=v', streamName: 's', tcUrl: 'rtmp://h:1935/live?vhost=v' }],
    ['rtmp://h/live/s?t=a/b', { app: 'live', streamName: 's?t=a/b' }],
    ['rtmp://[::1]:1936/live/x', { host: '::1', port: 1936, tcUrl: 'rtmp://[::1]:1936/live' }],
    ['RTMP://h/live/', { app: 'live', streamName: '' }],
  ])('%s', (url, expected) => {
    expect(parseRtmpUrl(url)).toMatchObject(expected);
  });

  it.each(['http://h/live/s', 'rtmp://h', 'rtmp://h/', 'rtmp://h:0/live/s', 'rtmp://h:99999/live/s'])('rejects %s', (url) => {
    expect(() => parseRtmpUrl(url)).toThrowError(expect.objectContaining({ code: 'ERR_USAGE' }) as Error);
  });
});
