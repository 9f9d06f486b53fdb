import { describe, expect, it } from 'vitest';
import { ConfigErrorCode } from '../../../src/config/codes.js';
import type { Directive } from '../../../src/config/directive.js';
import { parseConfigText } from '../../../src/config/parse.js';
import { configErrorOf } from './helpers.js';

/** name + args of each directive, children nested: the shape the tests compare. */
function shape(directives: readonly Directive[]): unknown[] {
  return directives.map((d) => (d.children.length > 0 || d.block ? [d.name, ...d.args, shape(d.children)] : [d.name, ...d.args]));
}

function parse(text: string): unknown[] {
  return shape(parseConfigText(text, 'f.conf'));
}

/** [text, line, message] of a syntax error (srs-spec §3.1 wording, file:line prefix). */
function syntax(text: string): [number | undefined, string, string] {
  const error = configErrorOf(() => parseConfigText(text, 'f.conf'));
  expect(error.file).toBe('f.conf');
  expect(error.message.startsWith(`f.conf:${error.line}: `)).toBe(true);
  return [error.line, error.message.slice(`f.conf:${error.line}: `.length), error.code];
}

describe('parseConfigText: valid text (srs-spec §3.1)', () => {
  it.each([
    ['a simple directive', 'listen 1935;', [['listen', '1935']]],
    ['several args', 'listen 1935 1936 [::1]:1937;', [['listen', '1935', '1936', '[::1]:1937']]],
    ['a block spanning lines', 'vhost x {\n  play {\n    gop_cache on;\n  }\n}\n', [['vhost', 'x', [['play', [['gop_cache', 'on']]]]]]],
    ['a block with no space before {', 'play{gop_cache on;}', [['play', [['gop_cache', 'on']]]]],
    ['} right after ; closes the block', 'x { a b;}', [['x', [['a', 'b']]]]],
    ['an empty block', 'vhost __defaultVhost__ {}', [['vhost', '__defaultVhost__', []]]],
    ['# inside a word is literal', 'a b#c;', [['a', 'b#c']]],
    ['# right after ; starts a comment', 'a b;#c d;\ne f;', [['a', 'b'], ['e', 'f']]],
    ['# right after } starts a comment', 'x {}#c\ny z;', [['x', []], ['y', 'z']]],
    ['double and single quotes with spaces and the other quote', `a "b c" 'd "e"';`, [['a', 'b c', 'd "e"']]],
    ['no escapes: a backslash is literal', 'a "b\\";', [['a', 'b\\']]],
    ['a quote inside a word is literal', 'a b"c"d;', [['a', 'b"c"d']]],
    ['an empty "" is dropped', 'a "" b \'\';', [['a', 'b']]],
    ['a quoted word followed by { opens a block', 'vhost "x"{}', [['vhost', 'x', []]]],
    ['duplicates are kept in order', 'a 1;\na 2;', [['a', '1'], ['a', '2']]],
    ['include stays a directive for load.ts', 'include a.conf b.conf;', [['include', 'a.conf', 'b.conf']]],
    ['$VAR is a literal word', 'a $HOME;', [['a', '$HOME']]],
    ['an empty text', '', []],
    ['comments and blank lines only', '# one\n\n   # two\n', []],
    ['CRLF line endings', 'a 1;\r\nb {\r\n c 2;\r\n}\r\n', [['a', '1'], ['b', [['c', '2']]]]],
    ['a UTF-8 BOM stays part of the first name (as in SRS)', '\ufefflisten 1935;', [['\ufefflisten', '1935']]],
    ['non-ASCII words', 'vhost 例子.com {}', [['vhost', '例子.com', []]]],
  ])('%s', (_name, text, expected) => {
    expect(parse(text)).toEqual(expected);
  });

  it('records file, line and block on every directive', () => {
    const [vhost] = parseConfigText('# c\nvhost x {\n\n  enabled on;\n}\n', 'conf/a.conf');
    expect(vhost).toEqual({
      name: 'vhost', args: ['x'], line: 2, file: 'conf/a.conf', block: true,
      children: [{ name: 'enabled', args: ['on'], children: [], line: 4, file: 'conf/a.conf', block: false }],
    });
  });

  it('counts lines on LF only: a lone CR separates tokens but keeps the line', () => {
    const directives = parseConfigText('a 1;\rb 2;\nc 3;', 'f.conf');
    expect(directives.map((d) => [d.name, d.line])).toEqual([['a', 1], ['b', 1], ['c', 2]]);
  });

  it('accepts 64 levels of nesting', () => {
    const text = 'a {\n'.repeat(64) + '}\n'.repeat(64);
    let depth = 0;
    for (let level: readonly Directive[] = parseConfigText(text, 'f.conf'); level.length > 0; level = level[0]?.children ?? []) depth += 1;
    expect(depth).toBe(64);
  });
});

