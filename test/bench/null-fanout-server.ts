/**
 * The null fan-out baseline: the cheapest thing a Node process can do with the
 * same bytes. It parses nothing, keeps no GOP and writes one shared Buffer per
 * reader per batch interval, so its CPU-ms per GB is the practical floor for
 * any Node fan-out. Usage:
 *   node dist/test/bench/null-fanout-server.js --port N [--batch-ms 350]
 * A client's first byte says what it is: 'P' publisher (its bytes are relayed),
 * 'R' reader (gets every batch from the moment it joined).
 */
import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { NullRole } from './jobs.js';

/** SRS mw_latency default: writes are merged for this long (srs-spec, play.mw_latency). */
const DEFAULT_BATCH_MS = 350;
/** A reader this far behind is dropped rather than buffered without bound. */
const MAX_READER_BACKLOG_BYTES = 16 * 1024 * 1024;

function main(): void {
  const { values } = parseArgs({ options: { port: { type: 'string' }, 'batch-ms': { type: 'string' } }, strict: true });
  const port = Number(values.port);
  const batchMs = values['batch-ms'] === undefined ? DEFAULT_BATCH_MS : Number(values['batch-ms']);
  if (!Number.isInteger(port) || port <= 0 || !(batchMs > 0)) {
    process.stderr.write('usage: null-fanout-server --port N [--batch-ms 350]\n');
    process.exit(2);
  }
  const readers = new Set<Socket>();
  let pending: Buffer[] = [];

  const flush = (): void => {
    if (pending.length === 0) return;
    const batch = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
    pending = [];
    for (const reader of readers) {
      if (reader.writableLength > MAX_READER_BACKLOG_BYTES) reader.destroy();
      else reader.write(batch);
    }
  };
  setInterval(flush, batchMs);

  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      if (first[0] === NullRole.reader) {
        readers.add(socket);
        socket.once('close', () => readers.delete(socket));
        socket.resume();
        return;
      }
      if (first[0] !== NullRole.publisher) {
        socket.destroy();
        return;
      }
      if (first.length > 1) pending.push(first.subarray(1));
      socket.on('data', (chunk: Buffer) => pending.push(chunk));
    });
  });
  server.listen(port, '127.0.0.1');
  process.once('SIGTERM', () => process.exit(0));
  process.once('SIGINT', () => process.exit(0));
}

main();
