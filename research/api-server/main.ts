/**
 * Entry point: `node dist/research/api-server/main.js [--port N] [--secret S]`
 * or `... main.js mint --secret S --url rtmp://host/app/stream`. See README.md.
 */
import { runApiServerCli } from './cli.js';

const result = await runApiServerCli(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  nowSec: () => Math.floor(Date.now() / 1000),
});

if ('exitCode' in result) {
  process.exitCode = result.exitCode;
} else {
  const stop = (): void => {
    result.server.close(() => process.exit(0));
    result.server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
