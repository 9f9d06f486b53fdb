import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { FanoutResult } from '../../../test/bench/jobs.js';
import { edgeClusterConfigText, httpNotifyConfigText, LAL_EVENTS } from '../../../test/bench/lal-cascade-plan.js';
import {
  addedJoinMs, addedJoinMsSameCell, cascadeCpuMsPerGb, cascadeTotalCpuMs, notifyCpuRatio, pairCpuRatio, serverOfViewer, tickCpuMsMean, tickWallMs,
  type CascadeResult, type LalNotifyRow, type LalTickResult,
} from '../../../test/bench/lal-cascade-results.js';
import { ourConfigText } from '../../../test/bench/servers.js';

/** A fan-out cell with what the ratios read; the rest zero. */
function fanout(serverCpuMs: number, deliveredBytes: number): FanoutResult {
  return {
    type: 'fanout', players: 10, playersReady: 10, playersAtFullRate: 10, minPlayerRatio: 1, publisherBytes: 1, deliveredBytes, holdMs: 20_000,
    serverCpuMs, serverSysMs: 0, loadGenCpuMs: 0, rssIdleKb: 0, rssLoadedKb: 0, joinMs: [], joinFailures: 0, errors: [],
  };
}

function cascade(overrides: Partial<CascadeResult>): CascadeResult {
  return {
    type: 'cascade', edges: 2, viewers: 4, viewersReady: 4, viewersAtFullRate: 4, minViewerRatio: 1, holdMs: 1_000, publisherBytes: 1,
    deliveredBytes: 2e9, cpuMs: [{ role: 'origin', cpuMs: 100 }, { role: 'edge', cpuMs: 50 }, { role: 'edge', cpuMs: 70 }], loadGenCpuMs: 0,
    firstViewerMs: [], joinMs: [], originJoinMs: [], joinFailures: 0, errors: [], ...overrides,
  };
}

describe('bench lal cells: derived metrics', () => {
  it('pools CPU and bytes of every complete pair before dividing, and skips a pair with a failed side', () => {
    const rows: LalNotifyRow[] = [
      { players: 10, round: 1, off: fanout(100, 1e9), on: fanout(120, 1e9) },
      { players: 10, round: 2, off: fanout(300, 1e9), on: fanout(300, 1e9) },
      { players: 10, round: 3, off: { error: 'boom' }, on: fanout(1_000, 1e9) },
    ];
    // (420 / 2e9) / (400 / 2e9): the bigger pair weighs more than the mean of 1.2 and 1.0 would give it.
    expect(notifyCpuRatio(rows)).toBeCloseTo(1.05, 10);
    expect(pairCpuRatio(rows[0] as LalNotifyRow)).toBeCloseTo(1.2, 10);
    expect(pairCpuRatio(rows[2] as LalNotifyRow)).toBeNaN();
    expect(notifyCpuRatio([])).toBeNaN();
  });

  it('averages the CPU of the measured ticks; wall time as median and p99', () => {
    const tick: LalTickResult = { type: 'lal-tick', sessions: 1_000, streams: 10, tickCpuMs: [2, 4, 6], tickWallMs: [1, 3, 2], bodyBytes: 1, groups: 10, subs: 990 };
    expect(tickCpuMsMean(tick)).toBe(4);
    expect(tickWallMs(tick)).toEqual({ medianMs: 2, p99Ms: 3 });
    expect(tickCpuMsMean({ ...tick, tickCpuMs: [] })).toBeNaN();
  });
});

describe('bench cascade cells: derived metrics', () => {
  it('adds the CPU of every process and divides by the bytes the viewers read', () => {
    const r = cascade({});
    expect(cascadeTotalCpuMs(r)).toBe(220);
    expect(cascadeCpuMsPerGb(r)).toBe(110);
    expect(cascadeCpuMsPerGb(cascade({ deliveredBytes: 0 }))).toBeNaN();
  });

  it('takes the added join latency as median edge join minus median direct join', () => {
    const row = { viewers: 4, edges: 2, cascade: cascade({ joinMs: [10, 12, 40], originJoinMs: [5, 6, 7] }), direct: cascade({ edges: 0, joinMs: [4, 5, 6] }) };
    expect(addedJoinMs(row)).toBe(7);
    expect(addedJoinMsSameCell(row.cascade)).toBe(6);
    expect(addedJoinMs({ ...row, direct: { error: 'x' } })).toBeNaN();
  });

  it('spreads viewers round-robin over the serving processes', () => {
    const counts = [0, 0];
    for (let i = 0; i < 501; i += 1) counts[serverOfViewer(i, 2)] = (counts[serverOfViewer(i, 2)] ?? 0) + 1;
    expect(counts).toEqual([251, 250]);
  });
});

describe('bench lal and cascade configs load as our server reads them', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function load(text: string) {
    dir = mkdtempSync(join(tmpdir(), 'bench-conf-'));
    const file = join(dir, 'srs.conf');
    writeFileSync(file, text);
    return loadConfig({ file, env: {} }).config;
  }

  it('http_notify on: every lal event to the receiver, on_update every second, the queue raised', () => {
    const topLevel = httpNotifyConfigText('http://127.0.0.1:9/lal', 1, 2_000);
    const config = load(ourConfigText({ rtmp: 19350, http: 18080, api: 11985 }, '/tmp/none', 'x', undefined, undefined, { topLevel }));
    expect(config.httpNotify.enabled).toBe(true);
    expect(config.httpNotify.updateIntervalSec).toBe(1);
    expect(Object.keys(config.httpNotify.urls).sort()).toEqual([...LAL_EVENTS].sort());
    expect(config.httpNotify.urls.on_update).toBe('http://127.0.0.1:9/lal/on_update');
    expect(config.hooks.queueSize).toBe(2_000);
  });

  it('http_notify off: only the same queue', () => {
    const config = load(ourConfigText({ rtmp: 19350, http: 18080, api: 11985 }, '/tmp/none', 'x', undefined, undefined, { topLevel: httpNotifyConfigText(undefined, 1, 2_000) }));
    expect(config.httpNotify.enabled).toBe(false);
    expect(config.hooks.queueSize).toBe(2_000);
  });

  it('an edge: the default vhost pulls from the origin', () => {
    const config = load(ourConfigText({ rtmp: 19351, http: 18081, api: undefined }, '/tmp/none', 'x', undefined, undefined, { vhost: edgeClusterConfigText(19350) }));
    const vhost = config.vhosts.get('__defaultVhost__');
    expect(vhost?.cluster.mode).toBe('remote');
    expect(vhost?.cluster.origins).toEqual([{ host: '127.0.0.1', port: 19350 }]);
  });
});
