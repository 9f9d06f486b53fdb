import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import {
  DEFAULT_APP,
  MAX_URL_CHARS,
  parseTcUrl,
  resolveStreamRequest,
  type StreamRequest,
} from '../../../src/rtmp/url.js';

type Resolved = Pick<StreamRequest, 'vhost' | 'app' | 'stream' | 'param'>;

function resolved(tcUrl: string, stream: string): Resolved {
  const { vhost, app, stream: name, param } = resolveStreamRequest(tcUrl, stream);
  return { vhost, app, stream: name, param };
}

function expectTcUrlError(run: () => unknown): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ProtocolError);
  expect((caught as ProtocolError).code).toBe('ERR_RTMP_REQ_TCURL');
}

describe('resolveStreamRequest: every row of srs-spec §1.7', () => {
  it.each<[string, string, Resolved]>([
    ['rtmp://h/live', 'livestream?token=abc', { vhost: 'h', app: 'live', stream: 'livestream', param: '?token=abc' }],
    // SRS HEAD: ?token=abc?token=abc (bug #3930/#4622); de-duplicated as SRS PR #4708 does.
    ['rtmp://h/live?token=abc', 'livestream', { vhost: 'h', app: 'live', stream: 'livestream', param: '?token=abc' }],
    // SRS HEAD: ?token=abc?token=abc?token=abc; #4708 drops the repeated suffix.
    ['rtmp://h/live?token=abc', 'livestream?token=abc', { vhost: 'h', app: 'live', stream: 'livestream', param: '?token=abc' }],
    // SRS HEAD: ?vhost=d.com?vhost=d.com; de-duplicated.
    ['rtmp://h/live?vhost=d.com', 'livestream', { vhost: 'd.com', app: 'live', stream: 'livestream', param: '?vhost=d.com' }],
    ['rtmp://h/live', 'livestream?vhost=d.com&token=1', { vhost: 'd.com', app: 'live', stream: 'livestream', param: '?vhost=d.com&token=1' }],
    // SRS HEAD: ?vhost=d.com?vhost=d.com; de-duplicated.
    ['rtmp://h/live...vhost...d.com', 'livestream', { vhost: 'd.com', app: 'live', stream: 'livestream', param: '?vhost=d.com' }],
    ['rtmp://h:1935/live?vhost=__defaultVhost__', 'livestream', { vhost: 'h', app: 'live', stream: 'livestream', param: '' }],
    ['rtmp://h/live/_definst_', 'show', { vhost: 'h', app: 'live', stream: 'show', param: '' }],
    ['rtmp://h/live/sub', 's', { vhost: 'h', app: 'live/sub', stream: 's', param: '' }],
    ['rtmp://h/', 's', { vhost: 'h', app: DEFAULT_APP, stream: 's', param: '' }],
    ['rtmp://h', 's', { vhost: 'h', app: DEFAULT_APP, stream: 's', param: '' }],
    ['rtmp://h/live/livestream', '', { vhost: 'h', app: 'live', stream: 'livestream', param: '' }],
  ])('%s + %j', (tcUrl, stream, expected) => {
    expect(resolved(tcUrl, stream)).toEqual(expected);
  });

  it('keeps schema, host, port and the raw tcUrl', () => {
    expect(resolveStreamRequest('rtmp://h:19350/live?token=abc', 'livestream')).toEqual({
      schema: 'rtmp',
      host: 'h',
      port: 19350,
      vhost: 'h',
      app: 'live',
      stream: 'livestream',
      param: '?token=abc',
      tcUrl: 'rtmp://h:19350/live?token=abc',
    });
  });
});

