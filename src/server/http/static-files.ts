import { constants, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SrsError } from '../../errors.js';
import { mimeTypeOf } from './mime.js';

/** Largest file served unless the caller says otherwise: 2 GiB. */
export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 ** 3;

export interface StaticFilesOptions {
  /** SRS `http_server.dir`; a relative dir is taken from the working directory, as SRS does. */
  readonly dir: string;
  /** Largest file served, bytes (explicit bound). */
  readonly maxFileBytes?: number;
}

/** Why nothing (or an error status) was sent; stable strings for the caller's log line. */
export type StaticRefusal =
  | 'method not allowed'
  | 'bad path'
  | 'not found'
  | 'outside dir'
  | 'not a file'
  | 'forbidden'
  | 'too large'
  | 'range not satisfiable'
  | 'internal error';

/** Why a 200/206 body stopped before its Content-Length; the socket was destroyed so the client sees it. */
export type StaticCutShort = 'client gone' | 'read error' | 'file shrank';

export type StaticOutcome =
  | { readonly status: 200 | 206; readonly bytes: number; readonly file: string; readonly reason?: StaticCutShort }
  | { readonly status: 302; readonly location: string }
  | { readonly status: 400 | 403 | 404 | 405 | 416 | 500; readonly reason: StaticRefusal };

type Refusal = Extract<StaticOutcome, { reason: StaticRefusal }>;

/** The one byte range to send, none (send it all), or a range past the end (416). */
export type ByteRange = { readonly kind: 'none' } | { readonly kind: 'unsatisfiable' } | { readonly kind: 'range'; readonly start: number; readonly end: number };

const NO_RANGE: ByteRange = Object.freeze({ kind: 'none' });
const UNSATISFIABLE: ByteRange = Object.freeze({ kind: 'unsatisfiable' });

/**
 * O_NONBLOCK: a FIFO swapped in after the stat would otherwise block a libuv thread in open(2)
 * forever. O_NOFOLLOW: a symlink swapped in for the last component after realpath fails with
 * ELOOP instead of being followed out of dir. (Node has no openat2(RESOLVE_BENEATH), so a swap of a
 * middle component stays a race; the dev/ino check after open narrows it.) Both are 0 on Windows.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * Serves files under one directory: SRS's `http_server.dir` (SrsHttpFileServer, spec §1.7) with
 * the fixes of spec §6 item 12: HEAD has no body, Range works for every type with real suffix
 * ranges (RFC 9110 §14), only GET and HEAD are accepted, and paths cannot leave the directory.
 */
export class StaticFiles {
  private readonly dir: string;
  private readonly maxFileBytes: number;

