#!/usr/bin/env -S node --max-semi-space-size=2 --no-memory-reducer
import { errorMessage } from './util/error-message.js';
import { existsSync, readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { App } from './app.js';
import { createLogger, pinoLevel, type Logger } from './log.js';
import { ConfigError, SrsError, UsageError } from './errors.js';
import type { Config, HookTarget, ListenAddress } from './config/schema.js';
import { loadConfig, loadLalConfig, type LoadResult } from './config/load.js';
import { parseHookFlag, validateHookTargets } from './hooks/hook-system.js';
import { parseDurationMs } from './util/duration.js';
import { runHooksCommand } from './hooks/cli/hooks-command.js';

/** Exit codes, documented in the README. */
const EXIT = { ok: 0, config: 1, usage: 2, runtime: 3 } as const;

interface CliFlags {
  config?: string;
  test?: boolean;
  env?: boolean;
  listen?: string[];
  logLevel?: string;
  hookScript?: string[];
  hookWebhook?: string[];
  hookStdioFormat?: 'json' | 'env';
  hookTimeout?: string;
  hookConcurrency?: string;
  lalConfig?: string;
}

const DEFAULT_CONFIG_FILE = 'conf/srs.conf';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function buildProgram(): Command {
  return new Command('srs')
    .description('SRS-compatible RTMP server with http_hooks, token auth and script/webhook/stdio hooks')
    .version(version(), '-v, --version')
    .option('-c, --config <file>', 'config file (default: ./conf/srs.conf when present, else the embedded default)')
    .option('-t, --test', 'test the config file and exit')
    .option('-e, --env', 'run from SRS_* environment variables only (SRS_ENV_ONLY=1)')
    .option('--listen <addr>', 'RTMP listen address: 1935, :1935, 127.0.0.1:1935, [::1]:1935 (repeatable; replaces the file\'s)', collect)
    .option('--log-level <level>', 'verbose|debug|info|trace|warn|error (replaces srs_log_level)')
    .option('--hook-script <EVENT=/abs/script>', 'run a script on an event (repeatable)', collect)
    .option('--hook-webhook <EVENT=URL>', 'POST the event JSON to a URL (repeatable)', collect)
    .addOption(new Option('--hook-stdio-format <format>', 'print events on stdout').choices(['json', 'env']))
    .option('--hook-timeout <duration>', 'timeout of scripts, webhooks and http_hooks, e.g. 45s (default 30s)')
    .option('--hook-concurrency <n>', 'hooks running at once (default 10)')
    .option('--lal-config <file>', 'read server_id, http_notify and static_relay_pull from an existing lalserver JSON config (lalserver.conf.json); they replace the config\'s')
    .addHelpText('after', '\nHook tools (no server needed): srs hooks test|spool|replay -c FILE (srs hooks --help)')
    .exitOverride()
    // One prefix for every error line: commander's own say `error: ...`, ours `srs: ...`.
    .configureOutput({ writeErr: (text) => process.stderr.write(text.replace(/^error: /, 'srs: ')) });
}

/** `--listen` values: `1935`, `:1935`, `127.0.0.1:1935`, `[::1]:1935`. */
function parseListenFlag(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]:|([^:[\]]*):)?(\d{1,5})$/.exec(text.trim());
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || !(port >= 0 && port <= 65535)) throw new UsageError(`--listen ${text}: expected [ip:]port with port 0..65535`);
  const host = match[1] ?? (match[2] === '' ? undefined : match[2]);
  return { host, port };
}

/** Applies the command line on top of a loaded config (flags add hooks, replace listen/log level). */
function applyFlags(config: Config, flags: CliFlags): Config {
  let hooks = config.hooks;
  const scripts: HookTarget[] = (flags.hookScript ?? []).map((spec) => parseHookFlag('script', spec));
  const webhooks: HookTarget[] = (flags.hookWebhook ?? []).map((spec) => parseHookFlag('webhook', spec));
  let timeoutMs = hooks.timeoutMs;
  if (flags.hookTimeout !== undefined) {
    const parsed = parseDurationMs(flags.hookTimeout);
    if (parsed === undefined || parsed <= 0) throw new UsageError(`--hook-timeout ${flags.hookTimeout}: expected a duration such as 30s or 500ms`);
    timeoutMs = parsed;
  }
  let concurrency = hooks.concurrency;
  if (flags.hookConcurrency !== undefined) {
    concurrency = Number(flags.hookConcurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
      throw new UsageError(`--hook-concurrency ${flags.hookConcurrency}: expected an integer 1..1000`);
    }
  }
  hooks = {
    ...hooks,
    scripts: [...hooks.scripts, ...scripts],
    webhooks: [...hooks.webhooks, ...webhooks],
    stdioFormat: flags.hookStdioFormat ?? hooks.stdioFormat,
    timeoutMs,
    concurrency,
  };
  let logLevel = config.logLevel;
  if (flags.logLevel !== undefined) {
    if (pinoLevel(flags.logLevel) === undefined) throw new UsageError(`--log-level ${flags.logLevel}: expected verbose|debug|info|trace|warn|error`);
    logLevel = flags.logLevel as Config['logLevel'];
  }
  const listen = flags.listen === undefined ? config.listen : flags.listen.map(parseListenFlag);
  // A lal user's own file: its server_id and http_notify win over the config's (the flag is the explicit choice).
  const lal = flags.lalConfig === undefined ? undefined : loadLalConfig(flags.lalConfig);
  return {
    ...config,
    listen,
    logLevel,
    hooks,
    serverId: lal?.serverId ?? config.serverId,
    httpNotify: lal?.httpNotify ?? config.httpNotify,
    staticRelayPull: lal?.staticRelayPull ?? config.staticRelayPull,
  };
}

