import { describe, expect, it } from 'vitest';
import { judgeSrsResponse } from '../../../src/hooks/srs-verdict.js';
import { parseSrsJson } from '../../../src/hooks/srs-json.js';

const BOM = '\uFEFF';

/** srs-spec §1.4 [harness] table, status 200: body → pass? */
const TABLE: Array<[string, boolean]> = [
  ['0', true],
  ['0\n', false],
  [' 0', false],
  ['-0', false],
  ['0.0', false],
  ['00', false],
  ['"0"', false],
  ['{"code":0}', true],
  ['{"code":0}\n', true],
  ['{"code":0,"data":null}', true],
  ['{"code":0,}', true],
  ['{"code":"0"}', false],
  ['{"code":0.0}', false],
  ['{"code":0e0}', false],
  ['{}', false],
  ['{"data":{"a":1}}', false],
  ['{"code":1}', false],
  ['[0]', false],
  ['true', false],
  ['null', false],
  [`${BOM}{"code":0}`, true],
  ['{"code":0} x', false],
  ['{"code":0,"code":1}', false],
  ['{"code":1,"code":0}', true],
  ['{"code":0,"msg":"OK"}', true],
  ['{"code":0} // ok', false],
  ["{'code':0}", false],
  ['', false],
  ['garbage', false],
  ['{"code":-0}', true],
  ['{"code":0,"data":[1,2,],}', true],
];

describe('judgeSrsResponse: the srs-spec §1.4 table', () => {
  it.each(TABLE)('200 %j → %s', (body, pass) => {
    expect(judgeSrsResponse(200, Buffer.from(body, 'utf8')).ok).toBe(pass);
  });

  it.each([201])('status %i is accepted like 200', (status) => {
    expect(judgeSrsResponse(status, Buffer.from('0'))).toEqual({ ok: true });
  });

  it.each([204, 301, 302, 400, 401, 403, 404, 500, 502])('status %i denies even with a 0 body', (status) => {
    expect(judgeSrsResponse(status, Buffer.from('0'))).toEqual({ ok: false, reason: `http status ${status}` });
  });

  it('names each failure class without quoting the body', () => {
    expect(judgeSrsResponse(200, Buffer.alloc(0))).toEqual({ ok: false, reason: 'empty response' });
    expect(judgeSrsResponse(200, Buffer.from('<html>secret</html>'))).toEqual({ ok: false, reason: 'not json' });
    expect(judgeSrsResponse(200, Buffer.from('"0"'))).toEqual({ ok: false, reason: 'response is not 0' });
    expect(judgeSrsResponse(200, Buffer.from('{"code":"0"}'))).toEqual({ ok: false, reason: 'response object has no integer code' });
    expect(judgeSrsResponse(200, Buffer.from('{"code":403}'))).toEqual({ ok: false, reason: 'response code 403' });
  });
});

describe('parseSrsJson', () => {
  it('keeps integers apart from doubles and big integers exact', () => {
    expect(parseSrsJson('12345678901234567890')).toEqual({ kind: 'integer', value: 12345678901234567890n });
    expect(parseSrsJson('1.5')).toEqual({ kind: 'double', value: 1.5 });
    expect(parseSrsJson('"a\\u0041\\n"')).toEqual({ kind: 'string', value: 'aA\n' });
  });

  it('refuses what json-parser refuses', () => {
    for (const text of ['{,}', '[,]', '{"a"}', '{"a":1,,}', '01', '+1', '"\\x"', '{"a":1', 'nul', '/* c */ 0']) {
      expect(parseSrsJson(text), text).toBeUndefined();
    }
  });

  it('bounds nesting depth instead of overflowing the stack', () => {
    expect(parseSrsJson('['.repeat(100_000))).toBeUndefined();
    expect(parseSrsJson('['.repeat(10) + ']'.repeat(10))).toBeDefined();
  });
});

describe('judgeSrsResponse: answer data as session control (issue 17, our extension)', () => {
  const judge = (body: string): ReturnType<typeof judgeSrsResponse> => judgeSrsResponse(200, Buffer.from(body, 'utf8'));

  it('plain 0 and {"code":0} (with or without null data) mean what they always meant', () => {
    expect(judge('0')).toEqual({ ok: true });
    expect(judge('{"code":0}')).toEqual({ ok: true });
    expect(judge('{"code":0,"data":null}')).toEqual({ ok: true });
    expect(judge('{"code":0,"data":{}}')).toEqual({ ok: true });
    expect(judge('{"code":0,"data":{"other":1}}')).toEqual({ ok: true });
  });

  it('reads stream, redirect and max_duration', () => {
    expect(judge('{"code":0,"data":{"stream":"newname"}}')).toEqual({ ok: true, control: { stream: 'newname' } });
    expect(judge('{"code":0,"data":{"redirect":"rtmp://edge.example/live/s"}}')).toEqual({ ok: true, control: { redirect: 'rtmp://edge.example/live/s' } });
    expect(judge('{"code":0,"data":{"max_duration":60}}')).toEqual({ ok: true, control: { maxDurationSec: 60 } });
    expect(judge('{"code":0,"data":{"max_duration":1.5}}')).toEqual({ ok: true, control: { maxDurationSec: 1.5 } });
    expect(judge('{"code":0,"data":{"stream":"a","redirect":"rtmps://h:443/app/b","max_duration":5}}')).toEqual({
      ok: true,
      control: { stream: 'a', redirect: 'rtmps://h:443/app/b', maxDurationSec: 5 },
    });
  });

  it('a field of the wrong type is named in ignored and the allow stands; the good fields still apply', () => {
    expect(judge('{"code":0,"data":[1]}')).toEqual({ ok: true, ignored: ['data is array, not an object'] });
    expect(judge('{"code":0,"data":"s"}')).toEqual({ ok: true, ignored: ['data is string, not an object'] });
    expect(judge('{"code":0,"data":{"stream":42,"max_duration":3}}')).toEqual({ ok: true, control: { maxDurationSec: 3 }, ignored: ['data.stream is not a stream name'] });
    for (const stream of ['""', '"a/b"', '"a?b"', '"../x"', `"${'x'.repeat(257)}"`]) {
      expect(judge(`{"code":0,"data":{"stream":${stream}}}`).ok, stream).toBe(true);
      expect(judge(`{"code":0,"data":{"stream":${stream}}}`), stream).not.toHaveProperty('control');
    }
    for (const redirect of ['"http://h/a"', '"rtmp://"', '"rtmp://h"', '1']) {
      expect(judge(`{"code":0,"data":{"redirect":${redirect}}}`), redirect).toEqual({ ok: true, ignored: ['data.redirect is not an rtmp:// url'] });
    }
    for (const seconds of ['0', '-1', '"10"', '1e10', 'true']) {
      expect(judge(`{"code":0,"data":{"max_duration":${seconds}}}`), seconds).toEqual({ ok: true, ignored: ['data.max_duration is not a number of seconds in (0, 2147483]'] });
    }
  });

  it('a denial never carries control', () => {
    expect(judge('{"code":1,"data":{"stream":"x"}}')).toEqual({ ok: false, reason: 'response code 1' });
  });
});
