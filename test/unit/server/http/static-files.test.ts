import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, promises as fsPromises, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MIME_TYPE, mimeTypeOf } from '../../../../src/server/http/mime.js';
import { parseByteRange, StaticFiles, type StaticOutcome } from '../../../../src/server/http/static-files.js';
import { SrsError } from '../../../../src/errors.js';

const SECRET = 'TOP-SECRET-OUTSIDE-DIR';
const DIGITS = '0123456789';
const BIG_BYTES = 32 * 1024 * 1024;

/** A real node:http server in front of one StaticFiles; each request's outcome is kept by its x-id header. */
interface TestServer {
  readonly port: number;
  readonly outcomes: Map<string, Promise<StaticOutcome>>;
  /** Anything that escaped serve() (it must never throw). */
  readonly escaped: unknown[];
  close(): Promise<void>;
}

async function startServer(files: StaticFiles): Promise<TestServer> {
  const outcomes = new Map<string, Promise<StaticOutcome>>();
  const escaped: unknown[] = [];
  const server: Server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0]!;
    const outcome = files.serve(req, res, pathname);
    outcome.catch((error: unknown) => escaped.push(error));
    outcomes.set(String(req.headers['x-id']), outcome);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    outcomes,
    escaped,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly outcome: Promise<StaticOutcome>;
}

let nextId = 0;

/** One request through node:http (no keep-alive, the path sent as given). */
function httpRequest(server: TestServer, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const id = String(++nextId);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: options.method ?? 'GET', headers: { ...options.headers, 'x-id': id }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), outcome: server.outcomes.get(id)! }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

interface RawReply {
  readonly status: number;
  readonly head: string;
  /** Every byte after the header block, so a body a HEAD must not have shows up. */
  readonly rest: Buffer;
  readonly outcome: Promise<StaticOutcome> | undefined;
}

/**
 * A request written byte for byte on a TCP socket: fetch/undici and URL parsers normalise `..`,
 * which would hide exactly the traversal we test. Reads until the server closes.
 */