  constructor(options: StaticFilesOptions) {
    if (typeof options.dir !== 'string' || options.dir === '') throw new SrsError('ERR_STATIC_OPTIONS', 'static files: dir must be a non-empty path');
    const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes < 0) {
      throw new SrsError('ERR_STATIC_OPTIONS', `static files: maxFileBytes must be a non-negative integer, got ${String(options.maxFileBytes)}`);
    }
    this.dir = resolve(options.dir);
    this.maxFileBytes = maxFileBytes;
  }

  /**
   * Serves `pathname` (the raw URL path, not yet decoded, query stripped) from dir. Resolves when
   * the response has ended or the client went away. Never throws: every failure becomes a status.
   */
  async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<StaticOutcome> {
    try {
      return await this.respond(req, res, pathname);
    } catch {
      // Only a bug or a header the caller already sent gets here; the router must not see it.
      try {
        if (!res.headersSent && !res.destroyed) return await refuse(req, res, 500, 'internal error');
      } catch {
        // Falls through to destroying the socket: a half-written response must not look complete.
      }
      res.destroy();
      return { status: 500, reason: 'internal error' };
    }
  }

  private async respond(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<StaticOutcome> {
    // SRS serves any method; RFC 9110 §15.5.6 wants 405 with Allow for the ones we do not.
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(req, res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    const path = decodeSafePath(pathname);
    if (path === undefined) return refuse(req, res, 400, 'bad path');

    let root: string;
    let real: string;
    let stats: Stats;
    const wantsIndex = pathname.endsWith('/');
    const target = wantsIndex ? join(this.dir, path, 'index.html') : join(this.dir, path);
    try {
      root = await fs.realpath(this.dir);
      real = await fs.realpath(target);
      stats = await fs.stat(real);
    } catch (error) {
      return refuse(req, res, ...fsRefusal(error));
    }
    // realpath resolved every symlink: a link inside dir that points out stays out.
    if (!isInside(root, real)) return refuse(req, res, 404, 'outside dir');
    if (stats.isDirectory()) {
      // `/dir/index.html` being a directory is just a missing index.
      if (wantsIndex) return refuse(req, res, 404, 'not found');
      return redirect(res, pathname);
    }
    if (!stats.isFile()) return refuse(req, res, 404, 'not a file');
    // 403, not 404: the file exists and refusing it is policy (RFC 9110 §15.5.4), and an operator
    // reading "404" for a file that is plainly there would look in the wrong place.
    if (stats.size > this.maxFileBytes) return refuse(req, res, 403, 'too large');

    let handle: FileHandle;
    try {
      handle = await fs.open(real, OPEN_FLAGS);
    } catch (error) {
      return refuse(req, res, ...fsRefusal(error));
    }
    let handedOver = false;
    try {
      const opened = await handle.stat();
      if (!opened.isFile() || opened.ino !== stats.ino || opened.dev !== stats.dev) return refuse(req, res, 404, 'not found');
      const size = opened.size;
      if (size > this.maxFileBytes) return refuse(req, res, 403, 'too large');
      const lastModified = opened.mtime.toUTCString();
      const range = req.method === 'GET' && ifRangeAllows(req, lastModified) ? parseByteRange(req.headers.range, size) : NO_RANGE;
      if (range.kind === 'unsatisfiable') return refuse(req, res, 416, 'range not satisfiable', { 'Content-Range': `bytes */${size}` });

      const start = range.kind === 'range' ? range.start : 0;
      const end = range.kind === 'range' ? range.end : size - 1;
      const status = range.kind === 'range' ? 206 : 200;
      const headers: OutgoingHttpHeaders = {
        'Content-Type': mimeTypeOf(target),
        'Content-Length': String(end - start + 1),
        'Last-Modified': lastModified,
        'Accept-Ranges': 'bytes',
      };
      if (range.kind === 'range') headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
      res.writeHead(status, headers);
      // HEAD: the headers GET would send, no body (SRS sends the body, §6.12). An empty file has no
      // bytes to read either.
      if (req.method === 'HEAD' || size === 0) {
        await endResponse(res);
        return { status, bytes: 0, file: real };
      }
      handedOver = true;
      const sent = await streamBody(res, handle, start, end);
      return sent.reason === undefined ? { status, bytes: sent.bytes, file: real } : { status, bytes: sent.bytes, file: real, reason: sent.reason };
    } finally {
      // A failed close leaves nothing to do for this request; the fd is gone either way.
      if (!handedOver) await handle.close().catch(() => undefined);
    }
  }
}

/**
 * Percent-decodes the raw path once (SRS does not decode at all, spec §1.7) and refuses what could
 * name something outside dir or confuse the filesystem: NUL (raw or %00), a backslash (a separator
 * on Windows), a `..` segment (also `..%2f`, `%2e%2e/`), or malformed %-escapes.
 */
export function decodeSafePath(raw: string): string | undefined {
  if (!raw.startsWith('/')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  if (decoded.split('/').includes('..')) return undefined;
  return decoded;
}

function isInside(root: string, real: string): boolean {
  const rel = relative(root, real);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** An fs failure as a status: a missing name is 404, a permission is 403, anything else is ours. */
function fsRefusal(error: unknown): [Refusal['status'], StaticRefusal] {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ELOOP':
    case 'ENAMETOOLONG':
    case 'EISDIR':
      return [404, 'not found'];
    case 'EACCES':
    case 'EPERM':
      return [403, 'forbidden'];
    default:
      return [500, 'internal error'];
  }
}

/**
 * RFC 9110 §13.1.5: with If-Range, a range is sent only if the validator still matches, else the
 * whole file; this keeps a resumed download from splicing two versions. We only have dates, so a
 * date must equal our Last-Modified exactly and an entity-tag never matches.
 */
function ifRangeAllows(req: IncomingMessage, lastModified: string): boolean {
  const ifRange = req.headers['if-range'];
  return ifRange === undefined || (typeof ifRange === 'string' && ifRange.trim() === lastModified);
}

/**
 * One `Range: bytes=...` header against a representation of `size` bytes (RFC 9110 §14.1.2, §14.2).
 * `a-b`, `a-` and the suffix `-N` (the last N bytes; SRS reads it as `0-N`) are honoured. A
 * multi-range set (we send no multipart/byteranges), another unit, or a malformed or invalid spec
 * is ignored, which §14.2 allows: the caller sends 200 with the whole file. A first-pos at or past
 * the end, or `-0`, is unsatisfiable (416). An empty file ignores suffix ranges, since
 * Content-Range cannot describe an empty range.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return NO_RANGE;
  const set = /^bytes=(.*)$/i.exec(header.trim());
  if (set === null) return NO_RANGE;
  // §5.6.1: empty list elements are allowed and do not count.
  const specs = set[1]!.split(',').map((spec) => spec.trim()).filter((spec) => spec !== '');
  if (specs.length !== 1) return NO_RANGE;
  const spec = /^(\d*)-(\d*)$/.exec(specs[0]!);
  if (spec === null) return NO_RANGE;
  const first = spec[1]!;
  const last = spec[2]!;
  if (first === '') {
    if (last === '') return NO_RANGE;
    const suffix = Number(last);
    if (suffix === 0) return UNSATISFIABLE;
    if (size === 0) return NO_RANGE;
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  // Digits beyond 2^53 become inexact or Infinity; compared with a file size they still order right.
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return NO_RANGE;
  if (start >= size) return UNSATISFIABLE;
  return { kind: 'range', start, end: Math.min(end, size - 1) };
}

/** A short text/plain status (SRS's 404 body is `Not Found`, srs_protocol_http_stack.cpp:117-130). */
async function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: Refusal['status'],
  reason: StaticRefusal,
  headers: OutgoingHttpHeaders = {},
): Promise<Refusal> {
  const body = STATUS_CODES[status] ?? '';
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  await endResponse(res, req.method === 'HEAD' ? undefined : body);
  return { status, reason };
}

/**
 * A directory named without its trailing slash: send the client to `path/` so relative links in
 * its index.html resolve (SRS does the same). Leading slashes are collapsed to one, else `//host`
 * would be a protocol-relative Location, i.e. an open redirect.
 */
async function redirect(res: ServerResponse, pathname: string): Promise<StaticOutcome> {
  const location = `/${pathname.replace(/^\/+/, '')}/`;
  res.writeHead(302, { Location: location, 'Content-Length': '0' });
  await endResponse(res);
  return { status: 302, location };
}

/** Ends the response; resolves on 'close', which Node emits both after finishing and when the client goes away. */
function endResponse(res: ServerResponse, body?: string): Promise<void> {
  return new Promise((done) => {
    if (res.destroyed) {
      done();
      return;
    }
    res.once('close', () => done());
    res.end(body);
  });
}

/**
 * Copies bytes start..end (inclusive) of the file to the response with backpressure. Resolves
 * once the response is closed and the file is closed (so no fd outlives the request). A client
 * that leaves mid-file destroys the read stream; a read error or a file that shrank since the stat
 * destroys the socket, since the status and Content-Length are already on the wire.
 */
function streamBody(res: ServerResponse, handle: FileHandle, start: number, end: number): Promise<{ bytes: number; reason?: StaticCutShort }> {
  const expected = end - start + 1;
  return new Promise((done) => {
    const source = handle.createReadStream({ start, end, autoClose: true });
    let sent = 0;
    let cut: StaticCutShort | undefined;
    let responseClosed = false;
    let fileClosed = false;
    const settle = (): void => {
      if (!responseClosed || !fileClosed) return;
      const reason = cut ?? (res.writableFinished ? undefined : 'client gone');
      done(reason === undefined ? { bytes: sent } : { bytes: sent, reason });
    };
    const onDrain = (): void => {
      source.resume();
    };
    const onResponseClose = (): void => {
      if (responseClosed) return;
      res.off('drain', onDrain);
      responseClosed = true;
      source.destroy();
      settle();
    };
    source.on('data', (chunk: Buffer | string) => {
      sent += Buffer.byteLength(chunk);
      if (!res.write(chunk)) source.pause();
    });
    source.on('end', () => {
      if (sent === expected) {
        res.end();
        return;
      }
      cut = 'file shrank';
      res.destroy();
    });
    // Stays attached for the stream's life: an 'error' without a listener would crash the process.
    source.on('error', () => {
      cut ??= 'read error';
      res.destroy();
    });
    source.on('close', () => {
      fileClosed = true;
      settle();
    });
    res.on('drain', onDrain);
    res.once('close', onResponseClose);
    if (res.destroyed) onResponseClose();
  });
}
