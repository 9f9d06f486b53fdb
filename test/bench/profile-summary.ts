/**
 * Prints the hottest functions of a V8 .cpuprofile (from `run.js --profile`
 * or `node --cpu-prof`) by self time, so a missed target can be traced to a
 * file:function. Usage:
 *   node dist/test/bench/profile-summary.js FILE.cpuprofile [--top 30] [--all] [--from-ms A] [--to-ms B]
 * Idle time is left out of the percentages unless --all is given. --from-ms and
 * --to-ms keep the samples between A and B ms after the profile started (e.g.
 * the fan-out hold window, which starts after warm-up, audience and settle).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One function's share of the profile. */
export interface HotSpot {
  readonly where: string;
  readonly selfMs: number;
  readonly selfPercent: number;
}

const DEFAULT_TOP = 30;
const IDLE = '(idle)';

function describe(node: ProfileNode, root: string): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return name;
  const path = url.startsWith('file://') ? relative(root, fileURLToPath(url)) : url;
  return `${path}:${lineNumber + 1} ${name}`;
}

/** Which samples count: idle or not, and a time range in ms from the profile's start. */
export interface SampleFilter {
  readonly includeIdle: boolean;
  readonly fromMs: number;
  readonly toMs: number;
}

/** Self time per function (summed over its nodes), largest first. */
export function hotSpots(profile: CpuProfile, root: string, filter: SampleFilter): HotSpot[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  let atUs = 0;
  profile.samples.forEach((id, i) => {
    atUs += profile.timeDeltas[i] ?? 0;
    if (atUs < filter.fromMs * 1000 || atUs > filter.toMs * 1000) return;
    const node = byId.get(id);
    if (node === undefined) return;
    const where = describe(node, root);
    if (!filter.includeIdle && where === IDLE) return;
    // timeDeltas[i] is the time since the previous sample: charge it to this sample's frame.
    const us = profile.timeDeltas[i] ?? 0;
    selfUs.set(where, (selfUs.get(where) ?? 0) + us);
    totalUs += us;
  });
  return [...selfUs.entries()]
    .map(([where, us]) => ({ where, selfMs: us / 1000, selfPercent: totalUs === 0 ? 0 : (us / totalUs) * 100 }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string' }, all: { type: 'boolean', default: false }, 'from-ms': { type: 'string' }, 'to-ms': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const file = positionals[0];
  if (file === undefined) {
    process.stderr.write('usage: profile-summary FILE.cpuprofile [--top 30] [--all] [--from-ms A] [--to-ms B]\n');
    process.exit(2);
  }
  const top = values.top === undefined ? DEFAULT_TOP : Number(values.top);
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const filter: SampleFilter = {
    includeIdle: values.all === true,
    fromMs: values['from-ms'] === undefined ? 0 : Number(values['from-ms']),
    toMs: values['to-ms'] === undefined ? Number.POSITIVE_INFINITY : Number(values['to-ms']),
  };
  const spots = hotSpots(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, root, filter);
  const totalMs = spots.reduce((sum, spot) => sum + spot.selfMs, 0);
  process.stdout.write(`${file}: ${totalMs.toFixed(0)} ms ${values.all === true ? 'sampled' : 'busy'}\n`);
  for (const spot of spots.slice(0, top)) {
    process.stdout.write(`${spot.selfPercent.toFixed(1).padStart(5)}%  ${spot.selfMs.toFixed(0).padStart(7)} ms  ${spot.where}\n`);
  }
}

main();
