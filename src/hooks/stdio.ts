import type { Logger } from '../log.js';
import type { Config } from '../config/schema.js';
import type { NotifySink, SessionEvent } from './events.js';
import { toGuideEvent } from './guide-event.js';
import { formatEnvRecord, guideEventEnv } from './env-format.js';
import { logHookExecution } from './hook-execution.js';
import type { SinkMeter } from './sink-meter.js';

/**
 * Structured stdio of the guide (`--hook-stdio-format json|env`): `json`
 * writes exactly one JSON object per line; `env` writes one record per event
 * (format and reader in env-format.ts). A slow reader never blocks the
 * server: past `maxBufferedBytes` of unwritten output, events are dropped,
 * counted and logged (once per burst).
 */

/** Default bound of output waiting for a slow stdout reader. */
export const DEFAULT_STDIO_MAX_BUFFERED_BYTES = 1024 * 1024;

/** What the sink needs; the hook system builds it. */
export interface StdioSinkOptions {
  readonly getConfig: () => Config;
  readonly logger: Logger;
  readonly out: NodeJS.WritableStream;
  readonly meter: SinkMeter;
  readonly maxBufferedBytes: number;
}

/** Writes each guide event to `out` in the configured format (read live from the config). */
export class StdioSink implements NotifySink {
  readonly name = 'stdio';
  private broken = false;
  private dropping = false;
  private readonly onError = (error: Error): void => {
    if (!this.broken) this.options.logger.error({ sink: this.name, err: error.message }, 'stdio hook output failed, events dropped from now on');
    this.broken = true;
  };

  constructor(private readonly options: StdioSinkOptions) {
    // EPIPE (`srs ... | head`) must not crash the server.
    options.out.on('error', this.onError);
  }

  notify(event: SessionEvent): void {
    const format = this.options.getConfig().hooks.stdioFormat;
    if (format === undefined) return;
    const guide = toGuideEvent(event);
    if (guide === undefined) return;
    const text = format === 'json' ? `${JSON.stringify(guide)}\n` : formatEnvRecord(guideEventEnv(guide));
    const { meter, logger, out, maxBufferedBytes } = this.options;
    if (this.broken || this.buffered() + Buffer.byteLength(text) > maxBufferedBytes) {
      meter.outcome(guide.type, 'dropped');
      if (!this.dropping) logger.error({ sink: this.name, event: guide.type, dropped: meter.counts.dropped, max_buffered_bytes: maxBufferedBytes }, 'stdio hook output full, event dropped');
      this.dropping = true;
      return;
    }
    const startedMs = performance.now();
    out.write(text);
    this.dropping = false;
    meter.outcome(guide.type, 'delivered');
    logHookExecution(logger, { event: guide.type, sink: this.name, target: format, durationMs: performance.now() - startedMs, outcome: 'ok', extra: () => ({ conn_id: guide.conn_id }) }, 'debug');
  }

  /** Waits until what was written is flushed, bounded by `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    if (this.broken || this.buffered() === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.options.out.removeListener('drain', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.options.out.once('drain', done);
    });
  }

  /** Stops listening to the stream (the stream itself belongs to the caller). */
  close(): void {
    this.options.out.removeListener('error', this.onError);
  }

  private buffered(): number {
    const length = (this.options.out as { writableLength?: unknown }).writableLength;
    return typeof length === 'number' ? length : 0;
  }
}
