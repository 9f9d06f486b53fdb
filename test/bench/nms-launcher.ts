/**
 * Starts node-media-server v4 in this process, for the bench to measure in
 * its own process like ours. Usage:
 *   node dist/test/bench/nms-launcher.js --port 19350 --http-port 8000 --data DIR [--notify-url URL]
 * RTMP and HTTP-FLV (http://127.0.0.1:HTTP_PORT/APP/STREAM.flv), bound to
 * 127.0.0.1, no HTTPS/RTMPS listeners, no admin API or console, logs
 * silenced (NMS logs every session with console.log; our server runs at warn).
 * NMS serves rtmp://127.0.0.1:PORT/APP/STREAM where APP and STREAM match
 * /^[a-zA-Z0-9_-]+$/ (src/session/rtmp_session.js SAFE_NAME_PATTERN).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface NmsLogger {
  level: string;
}

type NmsConstructor = new (config: Record<string, unknown>, configPath: string) => { run(): Promise<void>; stop(): Promise<void> };

const require = createRequire(import.meta.url);

function main(): void {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'http-port': { type: 'string' },
      data: { type: 'string' },
      'notify-url': { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port);
  const httpPort = Number(values['http-port']);
  if (!Number.isInteger(port) || port <= 0 || !Number.isInteger(httpPort) || httpPort <= 0 || values.data === undefined) {
    process.stderr.write('usage: nms-launcher --port N --http-port N --data DIR [--notify-url URL]\n');
    process.exit(2);
  }
  const NodeMediaServer = require('node-media-server') as NmsConstructor;
  const logger = require('node-media-server/src/core/logger.js') as NmsLogger;
  // bin/app.js's config minus HTTPS/RTMPS and the JWT admin API (which would write secrets back).
  const config = {
    bind: '127.0.0.1',
    notify: { url: values['notify-url'] ?? '' },
    store: { path: join(values.data, 'store'), maxHistory: 10_000 },
    auth: { play: false, publish: false, secret: '' },
    rtmp: { port },
    http: { port: httpPort },
    webadmin: { enable: false },
    record: { auto: false, path: join(values.data, 'record') },
  };
  const nms = new NodeMediaServer(config, join(values.data, 'config.json'));
  // The constructor forces level "debug" (src/index.js); set ours after it.
  logger.level = 'error';
  void nms.run();
  const stop = (): void => {
    void nms.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
