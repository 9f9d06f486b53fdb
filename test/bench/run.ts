/**
 * `npm run bench` (full, about 10 minutes on 2 cores) and
 * `npm run bench -- --quick` (1-2 minutes): prepares the test stream once,
 * runs every scenario against our server, node-media-server and the null
 * baseline, prints one table, writes the results JSON and, after a full run,
 * the table in test/bench/README.md. Options:
 *   --quick              smoke sizes (see plan.ts)
 *   --servers a,b        subset of ours,nms,null (development)
 *   --only a,b           subset of fanout (RTMP), http-flv, hls (segmenting cost, HLS viewers), api (the prober cells), interceptor (a no-op media interceptor), sessions,
 *                        cold (fresh vs warm server per session, issue 19);
 *                        also lal (on_update tick, http_notify on/off fan-out) and cascade (origin -> edges), never in the default run
 *   --players a,b        fan-out sizes instead of the plan's (development, profiling)
 *   --json FILE          results file (default .bench/results[-quick].json)
 *   --profile DIR        run our server under node --cpu-prof, profiles into DIR
 *   --node-flags=FLAGS   more node flags for our server, e.g. --node-flags=--trace-gc (development)
 *   --no-readme          do not touch README.md
 *   --render FILE        print the table of a results JSON again (and refresh README.md from a complete full run)
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killAllChildren } from './child-processes.js';
import { startHookServer } from './hook-server.js';
import type { ServerKind } from './jobs.js';
import { FULL_PLAN, QUICK_PLAN } from './plan.js';
import { readCpuModel } from './proc-stats.js';
import { updateReadme } from './readme.js';
import { notes, renderTable, tableRows } from './report.js';
import type { BenchResults, ColdRow, SegmentingRow } from './results.js';
import { runColdScenarios } from './cold-scenarios.js';
import { runHlsScenarios } from './hls-scenarios.js';
import { runCascadeScenarios } from './cascade-scenarios.js';
import type { CascadeRow, LalResults } from './lal-cascade-results.js';
import { runLalScenarios } from './lal-scenarios.js';
import { runApiProbeScenarios, runFanoutScenarios, runInterceptorScenarios, runSessionsScenarios } from './scenarios.js';
import { loadStreamFixture, prepareStreamFile } from './stream-fixture.js';

/** dist/test/bench/run.js -> the repository root. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Outside the repo: the encoded stream survives between runs, logs and configs of the last run sit beside it. */
const CACHE_DIR = join(tmpdir(), 'srs-ts-bench');
const ALL_SERVERS: readonly ServerKind[] = ['ours', 'nms', 'null'];
const SCENARIOS: readonly string[] = ['fanout', 'http-flv', 'hls', 'api', 'interceptor', 'sessions', 'cold'];
/** Cells outside the default run's time budget: only `--only` runs them. */
const EXTRA_SCENARIOS: readonly string[] = ['lal', 'cascade'];
/** A 1-minute load average above this before the run means the machine is not quiet. */
const BUSY_LOAD_AVERAGE = 0.5;

const processStartedAt = Date.now();

function log(line: string): void {
  const elapsedSec = ((Date.now() - processStartedAt) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`bench ${elapsedSec}s: ${line}\n`);
}

