import type { Logger } from '../log.js';
import type { Config } from '../config/schema.js';
import type { NotifySink, SessionEvent } from './events.js';
import type { HookExecutor } from './executor.js';
import { toGuideEvent } from './guide-event.js';
import { guideEventEnv, stripNul } from './env-format.js';
import { logHookExecution } from './hook-execution.js';
import type { SinkMeter } from './sink-meter.js';
import { runScript } from './script-runner.js';

/**
 * Script hooks of the guide (`--hook-script "EVENT=/abs/script"`):
 * `$1` event type, `$2` stream key, `$3` event JSON, plus the RTMP_*
 * variables of env-format.ts and RTMP_EVENT_JSON, on top of the server's
 * environment. Runs go through the shared guide executor (at most
 * `hooks.concurrency` at once, per-session order kept). A failing script is
 * not retried: it may have had side effects.
 */

/** What the sink needs; the hook system builds it. */
export interface ScriptSinkOptions {
  readonly getConfig: () => Config;
  readonly logger: Logger;
  readonly executor: HookExecutor;
  readonly meter: SinkMeter;
  /** Captured per stream for the log line. */
  readonly maxOutputBytes: number;
  /** How long to wait for pipes held by background children once the script exited. */
  readonly pipeGraceMs: number;
  /** The environment scripts inherit (default: this process's). */
  readonly baseEnv?: NodeJS.ProcessEnv | undefined;
}

/** Runs every configured script whose event matches, in per-session order. */
export class ScriptSink implements NotifySink {
  readonly name = 'script';

  constructor(private readonly options: ScriptSinkOptions) {}

  notify(event: SessionEvent): void {
    const config = this.options.getConfig();
    // Most servers run without scripts: no guide event is built for them.
    if (config.hooks.scripts.length === 0) return;
    const guide = toGuideEvent(event);
    if (guide === undefined) return;
    const targets = config.hooks.scripts.filter((target) => target.event === guide.type);
    if (targets.length === 0) return;
    const json = JSON.stringify(guide);
    const env: NodeJS.ProcessEnv = { ...(this.options.baseEnv ?? process.env) };
    for (const [key, value] of guideEventEnv(guide)) env[key] = stripNul(value);
    env['RTMP_EVENT_JSON'] = stripNul(json);
    const args = [guide.type, stripNul(guide.stream_key), stripNul(json)];
    const timeoutMs = config.hooks.timeoutMs;
    const { executor, meter, logger } = this.options;
    for (const target of targets) {
      executor.submit(`${this.name}:${event.clientId}`, {
        run: async (_attempt, signal) => {
          const startedMs = performance.now();
          const result = await runScript({
            path: target.target,
            args,
            env,
            timeoutMs,
            maxOutputBytes: this.options.maxOutputBytes,
            pipeGraceMs: this.options.pipeGraceMs,
            signal,
          });
          meter.attempt(guide.type, performance.now() - startedMs);
          meter.outcome(guide.type, result.outcome === 'ok' ? 'delivered' : result.outcome === 'timeout' ? 'timeout' : 'failed');
          // Exit 0 is not proof of success: a `[[` under /bin/sh prints "not found" and goes on. What the
          // script wrote is logged (bounded), and anything on stderr makes the line a warning.
          const level = result.outcome === 'ok' && result.stderr === '' ? 'info' : 'warn';
          logHookExecution(logger, {
            event: guide.type,
            sink: this.name,
            target: target.target,
            durationMs: performance.now() - startedMs,
            outcome: result.outcome === 'ok' ? 'ok' : result.outcome === 'timeout' ? 'timeout' : 'failed',
            extra: () => ({
              conn_id: guide.conn_id,
              client_id: guide.client_id,
              pid: result.pid,
              exit_code: result.exitCode,
              ...(result.exitSignal === null ? {} : { exit_signal: result.exitSignal }),
              ...(result.outcome === 'timeout' ? { killed: 'process group', timeout_ms: timeoutMs } : {}),
              ...(result.outcome === 'aborted' ? { killed: 'process group', reason: 'shutdown' } : {}),
              ...(result.error === undefined ? {} : { error: result.error }),
              ...(result.stderr === '' ? {} : { stderr: result.stderr }),
              ...(result.stdout === '' ? {} : { stdout: result.stdout }),
            }),
          }, level);
        },
        dropped: (reason) => {
          meter.outcome(guide.type, 'dropped');
          logger.error({ event: guide.type, sink: this.name, target: target.target, conn_id: guide.conn_id, reason }, 'hook dropped');
        },
      });
    }
  }
}