describe('param: tokens in the stream name and in the tcUrl', () => {
  it.each<[string, string, string]>([
    ['rtmp://h/live', 'livestream?time=1402307089&expire=3600&token=88195f', '?time=1402307089&expire=3600&token=88195f'],
    ['rtmp://h/live?time=1&token=x', 'livestream', '?time=1&token=x'],
    // Both carry a different query: the stream name's wins, as SRS v1-v4 (HEAD glues them: ?b=2?a=1).
    ['rtmp://h/live?a=1', 'livestream?b=2', '?b=2'],
    ['rtmp://h/live#frag', 'livestream', '#frag'],
    ['rtmp://h/live', 'livestream?token=a#frag', '?token=a#frag'],
    // SRS moves everything between the first '?' and the last '/' behind the stream, slash included.
    ['rtmp://h/live?token=abc/', 'livestream', '?token=abc/'],
    // Older docs put the token in the app: rtmp://vhost/app?token=xxxx/stream (FMLE form).
    ['rtmp://h/live?token=xxxx', '/livestream', '?token=xxxx'],
  ])('%s + %j gives %j', (tcUrl, stream, param) => {
    const request = resolveStreamRequest(tcUrl, stream);
    expect(request.param).toBe(param);
    expect(request.app).toBe('live');
    expect(request.stream).toBe('livestream');
  });

  it('never repeats a tcUrl token however often it is resolved', () => {
    const tcUrl = 'rtmp://h/live?token=abc';
    const first = resolveStreamRequest(tcUrl, 'livestream');
    const again = resolveStreamRequest(first.tcUrl, 'livestream' + first.param);
    expect(again.param).toBe('?token=abc');
  });
});

describe('cases from SRS utests (srs_utest_rtmp.cpp DiscoveryTcUrl*), first pass', () => {
  it.each<[string, string, Resolved]>([
    ['rtmp://127.0.0.1:19351/live...vhost...demo&token=abc', 'show', { vhost: 'demo', app: 'live', stream: 'show', param: '?vhost=demo&token=abc' }],
    ['rtmp://127.0.0.1:19351/live?vhost=demo&token=abc', 'show', { vhost: 'demo', app: 'live', stream: 'show', param: '?vhost=demo&token=abc' }],
    ['rtmp://winlin.cn/live', 'show?key=abc&&vhost=demo.com', { vhost: 'demo.com', app: 'live', stream: 'show', param: '?key=abc&&vhost=demo.com' }],
    ['rtmp://winlin.cn/live', 'show?key=abc&&domain=demo.com', { vhost: 'demo.com', app: 'live', stream: 'show', param: '?key=abc&&domain=demo.com' }],
    ['rtmp://winlin.cn/live?key=abc&&vhost=demo.com', 'show', { vhost: 'demo.com', app: 'live', stream: 'show', param: '?key=abc&&vhost=demo.com' }],
    ['rtmp://ip:8888/app', 'stream?k=v&domain=ossrs.io&k2=v2', { vhost: 'ossrs.io', app: 'app', stream: 'stream', param: '?k=v&domain=ossrs.io&k2=v2' }],
    ['rtmp://h/live', '?secret=xxx/livestream', { vhost: 'h', app: 'live', stream: 'livestream', param: '?secret=xxx' }],
  ])('%s + %j', (tcUrl, stream, expected) => {
    expect(resolved(tcUrl, stream)).toEqual(expected);
  });
});

