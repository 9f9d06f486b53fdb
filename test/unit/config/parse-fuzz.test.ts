import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { buildConfig } from '../../../src/config/build.js';
import type { Directive } from '../../../src/config/directive.js';
import { parseConfigText } from '../../../src/config/parse.js';

/** Characters that matter to the lexer, plus a few ordinary and hostile ones. */
const CONFIG_CHARS = [' ', '\t', '\n', '\r', ';', '{', '}', '#', '"', "'", '\\', 'a', 'b', '1', '.', ':', '$', '\u0000', '\ufeff', 'é'];

interface Tree {
  name: string;
  args: string[];
  children: Tree[] | undefined;
}

const word = fc.stringMatching(/^[a-z_][a-z0-9_.:/-]{0,8}$/);
/** Names SRS and we know, so random trees reach the value checks, not only "illegal directive". */
const KNOWN_NAMES = ['vhost', 'play', 'publish', 'gop_cache', 'listen', 'chunk_size', 'enabled', 'http_hooks', 'on_publish', 'security', 'allow', 'refer', 'all', 'hooks', 'script', 'webhook', 'timeout', 'hls', 'rtc_server'];
const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.record({
    name: fc.oneof(word, fc.constantFrom(...KNOWN_NAMES)),
    args: fc.array(fc.oneof(word, fc.stringMatching(/^[a-z ;{}#']{1,6}$/)), { maxLength: 3 }),
    children: fc.option(fc.array(tie('node'), { maxLength: 3 }), { nil: undefined, depthSize: 'small' }),
  }),
})).node;

/** SRS text for a tree: args with special characters are double-quoted (they hold no `"`). */
function print(nodes: readonly Tree[], indent = ''): string {
  return nodes
    .map((node) => {
      const args = node.args.map((arg) => (/^[a-z0-9_.:/-]+$/.test(arg) ? arg : `"${arg}"`));
      const head = `${indent}${[node.name, ...args].join(' ')}`;
      return node.children === undefined ? `${head};\n` : `${head} {\n${print(node.children, `${indent}  `)}${indent}}\n`;
    })
    .join('');
}

function shape(directives: readonly Directive[]): unknown {
  return directives.map((d) => ({ name: d.name, args: d.args, children: d.block ? shape(d.children) : undefined }));
}

describe('parseConfigText properties', () => {
  it('random text yields directives or a ConfigError with a line, never another error', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CONFIG_CHARS), { maxLength: 200 }), (chars) => {
        try {
          parseConfigText(chars.join(''), 'fuzz.conf');
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('printed trees parse back to the same tree', () => {
    fc.assert(
      fc.property(fc.array(tree, { maxLength: 4 }), (nodes) => {
        const expected = nodes.map(function toShape(node): unknown {
          return { name: node.name, args: node.args, children: node.children?.map(toShape) };
        });
        expect(shape(parseConfigText(print(nodes), 'fuzz.conf'))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('building random trees throws only ConfigError', () => {
    fc.assert(
      fc.property(fc.array(tree, { maxLength: 4 }), (nodes) => {
        try {
          buildConfig(parseConfigText(`listen 1935;\n${print(nodes)}`, 'fuzz.conf'), { file: 'fuzz.conf', env: {} });
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