function rawRequest(server: TestServer, target: string, method = 'GET'): Promise<RawReply> {
  const id = String(++nextId);
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const head = all.subarray(0, split).toString('latin1');
      resolve({ status: Number(head.split(' ')[1]), head, rest: all.subarray(split + 4), outcome: server.outcomes.get(id) });
    });
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: localhost\r\nx-id: ${id}\r\nConnection: close\r\n\r\n`);
  });
}

/** The fds of this process that are open on `file` (Linux /proc), to prove nothing leaked. */
function openFdsOn(file: string): string[] {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  });
}

let base: string;
let www: string;
let server: TestServer;
let small: TestServer;
const uncaught: unknown[] = [];
const onUncaught = (error: unknown): void => {
  uncaught.push(error);
};

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'srs-static-')));
  www = join(base, 'www');
  mkdirSync(join(www, 'sub'), { recursive: true });
  mkdirSync(join(www, 'evil'));
  mkdirSync(join(www, 'live'));
  writeFileSync(join(base, 'secret.txt'), SECRET);
  writeFileSync(join(www, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(www, 'sub', 'index.html'), '<h1>sub</h1>');
  writeFileSync(join(www, 'digits.bin'), DIGITS);
  writeFileSync(join(www, 'empty.txt'), '');
  writeFileSync(join(www, 'live', 'livestream.m3u8'), '#EXTM3U\n');
  writeFileSync(join(www, 'live', 'seg-1.ts'), Buffer.alloc(188 * 4, 0x47));
  writeFileSync(join(www, 'live', 'dvr.flv'), Buffer.from('FLV\x01'));
  writeFileSync(join(www, 'movie.mp4'), Buffer.alloc(64, 1));
  writeFileSync(join(www, 'data.xyz'), 'x');
  writeFileSync(join(www, 'big.bin'), Buffer.alloc(BIG_BYTES, 0xab));
  symlinkSync(join(base, 'secret.txt'), join(www, 'escape.txt'));
  symlinkSync(base, join(www, 'escape-dir'));
  symlinkSync(join(www, 'digits.bin'), join(www, 'inner-link.bin'));
  server = await startServer(new StaticFiles({ dir: www }));
  small = await startServer(new StaticFiles({ dir: www, maxFileBytes: 5 }));
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  await server.close();
  await small.close();
  rmSync(base, { recursive: true, force: true });
  expect(server.escaped).toEqual([]);
  expect(uncaught).toEqual([]);
});

describe('mime', () => {
  it("maps SRS's extensions and sends octet-stream for the rest", () => {
    expect(mimeTypeOf('/live/livestream.m3u8')).toBe('application/vnd.apple.mpegurl');
    expect(mimeTypeOf('seg-1.ts')).toBe('video/MP2T');
    expect(mimeTypeOf('dvr.flv')).toBe('video/x-flv');
    expect(mimeTypeOf('index.html')).toBe('text/html');
    expect(mimeTypeOf('movie.mp4')).toBe('video/mp4');
    expect(mimeTypeOf('MOVIE.MP4')).toBe('video/mp4');
    expect(mimeTypeOf('data.xyz')).toBe(DEFAULT_MIME_TYPE);
    expect(mimeTypeOf('no-extension')).toBe('application/octet-stream');
    expect(mimeTypeOf('x.constructor')).toBe('application/octet-stream');
  });

  it('is what the server sends as Content-Type', async () => {
    const cases: Array<[string, string]> = [
      ['/live/livestream.m3u8', 'application/vnd.apple.mpegurl'],
      ['/live/seg-1.ts', 'video/MP2T'],
      ['/live/dvr.flv', 'video/x-flv'],
      ['/index.html', 'text/html'],
      ['/movie.mp4', 'video/mp4'],
      ['/data.xyz', 'application/octet-stream'],
    ];
    for (const [path, type] of cases) {
      const reply = await httpRequest(server, path);
      expect(reply.status, path).toBe(200);
      expect(reply.headers['content-type'], path).toBe(type);
    }
  });
});

describe('GET and HEAD', () => {
  it('sends the file with Content-Length, Last-Modified and Accept-Ranges', async () => {
    const reply = await httpRequest(server, '/digits.bin');
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe(DIGITS);
    expect(reply.headers['content-length']).toBe('10');
    expect(reply.headers['accept-ranges']).toBe('bytes');
    expect(Number.isNaN(Date.parse(reply.headers['last-modified'] ?? ''))).toBe(false);
    expect(await reply.outcome).toEqual({ status: 200, bytes: 10, file: join(www, 'digits.bin') });
  });

  it('HEAD sends the GET headers, Content-Length included, and no body', async () => {
    const reply = await rawRequest(server, '/digits.bin', 'HEAD');
    expect(reply.status).toBe(200);
    expect(reply.head).toMatch(/\r\nContent-Length: 10\r\n/i);
    expect(reply.head).toMatch(/\r\nContent-Type: application\/octet-stream\r\n/i);
    expect(reply.rest.length).toBe(0);
    expect(await reply.outcome).toEqual({ status: 200, bytes: 0, file: join(www, 'digits.bin') });
  });

  it('HEAD of a missing file has no body either', async () => {
    const reply = await rawRequest(server, '/missing.txt', 'HEAD');
    expect(reply.status).toBe(404);
    expect(reply.rest.length).toBe(0);
  });

  it('sends an empty file as 200 with Content-Length 0', async () => {
    const reply = await httpRequest(server, '/empty.txt');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe('0');
    expect(reply.body.length).toBe(0);
  });

  it("answers a missing file with SRS's 404", async () => {
    const reply = await httpRequest(server, '/nope/missing.txt');
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(reply.body.toString()).toBe('Not Found');
    expect(await reply.outcome).toEqual({ status: 404, reason: 'not found' });
  });

  it('refuses other methods with 405 and Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const reply = await httpRequest(server, '/digits.bin', { method });
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
      expect(await reply.outcome).toEqual({ status: 405, reason: 'method not allowed' });
    }
  });
});

describe('directories', () => {
  it('serves index.html for a trailing slash', async () => {
    const root = await httpRequest(server, '/');
    expect(root.status).toBe(200);
    expect(root.body.toString()).toBe('<h1>home</h1>');
    expect(root.headers['content-type']).toBe('text/html');
    const sub = await httpRequest(server, '/sub/');
    expect(sub.body.toString()).toBe('<h1>sub</h1>');
  });

  it('redirects a directory without its slash', async () => {
    const reply = await httpRequest(server, '/sub');
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe('/sub/');
    expect(await reply.outcome).toEqual({ status: 302, location: '/sub/' });
  });

  it('never redirects to another host (//evil)', async () => {
    const reply = await rawRequest(server, '//evil');
    expect(reply.status).toBe(302);
    expect(reply.head).toMatch(/\r\nLocation: \/evil\/(\r\n|$)/);
  });

  it('answers a directory without index.html with 404', async () => {
    expect((await httpRequest(server, '/evil/')).status).toBe(404);
  });

  it('answers a trailing slash on a file with 404', async () => {
    expect((await httpRequest(server, '/digits.bin/')).status).toBe(404);
  });
});

describe('Range (RFC 9110 §14)', () => {
  async function ranged(range: string, path = '/digits.bin', headers: Record<string, string> = {}): Promise<Reply> {
    return httpRequest(server, path, { headers: { Range: range, ...headers } });
  }

  it('sends a closed range as 206 with the exact bytes', async () => {
    const reply = await ranged('bytes=2-5');
    expect(reply.status).toBe(206);
    expect(reply.body.toString()).toBe('2345');
    expect(reply.headers['content-range']).toBe('bytes 2-5/10');
    expect(reply.headers['content-length']).toBe('4');
    expect(await reply.outcome).toEqual({ status: 206, bytes: 4, file: join(www, 'digits.bin') });
  });

  it('sends a suffix range as the last N bytes (SRS reads it as 0-N)', async () => {
    const reply = await ranged('bytes=-3');
    expect(reply.status).toBe(206);
    expect(reply.body.toString()).toBe('789');
    expect(reply.headers['content-range']).toBe('bytes 7-9/10');
  });

  it('sends an open range to the end, and clamps a long one', async () => {
    const open = await ranged('bytes=7-');
    expect(open.status).toBe(206);
    expect(open.body.toString()).toBe('789');
    const long = await ranged('bytes=8-1000');
    expect(long.body.toString()).toBe('89');
    expect(long.headers['content-range']).toBe('bytes 8-9/10');
    const wholeSuffix = await ranged('bytes=-50');
    expect(wholeSuffix.body.toString()).toBe(DIGITS);
    expect(wholeSuffix.headers['content-range']).toBe('bytes 0-9/10');
  });

  it('works for every file type, not only .mp4', async () => {
    const reply = await ranged('bytes=0-187', '/live/seg-1.ts');
    expect(reply.status).toBe(206);
    expect(reply.body.length).toBe(188);
  });

  it('answers a range past the end with 416 and bytes */size', async () => {
    for (const range of ['bytes=10-', 'bytes=99-100', 'bytes=-0']) {
      const reply = await ranged(range);
      expect(reply.status, range).toBe(416);
      expect(reply.headers['content-range']).toBe('bytes */10');
      expect(await reply.outcome).toEqual({ status: 416, reason: 'range not satisfiable' });
    }
  });

  it('ignores a multi-range or malformed Range and sends 200 with the whole file', async () => {
    for (const range of ['bytes=0-1,4-5', 'bytes=abc', 'bytes=5-2', 'items=0-1', 'bytes=-', 'bytes 0-1']) {
      const reply = await ranged(range);
      expect(reply.status, range).toBe(200);
      expect(reply.body.toString()).toBe(DIGITS);
      expect(reply.headers['content-range']).toBeUndefined();
    }
  });

  it('ignores Range on HEAD (range handling is defined for GET only, §14.2)', async () => {
    const reply = await httpRequest(server, '/digits.bin', { method: 'HEAD', headers: { Range: 'bytes=0-1' } });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe('10');
  });

  it('honours If-Range only while Last-Modified matches', async () => {
    const { headers } = await httpRequest(server, '/digits.bin');
    const matching = await ranged('bytes=0-1', '/digits.bin', { 'If-Range': headers['last-modified']! });
    expect(matching.status).toBe(206);
    const stale = await ranged('bytes=0-1', '/digits.bin', { 'If-Range': 'Thu, 01 Jan 1970 00:00:00 GMT' });
    expect(stale.status).toBe(200);
    expect(stale.body.toString()).toBe(DIGITS);
  });

  it('parses edge cases without the network', () => {
    expect(parseByteRange(undefined, 10)).toEqual({ kind: 'none' });
    expect(parseByteRange('BYTES=1-1', 10)).toEqual({ kind: 'range', start: 1, end: 1 });
    expect(parseByteRange('bytes=0-1, ', 10)).toEqual({ kind: 'range', start: 0, end: 1 });
    expect(parseByteRange(`bytes=${'9'.repeat(400)}-`, 10)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange(`bytes=0-${'9'.repeat(400)}`, 10)).toEqual({ kind: 'range', start: 0, end: 9 });
    expect(parseByteRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=-5', 0)).toEqual({ kind: 'none' });
    expect(parseByteRange('bytes=+1-2', 10)).toEqual({ kind: 'none' });
  });
});

describe('path safety', () => {
  /** A reply must never carry the secret, /etc/passwd, or the absolute path of the served dir. */
  function expectNothingLeaked(reply: RawReply): void {
    const text = reply.rest.toString('latin1') + reply.head;
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('root:');
    expect(text).not.toContain(base);
  }

  it('rejects .. segments, encoded or not, with 400', async () => {
    const targets = [
      '/../../etc/passwd',
      '/../secret.txt',
      '/sub/../../secret.txt',
      '/..%2f..%2fetc/passwd',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2e%2e/etc/passwd',
      '/.%2e/secret.txt',
    ];
    for (const target of targets) {
      const reply = await rawRequest(server, target);
      expect(reply.status, target).toBe(400);
      expect(reply.head).toMatch(/\r\nContent-Type: text\/plain; charset=utf-8/i);
      expect(reply.rest.toString()).toBe('Bad Request');
      expectNothingLeaked(reply);
      expect(await reply.outcome).toEqual({ status: 400, reason: 'bad path' });
    }
  });

  it('rejects NUL, backslashes and malformed escapes with 400', async () => {
    for (const target of ['/a%00b', '/digits.bin%00.html', '/sub%5c..%5c..%5csecret.txt', '/%e0%a4', '/%zz']) {
      const reply = await rawRequest(server, target);
      expect(reply.status, target).toBe(400);
      expectNothingLeaked(reply);
    }
  });

  it('decodes once: a double-encoded .. is just a name that does not exist', async () => {
    const reply = await rawRequest(server, '/%252e%252e/secret.txt');
    expect(reply.status).toBe(404);
    expectNothingLeaked(reply);
  });

  it('does not follow a symlink out of dir, but follows one that stays inside', async () => {
    for (const target of ['/escape.txt', '/escape-dir/secret.txt']) {
      const reply = await rawRequest(server, target);
      expect(reply.status, target).toBe(404);
      expect(reply.rest.toString()).toBe('Not Found');
      expectNothingLeaked(reply);
      expect(await reply.outcome).toEqual({ status: 404, reason: 'outside dir' });
    }
    const inside = await httpRequest(server, '/inner-link.bin');
    expect(inside.status).toBe(200);
    expect(inside.body.toString()).toBe(DIGITS);
    // Out and back in lands on a file inside dir: that is dir's own content.
    expect((await httpRequest(server, '/escape-dir/www/digits.bin')).status).toBe(200);
  });

  it('serves a percent-encoded name that is safe', async () => {
    const reply = await httpRequest(server, '/%64igits.bin');
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe(DIGITS);
  });
});

describe('bounds and failures', () => {
  it('refuses a file above maxFileBytes with 403', async () => {
    const reply = await httpRequest(small, '/digits.bin');
    expect(reply.status).toBe(403);
    expect(reply.body.toString()).toBe('Forbidden');
    expect(await reply.outcome).toEqual({ status: 403, reason: 'too large' });
    expect((await httpRequest(small, '/data.xyz')).status).toBe(200);
  });

  it('maps EACCES from open to 403 and an unexpected errno to 500', async () => {
    const open = vi.spyOn(fsPromises, 'open');
    open.mockRejectedValueOnce(Object.assign(new Error('permission denied'), { code: 'EACCES' }));
    const denied = await httpRequest(server, '/digits.bin');
    expect(denied.status).toBe(403);
    expect(await denied.outcome).toEqual({ status: 403, reason: 'forbidden' });
    open.mockRejectedValueOnce(Object.assign(new Error('too many open files'), { code: 'EMFILE' }));
    const failed = await httpRequest(server, '/digits.bin');
    expect(failed.status).toBe(500);
    expect(failed.body.toString()).toBe('Internal Server Error');
  });

  it('rejects bad options with a typed error', () => {
    expect(() => new StaticFiles({ dir: '' })).toThrow(SrsError);
    expect(() => new StaticFiles({ dir: www, maxFileBytes: -1 })).toThrow(expect.objectContaining({ code: 'ERR_STATIC_OPTIONS' }));
    expect(() => new StaticFiles({ dir: www, maxFileBytes: 1.5 })).toThrow(SrsError);
  });

  it('stays healthy when a client aborts a large download, and closes the file', async () => {
    const file = join(www, 'big.bin');
    const id = String(++nextId);
    const firstBytes = await new Promise<number>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      socket.on('error', reject);
      socket.once('data', (chunk) => {
        socket.destroy();
        resolve(chunk.length);
      });
      socket.write(`GET /big.bin HTTP/1.1\r\nHost: localhost\r\nx-id: ${id}\r\n\r\n`);
    });
    expect(firstBytes).toBeGreaterThan(0);
    const outcome = await server.outcomes.get(id)!;
    expect(outcome).toMatchObject({ status: 200, file: file, reason: 'client gone' });
    expect((outcome as { bytes: number }).bytes).toBeLessThan(BIG_BYTES);
    // serve() resolves only after the read stream closed its fd.
    if (process.platform === 'linux') expect(openFdsOn(file)).toEqual([]);
    const next = await httpRequest(server, '/digits.bin');
    expect(next.status).toBe(200);
    expect(next.body.toString()).toBe(DIGITS);
    expect(server.escaped).toEqual([]);
    expect(uncaught).toEqual([]);
  });

  it('sends a large file completely', async () => {
    const reply = await httpRequest(server, '/big.bin', { headers: { Range: `bytes=${BIG_BYTES - 1000}-` } });
    expect(reply.status).toBe(206);
    expect(reply.body.length).toBe(1000);
    const full = await httpRequest(server, '/big.bin');
    expect(full.body.length).toBe(BIG_BYTES);
    expect(await full.outcome).toEqual({ status: 200, bytes: BIG_BYTES, file: join(www, 'big.bin') });
  });
});