describe('vhost resolution (srs-spec §4)', () => {
  it.each<[string, string, string]>([
    ['rtmp://h/live?vhost=d.com', 'livestream', 'd.com'],
    ['rtmp://h/live?domain=d.com', 'livestream', 'd.com'],
    ['rtmp://h/live', 'livestream?domain=d.com', 'd.com'],
    ['rtmp://192.168.1.10:1935/live', 'livestream', '192.168.1.10'],
    // The stream name wins over the tcUrl, which wins over the host.
    ['rtmp://h/live?vhost=a.com', 'livestream?vhost=b.com', 'b.com'],
    ['rtmp://h/live?vhost=a.com', 'livestream?token=1', 'a.com'],
    // An explicit __defaultVhost__ is ignored: the next source decides.
    ['rtmp://h/live?vhost=a.com', 'livestream?vhost=__defaultVhost__', 'a.com'],
    ['rtmp://h/live', 'livestream?vhost=__defaultVhost__', 'h'],
    // vhost= wins over domain= in the same query; an empty vhost= falls to domain=.
    ['rtmp://h/live?vhost=a.com&domain=b.com', 'livestream', 'a.com'],
    ['rtmp://h/live?vhost=&domain=b.com', 'livestream', 'b.com'],
    // Query pieces are cut at = , && & ; (srs_parse_query_string).
    ['rtmp://h/live?vhost,d.com', 'livestream', 'd.com'],
    ['rtmp://h/live?token=1&&vhost=d.com', 'livestream', 'd.com'],
    ['rtmp://h/live?token=1;vhost=d.com', 'livestream', 'd.com'],
    ['rtmp://h/live?token=1,vhost,d.com', 'livestream', 'd.com'],
    // Pieces pair up in order, so a value-less key shifts the pairs (SRS quirk kept).
    ['rtmp://h/live?token&vhost=d.com', 'livestream', 'h'],
    // With a second '?' only the text after it is searched (SrsHttpUri::parse_query).
    ['rtmp://h/live', 'livestream?a=1?vhost=d.com', 'd.com'],
    ['rtmp://h/live', 'livestream?vhost=d.com?a=1', 'h'],
    // The last pair for a key wins.
    ['rtmp://h/live?vhost=a.com&vhost=b.com', 'livestream', 'b.com'],
  ])('%s + %j is vhost %j', (tcUrl, stream, vhost) => {
    expect(resolveStreamRequest(tcUrl, stream).vhost).toBe(vhost);
  });

  it('keeps a __defaultVhost__ param that carries other keys', () => {
    expect(resolved('rtmp://h/live?vhost=__defaultVhost__&token=1', 'livestream')).toEqual({
      vhost: 'h',
      app: 'live',
      stream: 'livestream',
      param: '?vhost=__defaultVhost__&token=1',
    });
  });

  it('drops a lone domain=__defaultVhost__ too', () => {
    expect(resolveStreamRequest('rtmp://h/live', 'livestream?domain=__defaultVhost__').param).toBe('');
  });

  it('accepts __defaultVhost__ as the tcUrl host', () => {
    expect(resolved('rtmp://__defaultVhost__/live', 'livestream')).toEqual({
      vhost: '__defaultVhost__',
      app: 'live',
      stream: 'livestream',
      param: '',
    });
  });
});

describe('app and stream names', () => {
  it.each<[string, string, string, string]>([
    ['rtmp://h/live/', 'livestream', 'live', 'livestream'],
    ['rtmp://h//live//', 'livestream', 'live', 'livestream'],
    ['rtmp://h/live', '/livestream/', 'live', 'livestream'],
    ['rtmp://h/live', 'livestream.flv', 'live', 'livestream.flv'],
    ['rtmp://h/live/_definst_', 'show.m3u8', 'live', 'show.m3u8'],
    ['rtmp://h/a/b/c', 'd', 'a/b/c', 'd'],
    ['rtmp://h/live', 'sub/livestream', 'live/sub', 'livestream'],
    ['rtmp://h/live?token=1', 'sub/livestream', 'live', 'livestream'],
    ['rtmp://h/live/livestream?token=1', '', 'live', 'livestream'],
  ])('%s + %j is app %j stream %j', (tcUrl, stream, app, name) => {
    const request = resolveStreamRequest(tcUrl, stream);
    expect([request.app, request.stream]).toEqual([app, name]);
  });

  it('guesses the stream from the app with a query (srs_guess_stream_by_app)', () => {
    expect(resolved('rtmp://h/live/livestream?token=1', '')).toEqual({
      vhost: 'h',
      app: 'live',
      stream: 'livestream',
      param: '?token=1',
    });
  });

  it('returns an empty stream when nothing can be guessed (the session drops it after on_connect)', () => {
    expect(resolved('rtmp://h/live', '')).toEqual({ vhost: 'h', app: 'live', stream: '', param: '' });
  });

  it('strips spaces, CR, LF and TAB anywhere', () => {
    expect(resolved(' rtmp://h/li ve\r\n', '\tlive stream ?token= abc \n')).toEqual({
      vhost: 'h',
      app: 'live',
      stream: 'livestream',
      param: '?token=abc',
    });
  });
});

