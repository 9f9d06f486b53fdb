/**
 * CPU time and resident memory of another process, read from Linux /proc.
 * The bench samples the server's counters at the edges of a hold window, so
 * what it reports is the server's own work, not the load generator's.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Fallback when `getconf CLK_TCK` is missing: the value on every mainstream Linux. */
const DEFAULT_CLOCK_TICKS_PER_SECOND = 100;

let cachedTicksPerSecond: number | undefined;

/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat (proc(5)). */
export function clockTicksPerSecond(): number {
  if (cachedTicksPerSecond !== undefined) return cachedTicksPerSecond;
  let ticks = DEFAULT_CLOCK_TICKS_PER_SECOND;
  try {
    const parsed = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (Number.isInteger(parsed) && parsed > 0) ticks = parsed;
  } catch {
    // getconf is part of libc-bin; without it USER_HZ is still 100 on Linux.
  }
  cachedTicksPerSecond = ticks;
  return ticks;
}

/** CPU time of a process, all threads, in milliseconds. */
export interface CpuTimes {
  readonly userMs: number;
  readonly sysMs: number;
}

/** User and system CPU time of `pid` (proc(5) fields 14 utime and 15 stime). */
export function readCpuTimes(pid: number): CpuTimes {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) is in parentheses and may hold spaces: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) sit at 11 and 12.
  const userTicks = Number(fields[11]);
  const sysTicks = Number(fields[12]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(sysTicks)) throw new Error(`cannot parse /proc/${pid}/stat`);
  const msPerTick = 1000 / clockTicksPerSecond();
  return { userMs: userTicks * msPerTick, sysMs: sysTicks * msPerTick };
}

/** Resident set size of `pid` in KiB (VmRSS in /proc/<pid>/status). */
export function readRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

/** The first `model name` of /proc/cpuinfo, for the README's machine line. */
export function readCpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Whole-machine CPU counters (the first `cpu` line of /proc/stat), in clock ticks. */
export interface MachineCpu {
  readonly busyTicks: number;
  readonly totalTicks: number;
}

/** Every core's busy and total ticks since boot: the difference of two readings says how busy the machine was. */
export function readMachineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (proc(5)); guest time is already in user.
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (ticks.length < 8 || !ticks.every(Number.isFinite)) throw new Error('cannot parse /proc/stat');
  const totalTicks = ticks.reduce((sum, t) => sum + t, 0);
  const idleTicks = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busyTicks: totalTicks - idleTicks, totalTicks };
}

/** Share of all cores busy between two readings, 0..1 (NaN when no tick passed). */
export function machineBusyShare(from: MachineCpu, to: MachineCpu): number {
  const total = to.totalTicks - from.totalTicks;
  return total <= 0 ? Number.NaN : (to.busyTicks - from.busyTicks) / total;
}