function listOption(value: string | undefined, allowed: readonly string[], name: string): string[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((item) => item.trim());
  for (const item of items) if (!allowed.includes(item)) throw new Error(`--${name} ${value}: expected a subset of ${allowed.join(',')}`);
  return items;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      servers: { type: 'string' },
      only: { type: 'string' },
      players: { type: 'string' },
      json: { type: 'string' },
      profile: { type: 'string' },
      'node-flags': { type: 'string' },
      'no-readme': { type: 'boolean', default: false },
      render: { type: 'string' },
    },
    strict: true,
  });
  if (values.render !== undefined) {
    const saved = JSON.parse(readFileSync(values.render, 'utf8')) as BenchResults;
    report(saved, values['no-readme'] !== true);
    return;
  }
  const basePlan = values.quick === true ? QUICK_PLAN : FULL_PLAN;
  const players = values.players === undefined ? basePlan.fanout.players : values.players.split(',').map(Number);
  if (!players.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`--players ${values.players}: expected positive integers`);
  const plan = { ...basePlan, fanout: { ...basePlan.fanout, players } };
  const servers = listOption(values.servers, ALL_SERVERS, 'servers') as ServerKind[];
  const only = values.only === undefined ? [...SCENARIOS] : listOption(values.only, [...SCENARIOS, ...EXTRA_SCENARIOS], 'only');
  const startedAt = Date.now();
  const loadAverageAtStart = loadavg()[0] ?? 0;
  if (loadAverageAtStart > BUSY_LOAD_AVERAGE) log(`warning: load average ${loadAverageAtStart.toFixed(2)} before the run; other work will skew the numbers`);

  const workDir = join(CACHE_DIR, 'last-run');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  log(`preparing the test stream in ${CACHE_DIR}`);
  const streamFile = await prepareStreamFile(CACHE_DIR);
  const kbps = (loadStreamFixture(streamFile).payloadBytesPerSecond * 8) / 1000;
  const ourNodeFlags = [
    ...(values.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(values.profile)}`]),
    ...(values['node-flags'] === undefined ? [] : values['node-flags'].split(' ').filter((flag) => flag !== '')),
  ];
  const hookServer = await startHookServer();
  const ctx = { plan, workDir, streamFile, hookServer, servers, ourNodeFlags, log };
  log(`${plan.quick ? 'quick' : 'full'} run; server logs and configs in ${workDir}`);

  const isComplete = servers.length === ALL_SERVERS.length && SCENARIOS.every((scenario) => only.includes(scenario)) && values.players === undefined && ourNodeFlags.length === 0;
  const segmenting: SegmentingRow[] = [];
  const cold: ColdRow[] = [];
  const results: BenchResults = {
    date: new Date(startedAt).toISOString(),
    quick: plan.quick,
    isComplete,
    machine: { cpus: cpus().length, model: readCpuModel(), node: process.version, loadAverageAtStart },
    stream: { file: streamFile, kbps },
    fanout: [],
    segmenting,
    sessions: [],
    cold,
    durationSec: 0,
  };
  const extra: { lal?: LalResults; cascade?: CascadeRow[] } = {};
  try {
    if (only.includes('fanout') || only.includes('http-flv')) {
      results.fanout.push(...(await runFanoutScenarios(ctx, { rtmp: only.includes('fanout'), httpFlv: only.includes('http-flv') })));
    }
    if (only.includes('hls')) {
      const hls = await runHlsScenarios(ctx);
      results.fanout.push(...hls.fanout);
      segmenting.push(...hls.segmenting);
    }
    if (only.includes('api')) results.fanout.push(...(await runApiProbeScenarios(ctx)));
    if (only.includes('interceptor')) results.fanout.push(...(await runInterceptorScenarios(ctx)));
    if (only.includes('sessions')) results.sessions.push(...(await runSessionsScenarios(ctx)));
    if (only.includes('cold')) cold.push(...(await runColdScenarios(ctx)));
    if (only.includes('lal')) extra.lal = await runLalScenarios(ctx);
    if (only.includes('cascade')) extra.cascade = await runCascadeScenarios(ctx);
  } finally {
    await hookServer.close();
  }
  const finished: BenchResults = { ...results, ...extra, durationSec: (Date.now() - startedAt) / 1000 };

  const jsonFile = resolve(values.json ?? join(REPO_ROOT, '.bench', plan.quick ? 'results-quick.json' : 'results.json'));
  mkdirSync(dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, `${JSON.stringify(finished, null, 2)}\n`);
  log(`results: ${jsonFile} (${Math.round(finished.durationSec)} s)`);
  report(finished, values['no-readme'] !== true);
}

/** Prints the table and notes; a complete full run also becomes README.md's latest results. */
function report(results: BenchResults, mayUpdateReadme: boolean): void {
  process.stdout.write(`\n${renderTable(tableRows(results))}\n\n`);
  for (const line of notes(results)) process.stdout.write(`note: ${line}\n`);
  if (mayUpdateReadme && !results.quick && results.isComplete) {
    updateReadme(join(REPO_ROOT, 'test', 'bench', 'README.md'), results);
    log('test/bench/README.md updated');
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    killAllChildren();
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
