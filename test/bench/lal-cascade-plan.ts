/**
 * Sizes of the lal (issue 14) and cascade (issue 16) cells, full and
 * `--quick`, apart from plan.ts so those cells can change without touching
 * the others'. Windows and join counts are the fan-out plan's.
 */

/** Everything that sizes the lal and cascade cells. */
export interface LalCascadePlan {
  /** The in-process on_update tick. */
  readonly lalTick: {
    readonly sessions: number;
    readonly streams: number;
    readonly warmupTicks: number;
    readonly ticks: number;
  };
  /** RTMP fan-out with http_notify off and on, interleaved. */
  readonly lalNotify: {
    readonly players: number;
    /** off/on pairs; the order alternates each round (off, on, then on, off). */
    readonly rounds: number;
    /** on_update every second (lal's update_interval_sec 1). */
    readonly updateIntervalSec: number;
  };
  /** 1 publisher -> origin -> edges -> viewers, against the same viewers on the origin. */
  readonly cascade: {
    readonly edges: number;
    readonly viewersPerEdge: number;
  };
}

export const FULL_LAL_CASCADE_PLAN: LalCascadePlan = {
  // "one lal on_update tick with 1,000 live sessions".
  lalTick: { sessions: 1_000, streams: 10, warmupTicks: 50, ticks: 300 },
  // The headline fan-out size.
  lalNotify: { players: 500, rounds: 3, updateIntervalSec: 1 },
  // "origin -> 2 edges -> 250 RTMP viewers each, against 500 viewers straight on the origin".
  cascade: { edges: 2, viewersPerEdge: 250 },
};

export const QUICK_LAL_CASCADE_PLAN: LalCascadePlan = {
  lalTick: { ...FULL_LAL_CASCADE_PLAN.lalTick, warmupTicks: 20, ticks: 100 },
  lalNotify: { players: 50, rounds: 1, updateIntervalSec: 1 },
  cascade: { edges: 2, viewersPerEdge: 25 },
};

/** The plan of a run. */
export function lalCascadePlan(quick: boolean): LalCascadePlan {
  return quick ? QUICK_LAL_CASCADE_PLAN : FULL_LAL_CASCADE_PLAN;
}

/** lal's event names, every one POSTed in the notify-on cells. */
export const LAL_EVENTS = [
  'on_server_start', 'on_update', 'on_pub_start', 'on_pub_stop', 'on_sub_start', 'on_sub_stop',
  'on_relay_pull_start', 'on_relay_pull_stop', 'on_rtmp_connect', 'on_hls_make_ts',
] as const;

/**
 * The top-level config of a notify cell: `http_notify` on with every lal
 * event POSTed to `baseUrl/<event>` and on_update every `updateIntervalSec`
 * (undefined: the off cell, no http_notify block). Both cells get the same
 * `hooks { queue }`, room for a start and a stop of every player.
 */
export function httpNotifyConfigText(baseUrl: string | undefined, updateIntervalSec: number, queue: number): string {
  const hooks = `hooks {\n    queue ${queue};\n}`;
  if (baseUrl === undefined) return hooks;
  const events = LAL_EVENTS.map((event) => `    ${event} ${baseUrl}/${event};`);
  return [hooks, 'http_notify {', '    enabled on;', `    update_interval ${updateIntervalSec};`, ...events, '}'].join('\n');
}

/** An edge's vhost directives: pull every stream from the origin (`cluster { mode remote; }`). */
export function edgeClusterConfigText(originPort: number): string {
  return `    cluster {\n        mode remote;\n        origin 127.0.0.1:${originPort};\n    }`;
}
