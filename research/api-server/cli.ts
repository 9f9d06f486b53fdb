import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createApiServer } from './server.js';
import { mintTokenUrl, TokenUsageError } from './token.js';

/**
 * Command line of the sample callback server:
 *
 *   api-server [--port 8085] [--host 0.0.0.0] [--secret S]
 *   api-server mint --secret S --url rtmp://127.0.0.1/live/livestream [--ttl 3600]
 *
 * The secret may also come from API_SERVER_SECRET (keeps it out of `ps`).
 */

/** Where the CLI writes; main.ts passes the process streams. */
export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Unix seconds (tests pin it). */
  readonly nowSec: () => number;
}

/** The result of a CLI run: an exit code, or a running server. */
export type CliResult = { readonly exitCode: number } | { readonly server: Server; readonly port: number };

const USAGE = [
  'usage: api-server [--port N] [--host H] [--secret S] [--signing-secret S]',
  '       api-server mint --secret S --url rtmp://host/app/stream [--ttl SECONDS]',
].join('\n');

/** Runs `argv` (without node and script); resolves once listening, or with an exit code. */
export async function runApiServerCli(argv: readonly string[], io: CliIo): Promise<CliResult> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    io.stderr(`${(error as Error).message}\n${USAGE}`);
    return { exitCode: 2 };
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout(USAGE);
    return { exitCode: 0 };
  }
  const secret = values.secret ?? io.env['API_SERVER_SECRET'];
  if (positionals[0] === 'mint') return mint(values, secret, io);
  if (positionals.length > 0) {
    io.stderr(`unknown command ${positionals[0]}\n${USAGE}`);
    return { exitCode: 2 };
  }
  const port = Number(values.port ?? '8085');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`--port ${values.port}: expected 0..65535\n${USAGE}`);
    return { exitCode: 2 };
  }
  const host = values.host ?? '0.0.0.0';
  // The hook signing secret (X-Srs-Signature), not the token secret; API_SERVER_SIGNING_SECRET keeps it out of `ps`.
  const signingSecret = values['signing-secret'] ?? io.env['API_SERVER_SIGNING_SECRET'];
  if (signingSecret === '') {
    io.stderr(`--signing-secret: empty\n${USAGE}`);
    return { exitCode: 2 };
  }
  const server = createApiServer({ secret, signingSecret, log: (line) => io.stdout(JSON.stringify(line)), nowSec: io.nowSec });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  io.stdout(JSON.stringify({ time: new Date().toISOString(), msg: 'api server listening', host, port: bound, token_auth: secret !== undefined, signatures: signingSecret !== undefined }));
  return { server, port: bound };
}

function parseCli(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      secret: { type: 'string', short: 's' },
      'signing-secret': { type: 'string' },
      url: { type: 'string' },
      ttl: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function mint(values: { url?: string | undefined; ttl?: string | undefined }, secret: string | undefined, io: CliIo): CliResult {
  if (secret === undefined || secret === '') {
    io.stderr(`mint: --secret (or API_SERVER_SECRET) is required\n${USAGE}`);
    return { exitCode: 2 };
  }
  if (values.url === undefined) {
    io.stderr(`mint: --url is required\n${USAGE}`);
    return { exitCode: 2 };
  }
  const ttlSec = Number(values.ttl ?? '3600');
  if (!Number.isInteger(ttlSec)) {
    io.stderr(`mint: --ttl ${values.ttl}: expected whole seconds`);
    return { exitCode: 2 };
  }
  try {
    io.stdout(mintTokenUrl(secret, values.url, ttlSec, io.nowSec()));
    return { exitCode: 0 };
  } catch (error) {
    if (!(error instanceof TokenUsageError)) throw error;
    io.stderr(`mint: ${error.message}`);
    return { exitCode: 2 };
  }
}
