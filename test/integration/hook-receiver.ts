import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { deadPort } from './harness.js';

/** One request a receiver got, headers included (the spool tests dedupe by X-Srs-Event-Id). */
export interface ReceivedCall {
  readonly path: string;
  readonly body: string;
  readonly json: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
}

/**
 * A hook receiver on a fixed port that can be down (connection refused)
 * and come up again: the port is reserved once, then listened on when `up()`.
 */
export class FlakyReceiver {
  readonly calls: ReceivedCall[] = [];
  private server: Server | undefined;

  private constructor(readonly port: number) {}

  /** Picks a free port and stays down. */
  static async reserve(): Promise<FlakyReceiver> {
    return new FlakyReceiver(await deadPort());
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Distinct event ids received. */
  ids(): Set<string> {
    return new Set(this.calls.map((call) => String(call.headers['x-srs-event-id'])));
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body) as Record<string, unknown>;
        } catch {
          // kept raw
        }
        this.calls.push({ path: req.url ?? '', body, json, headers: req.headers });
        res.end('0');
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