describe('parseConfigText: errors name file, line and what was expected', () => {
  it.each([
    ['a block followed by ;', 'vhost x {};', 1, "unexpected ';' at column 11"],
    ['a directive split before its value', 'listen\n1935;', 1, 'unexpected end of line to parse token listen'],
    ['a directive split before its ;', 'listen 1935\n;', 1, 'unexpected end of line to parse token listen'],
    ['a block whose { is on the next line', 'vhost x\n{\n}', 1, 'unexpected end of line to parse token vhost'],
    ['a missing ; inside a block', 'x {\nenabled on\n}', 2, 'unexpected end of line to parse token enabled'],
    ['a lone CR inside a directive', 'a\r1;', 1, 'unexpected end of line to parse token a'],
    ['a quoted string over two lines', 'a "b\nc";', 1, 'unexpected end of line to parse token a'],
    ['a quoted name over two lines', '"a\nb" c;', 1, 'unexpected end of line in a quoted string'],
    ['a comment that eats the ;', 'a b # c;\n', 1, 'unexpected end of line to parse token a'],
    ['} at the root', 'a 1;\n}', 2, 'unexpected "}" at column 1'],
    ['} after args', 'x { a b }', 1, "unexpected '}' at column 9"],
    ['; with no name', ';', 1, "unexpected ';' at column 1"],
    ['{ with no name', '{}', 1, "unexpected '{' at column 1"],
    ['; after an empty ""', '"";', 1, 'empty directive at column 3'],
    ['a letter right after a closing quote', 'a "b"c;', 1, "unexpected 'c' at column 6"],
    ['} right after a closing quote', 'x { a "b"}', 1, "unexpected '}' at column 10"],
    ['# right after a closing quote', 'a "b"#c;', 1, "unexpected '#' at column 6"],
    ['a quote right after a closing quote', 'a "b""c";', 1, `unexpected '"' at column 6`],
    ['} inside a word does not close the block', 'a {b c}', 1, 'unexpected end of file, expecting ; or "}"'],
    ['${VAR} opens a block', 'a ${X};', 1, 'unexpected end of file, expecting "}"'],
    ['end of file in a directive', 'a b', 1, 'unexpected end of file, expecting ; or "}"'],
    ['end of file after a name on the last line', 'a 1;\n\nb', 3, 'unexpected end of file, expecting ; or "}"'],
    ['end of file in nested blocks names the innermost', 'x {\n y {\n  z 1;\n', 2, 'unexpected end of file, expecting "}"'],
    ['an unclosed quote at the end of file', 'a "unterminated', 1, 'unexpected end of file, expecting ; or "}"'],
    ['an unclosed quote before a newline', 'a "b;\nc d;', 1, 'unexpected end of line to parse token a'],
    ['a control byte inside quotes', 'a "x\x01y";', 1, 'unexpected control byte 0x01 at column 5 (binary data in a text config?)'],
    ['binary garbage', '\x00\x01\x02garbage', 1, 'unexpected control byte 0x00 at column 1 (binary data in a text config?)'],
    ['a control byte in a comment', 'a 1;\n# x\x7f\n', 2, 'unexpected control byte 0x7f at column 4 (binary data in a text config?)'],
    ['more than 64 levels of nesting', 'a {\n'.repeat(65), 65, 'blocks nested deeper than 64 levels'],
  ])('%s', (_name, text, line, message) => {
    expect(syntax(text)).toEqual([line, message, ConfigErrorCode.Syntax]);
  });

  it('fails 1000-deep nesting at the bound, without exhausting the stack', () => {
    expect(syntax('a {'.repeat(1000) + '}'.repeat(1000))).toEqual([1, 'blocks nested deeper than 64 levels', ConfigErrorCode.Syntax]);
  });

  it('takes its depth bound from the caller', () => {
    const error = configErrorOf(() => parseConfigText('a { b { c {} } }', 'f.conf', { maxDepth: 2 }));
    expect(error.message).toBe('f.conf:1: blocks nested deeper than 2 levels');
  });
});
