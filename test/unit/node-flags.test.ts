import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVER_NODE_FLAGS } from '../../src/util/node-flags.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('the node flags the server runs with', () => {
  it('are the same for npm start, the srs bin and the benchmark', () => {
    const flags = SERVER_NODE_FLAGS.join(' ');
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe(`node ${flags} dist/src/cli.js -c conf/srs.conf`);
    expect(read('src/cli.ts').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${flags}`);
    expect(read('test/bench/servers.ts')).toContain('...SERVER_NODE_FLAGS, ...options.nodeFlags, OUR_CLI');
  });
});
