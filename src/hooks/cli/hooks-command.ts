import { isAbsolute, resolve } from 'node:path';
import { Command } from 'commander';
import type { Config } from '../../config/schema.js';
import { loadConfig } from '../../config/load.js';
import { parseDurationMs } from '../../util/duration.js';
import { errorMessage } from '../../util/error-message.js';
import { createLogger } from '../../log.js';
import { createHookHttpClient } from '../http-client.js';
import { EventIds } from '../event-ids.js';
import { NotificationDelivery } from '../delivery.js';
import { SinkMeter } from '../sink-meter.js';
import type { Envelope } from '../notification.js';
import { lockHolder, pendingOf, readSpoolDir } from '../spool/spool-files.js';
import { Spool } from '../spool/spool.js';
import { probesOf, runProbes } from './hooks-test.js';

/**
 * `srs hooks test|spool|replay -c FILE`: hook tools that need no running
 * server (README "Hooks CLI"). Exit codes: 0 all good, 1 config error,
 * 2 usage (no hooks or no spool configured, a bad flag), 4 some hook
 * denied or failed.
 */

export const HOOKS_EXIT = { ok: 0, config: 1, usage: 2, failed: 4 } as const;

/** Where the commands write. */
export interface HooksIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Runs `srs hooks ...` (`argv` after `hooks`); resolves with the exit code. */
export async function runHooksCommand(argv: readonly string[], io: HooksIo): Promise<number> {
  let code: number = HOOKS_EXIT.ok;
  const program = new Command('srs hooks')
    .description('test hook URLs, list and replay the notification spool (no server needed)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: (text) => io.stderr(text.replace(/^error: /, 'srs hooks: ')) });
  program
    .command('test')
    .description('send a synthetic event to every configured hook URL and say what a client would see')
    .requiredOption('-c, --config <file>', 'config file')
    .option('--vhost <vhost>', 'only this vhost\'s http_hooks')
    .option('--timeout <duration>', 'per-call timeout (default: the configured one)')
    .action(async (opts: { config: string; vhost?: string; timeout?: string }) => {
      code = await withConfig(opts.config, io, (config) => hooksTest(config, opts, io));
    });
  program
    .command('spool')
    .description('list the notifications pending in the spool')
    .requiredOption('-c, --config <file>', 'config file')
    .option('--json', 'one JSON object per pending notification')
    .action(async (opts: { config: string; json?: boolean }) => {
      code = await withConfig(opts.config, io, async (config) => spoolList(config, opts.json === true, io));
    });
  program
    .command('replay')
    .description('send the spooled notifications again (same event id and seq, so receivers dedupe)')
    .requiredOption('-c, --config <file>', 'config file')
    .option('--since <when>', 'only those emitted since: a duration back from now (10m, 2h) or a date (2026-01-01T00:00:00Z)')
    .option('--all', 'also those already delivered that are still on disk')
    .action(async (opts: { config: string; since?: string; all?: boolean }) => {
      code = await withConfig(opts.config, io, (config) => spoolReplay(config, opts, io));
    });
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (error) {
    const id = (error as { code?: string }).code;
    if (id === 'commander.helpDisplayed' || id === 'commander.help' || id === 'commander.version') return HOOKS_EXIT.ok;
    if (id?.startsWith('commander.') === true) return HOOKS_EXIT.usage;
    io.stderr(`srs hooks: ${errorMessage(error)}\n`);
    return HOOKS_EXIT.usage;
  }
  return code;
}

async function withConfig(file: string, io: HooksIo, run: (config: Config) => Promise<number>): Promise<number> {
  let config: Config;
  try {
    config = loadConfig({ file, env: process.env }).config;
  } catch (error) {
    io.stderr(`srs hooks: ${errorMessage(error)}\n`);
    return HOOKS_EXIT.config;
  }
  return run(config);
}

async function hooksTest(config: Config, opts: { vhost?: string; timeout?: string }, io: HooksIo): Promise<number> {
  const timeoutMs = opts.timeout === undefined ? undefined : parseDurationMs(opts.timeout);
  if (timeoutMs === undefined && opts.timeout !== undefined) {
    io.stderr(`srs hooks test: --timeout ${opts.timeout}: expected a duration such as 5s\n`);
    return HOOKS_EXIT.usage;
  }
  const probes = probesOf(config, opts.vhost, config.serverId ?? 'vid-hookstst');
  if (probes.length === 0) {
    io.stderr(`srs hooks test: no hook URL configured in ${config.file ?? 'the config'}${opts.vhost === undefined ? '' : ` for vhost ${opts.vhost}`}\n`);
    return HOOKS_EXIT.usage;
  }
  const client = createHookHttpClient();
  try {
    const rows = await runProbes(config, probes, client, new EventIds(Date.now()), timeoutMs);
    for (const row of rows) io.stdout(`${row.scope}\t${row.event}\t${row.url}\t${row.verdict}\tstatus ${row.status ?? '-'}\t${row.ms} ms\t${row.effect}\n`);
    const bad = rows.filter((row) => !row.ok).length;
    io.stdout(`${rows.length} hook(s) tested, ${bad} denied or failed\n`);
    return bad === 0 ? HOOKS_EXIT.ok : HOOKS_EXIT.failed;
  } finally {
    await client.close();
  }
}

function spoolDirOf(config: Config, io: HooksIo): string | undefined {
  const spool = config.hooks.spool;
  if (spool === undefined) {
    io.stderr(`srs hooks: ${config.file ?? 'the config'} has no hooks { spool DIR; }\n`);
    return undefined;
  }
  return isAbsolute(spool.dir) ? spool.dir : resolve(spool.dir);
}

async function spoolList(config: Config, json: boolean, io: HooksIo): Promise<number> {
  const dir = spoolDirOf(config, io);
  if (dir === undefined) return HOOKS_EXIT.usage;
  const contents = readSpoolDir(dir);
  const pending = pendingOf(contents);
  const now = Date.now();
  for (const e of pending) {
    if (json) io.stdout(`${JSON.stringify({ seq: e.seq, id: e.id, created: new Date(e.createdMs).toISOString(), age_ms: now - e.createdMs, ...e.n })}\n`);
    else io.stdout(`${e.seq}\t${e.id}\t${new Date(e.createdMs).toISOString()}\t${e.n.sink}\t${e.n.event}\t${e.n.method} ${e.n.url}\t${e.n.chain}\n`);
  }
  const holder = lockHolder(dir);
  if (!json) io.stdout(`${pending.length} pending, ${contents.bytes} bytes in ${contents.segments.length} segment(s) of ${dir}${holder === undefined ? '' : `, in use by server pid ${holder}`}\n`);
  return HOOKS_EXIT.ok;
}

async function spoolReplay(config: Config, opts: { since?: string; all?: boolean }, io: HooksIo): Promise<number> {
  const dir = spoolDirOf(config, io);
  if (dir === undefined) return HOOKS_EXIT.usage;
  let sinceMs = 0;
  if (opts.since !== undefined) {
    const back = parseDurationMs(opts.since);
    const date = Date.parse(opts.since);
    if (back !== undefined) sinceMs = Date.now() - back;
    else if (!Number.isNaN(date)) sinceMs = date;
    else {
      io.stderr(`srs hooks replay: --since ${opts.since}: expected a duration (10m) or a date\n`);
      return HOOKS_EXIT.usage;
    }
  }
  const holder = lockHolder(dir);
  const logger = createLogger({ level: 'error', tank: 'console', toStderr: true });
  // No server: take the spool (its lock) so what is delivered is marked done. A running server keeps it, and sends them too.
  const opened = holder === undefined && opts.all !== true ? Spool.open({ dir, maxSizeBytes: config.hooks.spool?.maxSizeBytes ?? Number.MAX_SAFE_INTEGER, logger }) : undefined;
  const contents = opened === undefined ? readSpoolDir(dir) : undefined;
  const chosen: Envelope[] = (opened?.pending ?? (opts.all === true ? [...contents!.envelopes.values()].sort((a, b) => a.seq - b.seq) : pendingOf(contents!))).filter((e) => e.createdMs >= sinceMs);
  if (holder !== undefined) io.stdout(`server pid ${holder} holds ${dir}: it sends these too, receivers dedupe by X-Srs-Event-Id\n`);
  const client = createHookHttpClient();
  const delivery = new NotificationDelivery({ getConfig: () => config, logger, client, meterOf: (sink) => new SinkMeter(sink, undefined), retryDelaysMs: [], maxResponseBytes: 64 * 1024, ids: new EventIds(Date.now()) });
  let failed = 0;
  try {
    for (const envelope of chosen) {
      const { verdict, result } = await delivery.attempt(envelope, 1, new AbortController().signal);
      if (verdict.ok) opened?.spool.markDone(envelope.seq, 'delivered');
      else failed++;
      io.stdout(`${envelope.seq}\t${envelope.id}\t${envelope.n.event}\t${envelope.n.url}\t${verdict.ok ? 'delivered' : 'failed'}\t${result.kind === 'response' ? `status ${result.status}` : result.message}\n`);
    }
  } finally {
    await opened?.spool.close();
    await client.close();
  }
  io.stdout(`${chosen.length} replayed, ${chosen.length - failed} delivered, ${failed} failed\n`);
  return failed === 0 ? HOOKS_EXIT.ok : HOOKS_EXIT.failed;
}
