/**
 * Our server as the CLI runs it, plus one no-op media interceptor (issue 15:
 * "with one no-op media interceptor the cost is measured"): the interceptor
 * cells compare this process with the plain CLI on the same fan-out. Usage:
 *   node <server node flags> dist/test/bench/interceptor-launcher.js -c FILE
 * Logs at warn on stderr; SIGTERM/SIGINT stop it gracefully as the CLI does.
 */
import { parseArgs } from 'node:util';
import { startServer } from '../../src/index.js';
import { createLogger } from '../../src/log.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { c: { type: 'string' } }, strict: true });
  if (values.c === undefined) {
    process.stderr.write('usage: interceptor-launcher -c FILE\n');
    process.exit(2);
  }
  const server = await startServer({ configFile: values.c, env: process.env, logger: createLogger({ level: 'warn', tank: 'console', toStderr: true }) });
  // Called for every audio, video and data message of every publish; does nothing.
  server.handlers.addMediaInterceptor({ onMedia: () => undefined });
  const stop = (): void => void server.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main().catch((error: unknown) => {
  process.stderr.write(`interceptor launcher failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
