import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../../log.js';
import type { StreamSnapshot } from '../../../hooks/events.js';
import { LAL_VERSIONS, lalInfoBody, statGroupBody, type LalInfoFacts, type LalJson } from '../../../hooks/lal/lal-body.js';
import { lalPullSessionId, lalSessionId } from '../../../hooks/lal/lal-session.js';

/**
 * lalserver's HTTP API on our API listener (lal-lssn-spec A7,
 * lal:pkg/logic/http_api.go): /api/stat/lal_info, group, all_group and
 * /api/ctrl/kick_session, start_relay_pull, stop_relay_pull. As lal: any
 * method, always HTTP 200, the envelope `{error_code, desp, data}` with
 * lal's codes, "required" means the key is present, invalid JSON is 1002,
 * groups are found by stream name alone. A kick is the ordinary close
 * (reason `kicked`), so every sink sees the session end.
 *
 * start_relay_pull starts a relay pull (2001 with lal's text when it
 * cannot); stop_relay_pull stops it, also while it is still dialling (lal
 * answers 1003 then and lets the dial go on); a kick of `RTMPPULL<n>`
 * stops the pull for good, as lal's kickPull.
 */

/** What the API reads and controls; app.ts builds it. */
export interface LalApiContext {
  /** Every stream with its clients, now. */
  snapshot(): readonly StreamSnapshot[];
  /** Ends a client through its ordinary teardown; false when it is gone. */
  kick(clientId: string, detail: string): boolean;
  /** lal's relay pulls (the app's relay/lal-pulls.ts). */
  readonly relayPulls: LalRelayPullPort;
  readonly info: LalInfoFacts;
  readonly logger: Logger;
}

/** What the API asks of the relay pulls; field names as lal's request (t_http_an__api.go:26-34). */
export interface LalRelayPullPort {
  start(request: { url: string; streamName: string; timeoutMs: number; retryNum: number; autoStopAfterNoOutMs: number }): { ok: true; streamName: string; ordinal: number } | { ok: false; desp: string };
  /** The stopped pull's ordinal; undefined when that stream has none. */
  stop(streamName: string): { ordinal: number } | undefined;
  /** Stops a pull for good by client id; false when it is no lal pull (an edge's: the kick restarts it). */
  kick(clientId: string): boolean;
}

/** lal's defaults for an API pull (http_api.go:134-145, var.go:60). */
const PULL_DEFAULTS = { timeoutMs: 10_000, retryNum: 0, autoStopAfterNoOutMs: -1 } as const;

/** lal's codes and texts (t_http_an__api.go:56-71, t_version.go:202). */
const ERR = {
  succ: [0, 'succ'],
  pageNotFound: [404, 'page not found, check this document out: lal'],
  groupNotFound: [1001, 'group not found'],
  paramMissing: [1002, 'param missing'],
  sessionNotFound: [1003, 'session not found'],
} as const satisfies Record<string, readonly [number, string]>;

/** lal's StartRelayPull error codes: 2001 with the Go error text. */
const START_RELAY_PULL_FAIL = 2001;

/** Request bodies are tiny JSON objects; the SRS API already refuses a declared length over 4 KiB. */
const MAX_BODY_BYTES = 4096;
/** A client that declares a body and never sends it is answered after this. */
const BODY_DEADLINE_MS = 5000;

/** lal's `Server` header: `lal` + version (t_version.go:191). */
const SERVER_HEADER = `lal${LAL_VERSIONS.lal.slice(1)}`;

/** One answer: the envelope's fields in lal's order, `data` last and only where lal's struct has it. */
type Envelope = { readonly error_code: number; readonly desp: string; readonly data?: LalJson };

/** The lal API: `owns` says which paths it answers, `handle` answers one. */
export class LalApi {
  constructor(private readonly ctx: LalApiContext) {}

  /** lal's two prefixes; everything under them is answered here (unknown paths with lal's 404 envelope). */
  static owns(path: string): boolean {
    return path.startsWith('/api/stat/') || path.startsWith('/api/ctrl/');
  }

  /** Reads the (bounded) body, then answers; never throws. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let answered = false;
    const answer = (envelope: Envelope): void => {
      if (answered) return;
      answered = true;
      clearTimeout(deadline);
      const body = JSON.stringify(envelope);
      // lal's feedback(): its Server header, the CORS trio, JSON, HTTP 200 whatever the code (http_api.go:273-279, cors.go:27-31).
      res.writeHead(200, {
        Server: SERVER_HEADER,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Headers': 'Content-Type',
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    const deadline = setTimeout(() => {
      answer(this.route(path, query, undefined));
      req.destroy();
    }, BODY_DEADLINE_MS);
    deadline.unref();
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Not a lal request: too big to be one of its small JSON objects.
        answer(this.route(path, query, undefined));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => answer(this.route(path, query, Buffer.concat(chunks, size).toString('utf8'))));
    req.on('error', () => {
      clearTimeout(deadline);
      answered = true;
    });
  }

  /** One request; `body` undefined when it could not be read (then JSON endpoints say param missing). */
  route(path: string, query: URLSearchParams, body: string | undefined): Envelope {
    switch (path) {
      case '/api/stat/lal_info':
        return { ...envelope(ERR.succ), data: lalInfoBody(this.ctx.info) };
      case '/api/stat/group': {
        const name = query.get('stream_name') ?? '';
        if (name === '') return { ...envelope(ERR.paramMissing), data: null };
        const group = this.group(name);
        return group === undefined ? { ...envelope(ERR.groupNotFound), data: null } : { ...envelope(ERR.succ), data: statGroupBody(group) };
      }
      case '/api/stat/all_group': {
        const groups = this.ctx.snapshot();
        return { ...envelope(ERR.succ), data: { groups: groups.length === 0 ? null : groups.map(statGroupBody) } };
      }
      case '/api/ctrl/kick_session':
        return this.kick(body);
      case '/api/ctrl/start_relay_pull':
        return this.startRelayPull(body);
      case '/api/ctrl/stop_relay_pull':
        return this.stopRelayPull(query);
      default:
        return envelope(ERR.pageNotFound);
    }
  }

