import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { verifyToken, type TokenRejection } from './token.js';
import { verifyHookRequest } from '../../src/hooks/signature.js';

/**
 * The sample SRS callback server (SRS trunk/research/api-server/server.go,
 * HEAD behaviour, srs-spec §2.2) plus token auth. Hook POSTs answer
 * `{"code":0,"data":null}`; a bad JSON body or an action the endpoint does
 * not handle answers HTTP 500 with a text body (so SRS rejects); any other
 * method answers `{}`. One JSON log line per event.
 */

/** A JSON log line writer (stdout in main.ts, an array in tests). */
export type LogLine = (line: Record<string, unknown>) => void;

/** Server settings. */
export interface ApiServerOptions {
  /** When set, on_publish and on_play need a valid token in `param` (token.ts). */
  readonly secret?: string | undefined;
  readonly log: LogLine;
  /** Unix seconds; tests pin it. */
  readonly nowSec?: (() => number) | undefined;
  /** Request bodies beyond this are refused (HTTP 500). */
  readonly maxBodyBytes?: number | undefined;
  /** When set, every hook request must carry a valid X-Srs-Signature for this secret and a fresh X-Srs-Timestamp (HTTP 401 otherwise). */
  readonly signingSecret?: string | undefined;
}

/** `code` of a token refusal: SRS denies any non-zero code and logs it. */
export const TOKEN_ERROR_CODE: Readonly<Record<TokenRejection, number>> = {
  missing: 4001,
  malformed: 4002,
  wrong: 4003,
  expired: 4004,
};

/** The actions each hook endpoint accepts (server.go). */
const ENDPOINTS: Readonly<Record<string, readonly string[]>> = {
  '/api/v1/clients': ['on_connect', 'on_close'],
  '/api/v1/streams': ['on_publish', 'on_unpublish'],
  '/api/v1/sessions': ['on_play', 'on_stop'],
  '/api/v1/dvrs': ['on_dvr'],
  '/api/v1/hls': ['on_hls'],
};

const TOKEN_GATED = new Set(['on_publish', 'on_play']);

const INDEX = {
  code: 0,
  urls: {
    clients: 'for srs http callback, to handle the clients requests: connect/disconnect vhost/app.',
    streams: 'for srs http callback, to handle the streams requests: publish/unpublish stream.',
    sessions: 'for srs http callback, to handle the sessions requests: client play/stop stream.',
    dvrs: 'for srs http callback, to handle the dvr requests: dvr stream.',
    hls: 'for srs http callback, to handle the hls requests: hls segment (POST on_hls, GET on_hls_notify).',
  },
};

/** Builds the node:http server (not listening yet). */
export function createApiServer(options: ApiServerOptions): Server {
  const nowSec = options.nowSec ?? (() => Math.floor(Date.now() / 1000));
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/api/v1') return sendJson(res, INDEX);
    if (path.startsWith('/api/v1/hls/') && req.method === 'GET') {
      // on_hls_notify target: echo what SRS filled into the URL template.
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (!signatureOk(req, '', path, options, nowSec)) return sendText(res, 401, 'bad signature');
      options.log({ time: new Date().toISOString(), event: 'on_hls_notify', path, query: Object.fromEntries(url.searchParams) });
      return sendJson(res, { args: path.slice('/api/v1/hls/'.length).split('/'), kwargs: Object.fromEntries(url.searchParams) });
    }
    const actions = ENDPOINTS[path];
    if (actions === undefined) return sendText(res, 404, 'not found');
    if (req.method !== 'POST') return sendJson(res, {});
    readBody(req, maxBodyBytes).then(
      (body) => (signatureOk(req, body, path, options, nowSec) ? answerHook(res, path, actions, body, options, nowSec) : sendText(res, 401, 'bad signature')),
      (error: Error) => sendText(res, 500, `read request body, err ${error.message}`),
    );
  });
}

function answerHook(
  res: ServerResponse,
  path: string,
  actions: readonly string[],
  body: string,
  options: ApiServerOptions,
  nowSec: () => number,
): void {
  const time = new Date().toISOString();
  let request: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    request = parsed as Record<string, unknown>;
  } catch (error) {
    options.log({ time, endpoint: path, verdict: 'error', reason: 'bad json', body: body.slice(0, 256) });
    return sendText(res, 500, `parse json ${body.slice(0, 256)}, err ${(error as Error).message}`);
  }
  const action = typeof request['action'] === 'string' ? request['action'] : '';
  if (!actions.includes(action)) {
    options.log({ time, endpoint: path, event: action, verdict: 'error', reason: 'invalid action' });
    return sendText(res, 500, `invalid action ${action} for ${path}`);
  }
  const line = { time, endpoint: path, event: action, ...request };
  if (options.secret !== undefined && TOKEN_GATED.has(action)) {
    const check = verifyToken(options.secret, str(request['app']), str(request['stream']), str(request['param']), nowSec());
    if (!check.ok) {
      options.log({ ...line, verdict: 'deny', reason: `token ${check.reason}`, detail: check.detail });
      return sendJson(res, { code: TOKEN_ERROR_CODE[check.reason], data: null, msg: `token ${check.reason}` });
    }
    options.log({ ...line, verdict: 'allow', reason: 'token valid' });
    return sendJson(res, { code: 0, data: null });
  }
  options.log({ ...line, verdict: 'allow' });
  sendJson(res, { code: 0, data: null });
}

/**
 * With a signing secret, the request must be signed (README "Signed
 * callbacks"): HMAC-SHA256 of "<X-Srs-Timestamp>.<raw body>", timestamp
 * within 5 minutes. A refusal is logged with why; SRS denies on the 401.
 */
function signatureOk(req: IncomingMessage, body: string, path: string, options: ApiServerOptions, nowSec: () => number): boolean {
  if (options.signingSecret === undefined) return true;
  const check = verifyHookRequest(options.signingSecret, req.headers, body, { nowSec: nowSec() });
  if (check.ok) return true;
  options.log({ time: new Date().toISOString(), endpoint: path, verdict: 'deny', reason: `signature ${check.reason}`, event_id: req.headers['x-srs-event-id'] });
  return false;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Reads the body; past `maxBytes` the rest is read and discarded, then the request is refused. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => (size > maxBytes ? reject(new Error(`body over ${maxBytes} bytes`)) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