describe('parseTcUrl (connect)', () => {
  it.each<[string, Omit<StreamRequest, 'tcUrl'>]>([
    ['rtmp://h/live', { schema: 'rtmp', host: 'h', port: 1935, vhost: 'h', app: 'live', stream: '', param: '' }],
    ['rtmp://h:19350/live', { schema: 'rtmp', host: 'h', port: 19350, vhost: 'h', app: 'live', stream: '', param: '' }],
    ['rtmp://h:0/live', { schema: 'rtmp', host: 'h', port: 1935, vhost: 'h', app: 'live', stream: '', param: '' }],
    ['rtmp://h:01935/live', { schema: 'rtmp', host: 'h', port: 1935, vhost: 'h', app: 'live', stream: '', param: '' }],
    ['rtmp://[::1]:1935/live', { schema: 'rtmp', host: '::1', port: 1935, vhost: '::1', app: 'live', stream: '', param: '' }],
    ['rtmp://[::1]/live', { schema: 'rtmp', host: '::1', port: 1935, vhost: '::1', app: 'live', stream: '', param: '' }],
    ['rtmp://[fe80::1%eth0]:1936/live', { schema: 'rtmp', host: 'fe80::1%eth0', port: 1936, vhost: 'fe80::1%eth0', app: 'live', stream: '', param: '' }],
    ['rtmp://u:p@h/live', { schema: 'rtmp', host: 'h', port: 1935, vhost: 'h', app: 'live', stream: '', param: '' }],
    ['rtmp://h/', { schema: 'rtmp', host: 'h', port: 1935, vhost: 'h', app: DEFAULT_APP, stream: '', param: '' }],
    ['rtmp://h', { schema: 'rtmp', host: 'h', port: 1935, vhost: 'h', app: DEFAULT_APP, stream: '', param: '' }],
    ['rtmp://h/live?vhost=d.com&token=1', { schema: 'rtmp', host: 'h', port: 1935, vhost: 'd.com', app: 'live', stream: '', param: '?vhost=d.com&token=1' }],
    ['rtmp://h/live?vhost=__defaultVhost__', { schema: 'rtmp', host: 'h', port: 1935, vhost: 'h', app: 'live', stream: '', param: '' }],
    ['rtmp://h/live...vhost...d.com', { schema: 'rtmp', host: 'h', port: 1935, vhost: 'd.com', app: 'live', stream: '', param: '?vhost=d.com' }],
    ['rtmp://h?token=1', { schema: 'rtmp', host: 'h', port: 1935, vhost: 'h', app: DEFAULT_APP, stream: '', param: '?token=1' }],
    ['rtmp://h/live/livestream', { schema: 'rtmp', host: 'h', port: 1935, vhost: 'h', app: 'live/livestream', stream: '', param: '' }],
    ['rtmp://h/live/_definst_', { schema: 'rtmp', host: 'h', port: 1935, vhost: 'h', app: 'live', stream: '', param: '' }],
    ['http://h/live', { schema: 'http', host: 'h', port: 80, vhost: 'h', app: 'live', stream: '', param: '' }],
    ['https://h/live', { schema: 'https', host: 'h', port: 443, vhost: 'h', app: 'live', stream: '', param: '' }],
  ])('%s', (tcUrl, expected) => {
    expect(parseTcUrl(tcUrl)).toEqual({ ...expected, tcUrl });
  });

  it.each([
    '',
    'live',
    '/live',
    'h/live',
    'rtmp:/h/live',
    'rtmp:///live',
    'rtmp://?vhost=d.com/live',
    'rtmp://:1935/live',
    'rtmp://h:/live',
    'rtmp://h:65536/live',
    'rtmp://h:abc/live',
    'rtmp://[::1/live',
    'rtmp://[]/live',
    'rtmp://[::1]x/live',
    'rtmp://h<x/live',
    'rtmp://h"x/live',
    'rtmp://a@b@c/live',
    'rtmp://h~x/live',
    'rtmp://h/li\u0000ve',
    'rtmp://h/live\u007f',
    'rtmp://h//',
    '1rtmp://h/live',
  ])('rejects %j with ERR_RTMP_REQ_TCURL', (tcUrl) => {
    expectTcUrlError(() => parseTcUrl(tcUrl));
  });

  it('rejects a control character in the stream name', () => {
    expectTcUrlError(() => resolveStreamRequest('rtmp://h/live', 'live\u0001stream'));
  });

  it('rejects an empty app after stripping slashes (SRS checks app after strip)', () => {
    expectTcUrlError(() => resolveStreamRequest('rtmp://h//', '/s'));
    // The empty basename sends SRS to srs_guess_stream_by_app, which splits at the first '/'.
    expectTcUrlError(() => resolveStreamRequest('rtmp://h//live//', '//livestream//'));
  });

  it('reads a fragment right after the host, as http_parser does', () => {
    expect(parseTcUrl('rtmp://h#x/live').param).toBe('#x/live');
  });

  it('bounds the tcUrl plus stream name length', () => {
    const tcUrl = 'rtmp://h/live';
    expect(() => resolveStreamRequest(tcUrl, 'a'.repeat(MAX_URL_CHARS - tcUrl.length))).not.toThrow();
    expectTcUrlError(() => resolveStreamRequest(tcUrl, 'a'.repeat(MAX_URL_CHARS - tcUrl.length + 1)));
    expectTcUrlError(() => parseTcUrl('rtmp://h/' + 'a'.repeat(MAX_URL_CHARS)));
  });
});

