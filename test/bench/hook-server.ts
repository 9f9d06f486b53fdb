/**
 * The local HTTP callback server the hook scenarios point at. It answers
 * every POST with HTTP 200 and body `0` (SRS http_hooks "allow",
 * srs-spec http_hooks) after `delayMs`; the slow-callback scenario sets 200.
 * It runs in the orchestrator, so its CPU is never counted as the server's.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Bound on a callback body we bother to read; SRS bodies are well under 1 KiB. */
const MAX_BODY_BYTES = 64 * 1024;

/** A running callback server. */
export interface HookServer {
  /** The URL to put in on_publish / on_play (or NMS notify.url). */
  readonly url: string;
  /** Requests answered so far. */
  readonly requests: number;
  /** Delay before answering, in ms; changeable between scenarios. */
  delayMs: number;
  close(): Promise<void>;
}

/** Starts the callback server on an ephemeral 127.0.0.1 port. */
export async function startHookServer(): Promise<HookServer> {
  let requests = 0;
  const state = { delayMs: 0 };
  const answer = (response: ServerResponse): void => {
    requests += 1;
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1' });
    response.end('0');
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let bodyBytes = 0;
    request.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes > MAX_BODY_BYTES) request.destroy();
    });
    request.on('end', () => {
      if (state.delayMs > 0) setTimeout(answer, state.delayMs, response);
      else answer(response);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1/hooks`,
    get requests() {
      return requests;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(value: number) {
      state.delayMs = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
