import { describe, expect, it } from 'vitest';
import { generateStreamUrl } from '../../../src/session/stream-url.js';

describe('generateStreamUrl (srs_generate_stream_url)', () => {
  it.each<[string, string, string, string]>([
    ['__defaultVhost__', 'live', 'livestream', '/live/livestream'],
    ['d.com', 'live', 'livestream', 'd.com/live/livestream'],
    ['__defaultVhost__', 'live', 'livestream.flv', '/live/livestream'],
    ['__defaultVhost__', 'live', 'livestream.m3u8', '/live/livestream'],
    ['d.com', 'live/sub', 'a.b.flv', 'd.com/live/sub/a.b'],
    ['__defaultVhost__', 'live', '', '/live/'],
  ])('%s %s %s is %s', (vhost, app, stream, url) => {
    expect(generateStreamUrl(vhost, app, stream)).toBe(url);
  });
});