describe('properties (fast-check)', () => {
  const piece = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);

  it('throws nothing but ProtocolError on arbitrary input', () => {
    const urlish = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.tuple(fc.constantFrom('rtmp://', 'rtmp://h', 'rtmp://[::1]', 'x://'), fc.string({ maxLength: 60 })).map(([a, b]) => a + b),
    );
    fc.assert(
      fc.property(urlish, fc.string({ maxLength: 60 }), (tcUrl, stream) => {
        for (const run of [() => parseTcUrl(tcUrl), () => resolveStreamRequest(tcUrl, stream)]) {
          try {
            const request = run();
            expect(request.app).not.toBe('');
            expect(request.vhost).not.toBe('');
            expect(request.tcUrl).toBe(tcUrl);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('resolves well-formed URLs: names without edge slashes or whitespace, one copy of the token', () => {
    fc.assert(
      fc.property(
        piece,
        fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
        fc.array(piece, { minLength: 1, maxLength: 3 }),
        piece,
        piece,
        fc.constantFrom('tc', 'stream', 'both'),
        (host, port, appParts, stream, token, where) => {
          const query = `?token=${token}`;
          const tcUrl = `rtmp://${host}${port === undefined ? '' : `:${port}`}/${appParts.join('/')}${where === 'stream' ? '' : query}`;
          const name = stream + (where === 'tc' ? '' : query);
          const request = resolveStreamRequest(tcUrl, name);
          expect(request).toEqual({
            schema: 'rtmp',
            host,
            port: port ?? 1935,
            vhost: host,
            app: appParts.join('/'),
            stream,
            param: query,
            tcUrl,
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
