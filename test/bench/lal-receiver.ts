/**
 * The lal HTTP Notify receiver of the notify cells: a tiny HTTP server in
 * the orchestrator (so its CPU is never the server's) answering every POST
 * with 200 `{}` (lal never reads the answer) and counting POSTs by the last
 * path segment, which the cells' `http_notify` URLs set to the event name.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Bound on a body we read; an on_update of 1,000 sessions is about 270 KB. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** A running receiver. */
export interface LalReceiver {
  /** `http://127.0.0.1:<port>/lal`: an event's URL is this + `/<event>`. */
  readonly baseUrl: string;
  /** POSTs per event since the last reset. */
  counts(): Record<string, number>;
  /** Largest on_update body since the last reset. */
  maxUpdateBodyBytes(): number;
  reset(): void;
  close(): Promise<void>;
}

/** Starts the receiver on an ephemeral 127.0.0.1 port. */
export async function startLalReceiver(): Promise<LalReceiver> {
  let byEvent: Record<string, number> = {};
  let maxUpdate = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let bodyBytes = 0;
    request.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes > MAX_BODY_BYTES) request.destroy();
    });
    request.on('end', () => {
      const event = (request.url ?? '').split('?')[0]?.split('/').at(-1) ?? '';
      byEvent[event] = (byEvent[event] ?? 0) + 1;
      if (event === 'on_update') maxUpdate = Math.max(maxUpdate, bodyBytes);
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
      response.end('{}');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/lal`,
    counts: () => ({ ...byEvent }),
    maxUpdateBodyBytes: () => maxUpdate,
    reset: () => {
      byEvent = {};
      maxUpdate = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