  /** `{stream_name, session_id}`, both required (http_api.go:171-188; group__.go:331-394). */
  private kick(body: string | undefined): Envelope {
    const request = jsonObject(body, { stream_name: 'string', session_id: 'string' }, ['stream_name', 'session_id']);
    if (request === undefined) return envelope(ERR.paramMissing);
    const group = this.group(request['stream_name'] as string);
    if (group === undefined) return envelope(ERR.groupNotFound);
    const sessionId = request['session_id'] as string;
    if (group.pull !== undefined && lalPullSessionId(group.pull.ordinal) === sessionId) {
      const pullId = group.pull.clientId;
      if (!this.ctx.relayPulls.kick(pullId) && !this.ctx.kick(pullId, 'kicked by the lal HTTP API')) return envelope(ERR.sessionNotFound);
      this.ctx.logger.info({ session_id: sessionId, client_id: pullId }, 'lal api: pull kicked');
      return envelope(ERR.succ);
    }
    const target = [group.publisher, ...group.players].find((client) => client !== undefined && lalSessionId(client.protocol, client.ordinal) === sessionId);
    if (target === undefined || !this.ctx.kick(target.clientId, 'kicked by the lal HTTP API')) return envelope(ERR.sessionNotFound);
    this.ctx.logger.info({ session_id: sessionId, client_id: target.clientId }, 'lal api: session kicked');
    return envelope(ERR.succ);
  }

  /** lal's request types (t_http_an__api.go:26-34); only `url` is required. */
  private startRelayPull(body: string | undefined): Envelope {
    const request = jsonObject(
      body,
      { url: 'string', stream_name: 'string', pull_timeout_ms: 'int', pull_retry_num: 'int', auto_stop_pull_after_no_out_ms: 'int', rtsp_mode: 'int', debug_dump_packet: 'string' },
      ['url'],
    );
    const empty = { stream_name: '', session_id: '' };
    if (request === undefined) return { ...envelope(ERR.paramMissing), data: empty };
    const int = (key: string, fallback: number): number => (typeof request[key] === 'number' ? request[key] : fallback);
    const url = request['url'] as string;
    if (!/^rtmp:/i.test(url)) {
      // lal takes anything else for RTSP (group__relay_pull.go:216-247); we pull RTMP only.
      this.ctx.logger.info({ url }, 'lal api: start_relay_pull refused, not an rtmp:// url');
      return { error_code: START_RELAY_PULL_FAIL, desp: `only rtmp:// relay pulls are supported. url=${url}`, data: empty };
    }
    const started = this.ctx.relayPulls.start({
      url,
      // lal: absent or "" = the last item of the URL's path (server_manager__api.go:61-70).
      streamName: typeof request['stream_name'] === 'string' ? request['stream_name'] : '',
      timeoutMs: int('pull_timeout_ms', PULL_DEFAULTS.timeoutMs),
      retryNum: int('pull_retry_num', PULL_DEFAULTS.retryNum),
      autoStopAfterNoOutMs: int('auto_stop_pull_after_no_out_ms', PULL_DEFAULTS.autoStopAfterNoOutMs),
    });
    if (!started.ok) {
      this.ctx.logger.info({ url, reason: started.desp }, 'lal api: start_relay_pull refused');
      return { error_code: START_RELAY_PULL_FAIL, desp: started.desp, data: empty };
    }
    const sessionId = lalPullSessionId(started.ordinal);
    this.ctx.logger.info({ url, stream_name: started.streamName, session_id: sessionId }, 'lal api: relay pull started');
    // As lal: answered as soon as the dial starts, so the id exists before the connection does.
    return { ...envelope(ERR.succ), data: { stream_name: started.streamName, session_id: sessionId } };
  }

  /** Query `stream_name` (http_api.go:153-169): without a pull session lal answers 1001 or 1003. */
  private stopRelayPull(query: URLSearchParams): Envelope {
    const name = query.get('stream_name') ?? '';
    const data = { session_id: '' };
    if (name === '') return { ...envelope(ERR.paramMissing), data };
    const stopped = this.ctx.relayPulls.stop(name);
    if (stopped !== undefined) return { ...envelope(ERR.succ), data: { session_id: lalPullSessionId(stopped.ordinal) } };
    return { ...envelope(this.group(name) === undefined ? ERR.groupNotFound : ERR.sessionNotFound), data };
  }

  /** lal finds groups by stream name only (`getGroup("", name)`): the first of that name. */
  private group(name: string): StreamSnapshot | undefined {
    return this.ctx.snapshot().find((group) => group.stream === name);
  }
}

function envelope([code, desp]: readonly [number, string]): Envelope {
  return { error_code: code, desp };
}

/**
 * A JSON object whose `required` keys are present and whose known keys have
 * the Go field's type (a wrong type fails lal's json.Unmarshal: 1002);
 * undefined otherwise.
 */
function jsonObject(body: string | undefined, types: Readonly<Record<string, 'string' | 'int'>>, required: readonly string[]): Record<string, unknown> | undefined {
  if (body === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const object = value as Record<string, unknown>;
  if (!required.every((key) => Object.hasOwn(object, key))) return undefined;
  for (const [key, type] of Object.entries(types)) {
    if (!Object.hasOwn(object, key) || object[key] === null) continue;
    const field = object[key];
    if (type === 'string' ? typeof field !== 'string' : !Number.isInteger(field)) return undefined;
  }
  return object;
}
