import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatEnvRecord, guideEventEnv, parseEnvRecords, quoteEnvValue } from '../../../src/hooks/env-format.js';
import { toGuideEvent } from '../../../src/hooks/guide-event.js';
import { makeEvent } from './helpers.js';

const NASTY = ["a b", "it's", 'say "hi"', 'line1\nline2', '\n\n', "$(touch y)", 'a;touch x', '`id`', '\\n', "'\\''", 'tab\there', 'é漢字🎥', '\r\x7f\x1b[31m', ''];

/** Reads records with the documented bash reader; bash prints each value length-prefixed (bytes, C locale). */
function bashRead(text: string, keys: readonly string[]): string[][] {
  const script = `
    set -u
    print() { for k in ${keys.join(' ')}; do v="\${!k}"; printf '%d:%s' "\${#v}" "$v"; done; }
    while IFS= read -r line; do
      if [ -z "$line" ]; then print; else eval "$line"; fi
    done`;
  const result = spawnSync('bash', ['-c', script], { input: text, cwd: '/tmp', env: { ...process.env, LC_ALL: 'C' } });
  expect(result.status, result.stderr.toString()).toBe(0);
  const out = result.stdout;
  const values: string[] = [];
  for (let pos = 0; pos < out.length; ) {
    const colon = out.indexOf(0x3a, pos);
    const length = Number(out.subarray(pos, colon).toString('ascii'));
    values.push(out.subarray(colon + 1, colon + 1 + length).toString('utf8'));
    pos = colon + 1 + length;
  }
  const rows: string[][] = [];
  for (let i = 0; i < values.length; i += keys.length) rows.push(values.slice(i, i + keys.length));
  return rows;
}

describe('env format', () => {
  it('writes one KEY=value line per variable, bare when safe, and an empty line after each event', () => {
    const guide = toGuideEvent(makeEvent({ type: 'publish', stream: "it's" }))!;
    expect(formatEnvRecord(guideEventEnv(guide))).toBe(
      [
        'RTMP_EVENT_TYPE=publish_start',
        'RTMP_TIMESTAMP=1700000000',
        'RTMP_CONN_ID=c000001',
        'RTMP_CLIENT_ID=3y1tcaw2',
        "RTMP_STREAM_KEY=$'live/it\\'s'",
        'RTMP_APP=live',
        "RTMP_PUBLISHING_NAME=$'it\\'s'",
        'RTMP_PUBLISHING_TYPE=live',
        '',
        '',
      ].join('\n'),
    );
  });

  it('quotes every value bash would expand, split or glob, and only those', () => {
    for (const bare of ['publish_start', 'live/livestream', '127.0.0.1', 'a=b', 'x%2Fy', 'a,b+c@d:e-f', '']) expect(quoteEnvValue(bare)).toBe(bare);
    for (const quoted of ['~root', 'a b', '*', '$HOME', 'a;b', 'it\'s', '"x"', 'a?b', '[x]', '{a,b}', 'é']) expect(quoteEnvValue(quoted)).toMatch(/^\$'.*'$/);
  });

  it('never puts a raw newline inside a value', () => {
    expect(quoteEnvValue('a\nb\rc\0d')).toBe("$'a\\x0ab\\x0dcd'");
  });

  it('round-trips nasty stream keys through the documented bash reader, run for real', () => {
    const text = NASTY.map((stream) => formatEnvRecord(guideEventEnv(toGuideEvent(makeEvent({ type: 'publish', stream }))!))).join('');
    const rows = bashRead(text, ['RTMP_EVENT_TYPE', 'RTMP_PUBLISHING_NAME', 'RTMP_STREAM_KEY']);
    expect(rows).toEqual(NASTY.map((stream) => ['publish_start', stream, stream === '' ? '' : `live/${stream}`]));
  });

  it('round-trips through parseEnvRecords for any string without NUL', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }).map((s) => s.replaceAll('\0', '')), { minLength: 1, maxLength: 5 }), (values) => {
        const text = values.map((value) => formatEnvRecord([['RTMP_X', value], ['RTMP_Y', 'y']])).join('');
        const records = parseEnvRecords(text);
        expect(records.map((record) => record.get('RTMP_X'))).toEqual(values);
      }),
    );
  });

  it('bash agrees with parseEnvRecords on random strings', () => {
    const values = fc.sample(fc.string({ unit: 'binary', maxLength: 20 }).map((s) => s.replaceAll('\0', '')), { numRuns: 40, seed: 42 });
    const text = values.map((value) => formatEnvRecord([['RTMP_X', value]])).join('');
    expect(bashRead(text, ['RTMP_X']).map((row) => row[0])).toEqual(parseEnvRecords(text).map((record) => record.get('RTMP_X')));
  });

  it('refuses a line it did not write', () => {
    expect(() => parseEnvRecords("RTMP_X='a'\n\n")).toThrow(/not an env record line/);
  });
});
