/**
 * The null session baseline: the cheapest thing a Node process can do for an
 * RTMP connect+publish or connect+play session. It answers the handshake with
 * a plain (version 0) S1 and an echo S2, then replays, one write per client
 * round trip, the bytes our server wrote for that round trip
 * (session-replies.ts). With --hook-url it POSTs one SRS-shaped on_publish /
 * on_play body through the same HTTP client our server uses and sends the
 * last reply only after a `0`. No digest HMACs, no chunk or AMF parsing, no
 * events: its CPU per session is the floor for a Node server on this machine.
 * Usage:
 *   node dist/test/bench/null-session-server.js --port N --replies FILE [--hook-url URL]
 */
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { createHookHttpClient, DEFAULT_MAX_RESPONSE_BYTES, type HookHttpClient } from '../../src/hooks/http-client.js';
import { HELLO_BYTES } from '../../src/rtmp/handshake.js';
import type { SessionReplies } from './session-replies.js';

/** Same bound as a vhost's default hook timeout. */
const HOOK_TIMEOUT_MS = 30_000;
/** The command only a publishing client sends in its second round trip. */
const PUBLISH_MARKER = Buffer.from('releaseStream');

/** A realistic on_publish/on_play body (srs-spec http_hooks), the same size as ours. */
function hookBody(action: 'on_publish' | 'on_play'): string {
  return JSON.stringify({
    server_id: 'vid-null000', service_id: 'null0000', action, client_id: 'null0000', ip: '127.0.0.1', vhost: '__defaultVhost__',
    app: 'live', tcUrl: 'rtmp://127.0.0.1:1935/live', stream: 'publish-callback-c64-1000', param: '',
    stream_url: '/live/publish-callback-c64-1000', stream_id: 'null0000',
  });
}

const PUBLISH_BODY = hookBody('on_publish');
const PLAY_BODY = hookBody('on_play');

/** One connection: handshake, then one recorded reply per client write. */
function serve(socket: Socket, replies: { publish: Buffer[]; play: Buffer[] }, hook: { client: HookHttpClient; url: string } | undefined): void {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  let hello: Buffer[] = [];
  let helloBytes = 0;
  let sequence: Buffer[] | undefined;
  let step = -1;

  const sendLast = (reply: Buffer, action: 'on_publish' | 'on_play'): void => {
    if (hook === undefined) {
      socket.write(reply);
      return;
    }
    void hook.client.post(hook.url, action === 'on_publish' ? PUBLISH_BODY : PLAY_BODY, { timeoutMs: HOOK_TIMEOUT_MS, maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES, tlsVerify: true }).then((result) => {
      if (result.kind === 'response' && result.status === 200 && result.body.toString() === '0') socket.write(reply);
      else socket.destroy();
    });
  };

  socket.on('data', (bytes: Buffer) => {
    if (step < 0) {
      hello.push(bytes);
      helloBytes += bytes.length;
      if (helloBytes < HELLO_BYTES) return;
      const c0c1 = Buffer.concat(hello, helloBytes);
      hello = [];
      const answer = Buffer.alloc(2 * HELLO_BYTES - 1);
      answer[0] = c0c1[0] as number;
      c0c1.copy(answer, HELLO_BYTES, 1, HELLO_BYTES);
      socket.write(answer);
      step = 0;
      return;
    }
    // Round trip 0 is connect (the same for both kinds); the next one tells them apart.
    if (step === 1) sequence = bytes.includes(PUBLISH_MARKER) ? replies.publish : replies.play;
    const current = sequence ?? replies.publish;
    const reply = current[step];
    step += 1;
    if (reply === undefined) return;
    if (step === current.length) sendLast(reply, current === replies.publish ? 'on_publish' : 'on_play');
    else socket.write(reply);
  });
}

function main(): void {
  const { values } = parseArgs({ options: { port: { type: 'string' }, replies: { type: 'string' }, 'hook-url': { type: 'string' } }, strict: true });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port <= 0 || values.replies === undefined) {
    process.stderr.write('usage: null-session-server --port N --replies FILE [--hook-url URL]\n');
    process.exit(2);
  }
  const recorded = JSON.parse(readFileSync(values.replies, 'utf8')) as SessionReplies;
  const decode = (list: readonly string[]): Buffer[] => list.map((text) => Buffer.from(text, 'base64'));
  const replies = { publish: decode(recorded.publish), play: decode(recorded.play) };
  const hookUrl = values['hook-url'];
  const hook = hookUrl === undefined ? undefined : { client: createHookHttpClient(), url: hookUrl };
  createServer((socket) => serve(socket, replies, hook)).listen(port, '127.0.0.1');
  process.once('SIGTERM', () => process.exit(0));
  process.once('SIGINT', () => process.exit(0));
}

main();