function load(flags: CliFlags): LoadResult & { file: string | undefined } {
  const envOnly = flags.env === true || process.env.SRS_ENV_ONLY === '1' || process.env.SRS_ENV_ONLY === 'on';
  let file = flags.config;
  if (file === undefined && !envOnly && process.env.SRS_CONFIG_FILE === undefined && existsSync(DEFAULT_CONFIG_FILE)) file = DEFAULT_CONFIG_FILE;
  const result = loadConfig({ file, envOnly, env: process.env });
  return { ...result, file: result.config.file ?? file };
}

function logWarnings(logger: Logger, result: LoadResult): void {
  for (const warning of result.warnings) logger.warn({ file: warning.file, line: warning.line, directive: warning.directive }, warning.message);
}

/** `srs -t -c FILE`: SRS's wording and exit codes. */
function testConfig(flags: CliFlags): number {
  const name = flags.config ?? process.env.SRS_CONFIG_FILE ?? DEFAULT_CONFIG_FILE;
  try {
    const result = load(flags);
    // What would stop the server from starting is a failed test too (hook scripts that do not exist).
    validateHookTargets(applyFlags(result.config, flags).hooks);
    for (const warning of result.warnings) {
      process.stderr.write(`warn: ${warning.file}:${warning.line}: ${warning.directive}: ${warning.message}\n`);
    }
    process.stdout.write(`the config file ${result.file ?? name} syntax is ok\n`);
    process.stdout.write(`config file ${result.file ?? name} test is successful\n`);
    return EXIT.ok;
  } catch (error) {
    process.stderr.write(`invalid config: ${errorMessage(error)}\n`);
    process.stderr.write(`config file ${name} test is failed\n`);
    return error instanceof UsageError ? EXIT.usage : EXIT.config;
  }
}

async function run(flags: CliFlags): Promise<number> {
  const result = load(flags);
  const config = applyFlags(result.config, flags);
  const logger = createLogger({
    level: config.logLevel,
    tank: config.logTank,
    file: config.logFile,
    pretty: config.hooks.stdioFormat === undefined ? process.stdout.isTTY === true : process.stderr.isTTY === true,
    toStderr: config.hooks.stdioFormat !== undefined,
  });
  // The file tank holds lines in memory for up to 100 ms (log-file.ts): write them on every way out.
  // 'exit' runs on process.exit and after an uncaught error; the monitor logs that error first without
  // changing Node's own handling of it (stack on stderr, exit code 1).
  process.once('exit', () => logger.flush());
  process.on('uncaughtExceptionMonitor', (error, origin) => logger.fatal({ err: errorMessage(error), origin }, 'uncaught error'));
  // SRS's default tank is a file: say once where the lines go, or a new user sees a silent terminal.
  if (config.logTank === 'file') process.stderr.write(`srs: logging to ${config.logFile} (srs_log_tank file; srs_log_tank console logs to the terminal)\n`);
  logger.info({ source: result.source, file: result.file }, result.source === 'embedded' ? 'using the embedded default config' : 'config loaded');
  logWarnings(logger, result);
  const app = new App({
    config,
    logger,
    writePidFile: true,
    reloadConfig: () => {
      const next = load(flags);
      logWarnings(logger, next);
      return applyFlags(next.config, flags);
    },
  });
  try {
    await app.start();
  } catch (error) {
    logger.fatal({ err: errorMessage(error) }, 'cannot start');
    await app.stop(0);
    await new Promise<void>((flushed) => logger.flush(() => flushed()));
    process.stderr.write(`srs: cannot start: ${errorMessage(error)}\n`);
    return EXIT.runtime;
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      void app
        .stop()
        .then(() => new Promise<void>((flushed) => logger.flush(() => flushed())))
        .then(() => resolve(EXIT.ok));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      logger.info('SIGHUP: reloading config');
      app.reload();
    });
  });
}


/** Parses argv and runs; resolves with the process exit code. */
async function main(argv: readonly string[]): Promise<number> {
  // `srs hooks ...` is its own command line; every other invocation (`srs -c FILE`) is parsed exactly as before.
  if (argv[2] === 'hooks') return runHooksCommand(argv.slice(3), { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) });
  const program = buildProgram();
  try {
    program.parse(argv as string[], { from: 'node' });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  const flags = program.opts<CliFlags>();
  if (flags.test === true) return testConfig(flags);
  try {
    return await run(flags);
  } catch (error) {
    process.stderr.write(`srs: ${errorMessage(error)}\n`);
    if (error instanceof ConfigError) return EXIT.config;
    if (error instanceof UsageError) return EXIT.usage;
    if (!(error instanceof SrsError)) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return EXIT.runtime;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`srs: ${errorMessage(error)}\n`);
    process.exit(EXIT.runtime);
  },
);
