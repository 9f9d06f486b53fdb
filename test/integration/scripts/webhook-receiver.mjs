#!/usr/bin/env node
/**
 * The hooks guide's Example 2 webhook receiver (a Flask app) ported to node:http, printing the
 * same lines, so tests do not need Python. Usage: node webhook-receiver.mjs [PORT] (default 8080,
 * 0 = any free port). The first line says where it listens; then one line per event as the guide's.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? '8080');

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/rtmp-events') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let event;
    try {
      event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    // Flask's event.get('stream_key', 'N/A'): N/A only when the key is absent.
    console.log(`Received event: ${event.type} for stream: ${'stream_key' in event ? event.stream_key : 'N/A'}`);
    if (event.type === 'publish_start') console.log(`🔴 LIVE: Stream ${event.stream_key} started publishing`);
    else if (event.type === 'connection_accept') console.log(`📡 New connection from ${event.data.client_ip}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'received' }));
  });
});

server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}/rtmp-events`));
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
