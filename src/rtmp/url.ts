import { ProtocolError } from '../errors.js';

/**
 * vhost/app/stream/param resolution from the connect tcUrl and the
 * publish/play stream name, as SRS does it (srs-spec §1.7, §4;
 * `srs_discovery_tc_url`, `srs_protocol_utility.cpp:47-108` in v5+).
 *
 * One deliberate difference: SRS parses twice (at connect, then after
 * identify) and feeds the connect-time param back in, so a token in the tcUrl
 * comes out as `?token=abc?token=abc` (SRS #3930, #4622). SRS fixed that in
 * PR #4708 (v8.0.13) / #4710 (v7.0.156): the tcUrl query is not appended again,
 * and a stream name repeating the tcUrl query yields it once. We resolve once
 * from (tcUrl, stream name), so nothing is re-appended; when both carry a
 * query the stream name's wins, as in SRS v1-v4 (`srs_vhost_resolve`).
 */

/** SRS_CONSTS_RTMP_DEFAULT_VHOST: the vhost unmatched names fall back to. */
export const DEFAULT_VHOST = '__defaultVhost__';

/** SRS_CONSTS_RTMP_DEFAULT_APP: the app of `rtmp://host` and `rtmp://host/`. */
export const DEFAULT_APP = '__defaultApp__';

/** SRS_CONSTS_RTMP_DEFAULT_PORT. */
export const DEFAULT_RTMP_PORT = 1935;

/** Bound on the tcUrl plus the stream name, in characters (SRS has none; tokens such as JWTs stay far below). */
export const MAX_URL_CHARS = 8192;

/** Error code when a tcUrl or stream name cannot be resolved (SRS ERROR_RTMP_REQ_TCURL 2006). */
export const ERR_RTMP_REQ_TCURL = 'ERR_RTMP_REQ_TCURL';

/** What a client asked for: SrsRequest's schema/host/port/vhost/app/stream/param/tcUrl. */
export interface StreamRequest {
  schema: string;
  host: string;
  /** From the tcUrl, else 1935 (443 for https, 80 for http). */
  port: number;
  /** `?vhost=`/`?domain=` of the stream name (wins) or of the tcUrl, else the host; an explicit `__defaultVhost__` is ignored. */
  vhost: string;
  app: string;
  stream: string;
  /** `?a=b` (plus `#fragment`), or `''`. */
  param: string;
  /** The tcUrl exactly as the client sent it. */
  tcUrl: string;
}

/** The parts of a URL that SRS reads (SrsHttpUri over http_parser). */
interface UrlParts {
  schema: string;
  host: string;
  port: number;
  path: string;
  query: string;
  fragment: string;
}

/** One `srs_discovery_tc_url` pass, before strip(). */
interface Discovered {
  schema: string;
  host: string;
  port: number;
  app: string;
  stream: string;
  param: string;
  /** `vhost=` (else `domain=`) of the query, `''` when absent. */
  vhostInQuery: string;
}

/** Resolves the tcUrl of `connect` (stream `''`); throws ProtocolError ERR_RTMP_REQ_TCURL when it has no schema or host. */
export function parseTcUrl(tcUrl: string): StreamRequest {
  const rewritten = prepareTcUrl(tcUrl, '');
  // connect_app runs the discovery with an empty stream, which appends only '/'.
  const found = discover(rewritten + '/', `tcUrl=${tcUrl}`);
  const vhost = firstExplicitVhost(found.vhostInQuery) ?? found.host;
  return finish(tcUrl, found, vhost, dropLoneDefaultVhost(found), found.app, found.stream);
}

/**
 * Resolves vhost/app/stream/param after publish/play (srs-spec §1.7 table,
 * §4). Returns stream `''` when none can be found (SRS then drops the client
 * with ERROR_RTMP_STREAM_NAME_EMPTY after on_connect; the caller decides).
 */
export function resolveStreamRequest(tcUrl: string, streamName: string): StreamRequest {
  const rewritten = prepareTcUrl(tcUrl, streamName);
  const stream = removeWhitespace(streamName);
  const fromTcUrl = discover(rewritten + '/', `tcUrl=${tcUrl}`);
  const hasOwnQuery = /[?#]/.test(stream);
  // Without a query of its own, the stream takes the tcUrl's (the FMLE form
  // rtmp://h/app?k=v + stream). With one, the stream's query replaces the
  // tcUrl's instead of being glued to it (SRS #4622, v1-v4 precedence).
  const base = hasOwnQuery ? cutQuery(rewritten) : rewritten;
  const found = discover(base + joinStream(stream), `tcUrl=${tcUrl}, stream=${streamName}`);
  const vhost = firstExplicitVhost(found.vhostInQuery, hasOwnQuery ? fromTcUrl.vhostInQuery : '') ?? found.host;
  let app = found.app;
  let param = dropLoneDefaultVhost(found);
  let name = found.stream;
  if (name === '') ({ app, param, stream: name } = guessStreamByApp(app, param));
  return finish(tcUrl, found, vhost, param, app, name);
}

/** Bounds the input, strips whitespace and rewrites `...vhost...` to `?vhost=` (an old FMLE form). */
function prepareTcUrl(tcUrl: string, streamName: string): string {
  if (tcUrl.length + streamName.length > MAX_URL_CHARS) {
    throw new ProtocolError(ERR_RTMP_REQ_TCURL, `tcUrl and stream name longer than ${MAX_URL_CHARS} characters`);
  }
  return removeWhitespace(tcUrl).replaceAll('...vhost...', '?vhost=');
}

/**
 * SrsRequest::strip removes these from names. We remove them before parsing
 * too: http_parser rejects a space, so SRS would skip the parse and keep
 * half-resolved names; a stray space or CR from a typed URL should not do that.
 */
function removeWhitespace(text: string): string {
  return text.replace(/[ \n\r\t]/g, '');
}

function cutQuery(url: string): string {
  const at = url.search(/[?#]/);
  return at === -1 ? url : url.slice(0, at);
}

function joinStream(stream: string): string {
  if (stream === '') return '/';
  return stream.startsWith('/') ? stream : '/' + stream;
}

/** The first vhost that is present and not the explicit default (which SRS ignores). */
function firstExplicitVhost(...candidates: string[]): string | undefined {
  return candidates.find((name) => name !== '' && name !== DEFAULT_VHOST);
}

/** SRS: "Only one param, the default vhost, clear it." */
function dropLoneDefaultVhost(found: Discovered): string {
  return !found.param.includes('&') && found.vhostInQuery === DEFAULT_VHOST ? '' : found.param;
}

/** srs_guess_stream_by_app: `rtmp://h/live/livestream` played with an empty name plays `livestream`. */
function guessStreamByApp(app: string, param: string): { app: string; param: string; stream: string } {
  const slash = app.indexOf('/');
  if (slash !== -1) {
    let stream = app.slice(slash + 1);
    const query = stream.indexOf('?');
    if (query === -1) return { app: app.slice(0, slash), param, stream };
    const guessedParam = stream.slice(query);
    stream = stream.slice(0, query);
    return { app: app.slice(0, slash), param: guessedParam, stream };
  }
  const inParam = param.indexOf('/');
  if (inParam !== -1) return { app, param: param.slice(0, inParam), stream: param.slice(inParam + 1) };
  return { app, param, stream: '' };
}

/** SrsRequest::strip plus the ERROR_RTMP_REQ_TCURL check of `stream_service_cycle`. */
function finish(tcUrl: string, found: Discovered, vhost: string, param: string, app: string, stream: string): StreamRequest {
  const request: StreamRequest = {
    schema: found.schema,
    host: found.host.replace(/\//g, ''),
    port: found.port,
    vhost: vhost.replace(/\//g, ''),
    app: trimSlashes(app),
    stream: trimSlashes(stream),
    param,
    tcUrl,
  };
  if (request.schema === '' || request.vhost === '' || request.app === '') {
    throw new ProtocolError(ERR_RTMP_REQ_TCURL, `discovery tcUrl failed, tcUrl=${tcUrl}, app=${request.app}`);
  }
  return request;
}

function trimSlashes(name: string): string {
  let start = 0;
  let end = name.length;
  while (start < end && name.charCodeAt(start) === 0x2f) start++;
  while (end > start && name.charCodeAt(end - 1) === 0x2f) end--;
  return name.slice(start, end);
}

/** srs_discovery_tc_url on the already joined URL (tcUrl + '/' + stream); `source` names the input in errors. */
function discover(joined: string, source: string): Discovered {
  let url = joined;
  // FMLE puts the query before the stream: rtmp://ip/app?k=v/stream becomes
  // rtmp://ip/app/stream?k=v (everything from the first '?'/'#' to the last '/').
  const query = url.search(/[?#]/);
  const slash = url.lastIndexOf('/');
  if (query !== -1 && slash !== -1 && query < slash) {
    url = url.slice(0, query) + url.slice(slash) + url.slice(query, slash);
  }
  // FMLE's rtmp://ip/app/_definst_/stream; SRS removes every occurrence.
  url = url.replaceAll('/_definst_', '');
  const parts = parseUrl(url);
  if (parts === undefined) throw new ProtocolError(ERR_RTMP_REQ_TCURL, `invalid rtmp url, ${source}`);
  let app = dirname(parts.path);
  if (app.startsWith('/')) app = app.slice(1);
  if (app === '') app = DEFAULT_APP;
  const vhostInQuery = queryValue(parts.query, 'vhost') || queryValue(parts.query, 'domain');
  return {
    schema: parts.schema,
    host: parts.host,
    port: parts.port,
    app,
    stream: basename(parts.path),
    param: (parts.query === '' ? '' : '?' + parts.query) + (parts.fragment === '' ? '' : '#' + parts.fragment),
    vhostInQuery,
  };
}

/** srs_path_dirname: "./" without a slash, "/" for a root path. */
function dirname(path: string): string {
  const at = path.lastIndexOf('/');
  if (at === -1) return './';
  if (at === 0) return '/';
  return path.slice(0, at);
}

/** srs_path_basename: basename("/") is "/". */
function basename(path: string): string {
  const at = path.lastIndexOf('/');
  if (at === -1 || path.length === 1) return path;
  return path.slice(at + 1);
}

/**
 * SrsHttpUri::get_query_by_key: when the query holds a second '?', only the
 * text after it counts (parse_query); it is cut at `= , && & ;` and the pieces
 * are paired in order (srs_parse_query_string), the last pair for a key wins.
 */
function queryValue(query: string, key: string): string {
  const second = query.indexOf('?');
  const pieces = (second === -1 ? query : query.slice(second + 1)).split(/&&|[=,&;]/);
  let value = '';
  for (let i = 0; i < pieces.length; i += 2) {
    if (pieces[i] === key) value = pieces[i + 1] ?? '';
  }
  return value;
}

/** The default port per schema (SrsHttpUri; SRS gives other schemas 80, we keep RTMP's 1935 for rtmps/rtmpt...). */
function defaultPort(schema: string): number {
  const lower = schema.toLowerCase();
  if (lower === 'https') return 443;
  if (lower === 'http') return 80;
  return DEFAULT_RTMP_PORT;
}

// http_parser's URL classes, non-strict mode as SRS builds it.
const USERINFO_CHARS = /^[A-Za-z0-9\-_.!~*'()%;:&=+$,]*$/;
const HOST_NAME = /^[A-Za-z0-9._-]+$/;
const IPV6_HOST = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9%._~-]+)?$/;
const AUTHORITY_CHARS = /^[A-Za-z0-9\-_.!~*'()%;:&=+$,[\]@]*$/;
// Path, query and fragment: visible ASCII, TAB, FF, and anything >= 0x80.
const URL_CHARS = /^[\t\f\x21-\x7e\u0080-\uffff]*$/;

/** `schema://[userinfo@]host[:port][/path][?query][#fragment]` as http_parser_parse_url accepts it. */
function parseUrl(url: string): UrlParts | undefined {
  const schema = /^[A-Za-z]+:\/\//.exec(url);
  // Path-only URLs parse in http_parser but have no schema, which SRS rejects.
  if (schema === null) return undefined;
  const rest = url.slice(schema[0].length);
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
  if (!AUTHORITY_CHARS.test(authority) || !URL_CHARS.test(tail)) return undefined;
  const hostPort = splitAuthority(authority);
  if (hostPort === undefined) return undefined;
  const fragmentAt = tail.indexOf('#');
  const beforeFragment = fragmentAt === -1 ? tail : tail.slice(0, fragmentAt);
  const queryAt = beforeFragment.indexOf('?');
  return {
    schema: schema[0].slice(0, -3),
    host: hostPort.host,
    port: hostPort.port > 0 ? hostPort.port : defaultPort(schema[0].slice(0, -3)),
    path: queryAt === -1 ? beforeFragment : beforeFragment.slice(0, queryAt),
    query: queryAt === -1 ? '' : beforeFragment.slice(queryAt + 1),
    fragment: fragmentAt === -1 ? '' : tail.slice(fragmentAt + 1),
  };
}

/** http_parse_host: optional userinfo, a name or a bracketed IPv6 address, an optional port <= 65535. */
function splitAuthority(authority: string): { host: string; port: number } | undefined {
  const at = authority.indexOf('@');
  if (at !== -1 && !USERINFO_CHARS.test(authority.slice(0, at))) return undefined;
  const hostPort = at === -1 ? authority : authority.slice(at + 1);
  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close === -1) return undefined;
    host = hostPort.slice(1, close);
    if (!IPV6_HOST.test(host)) return undefined;
    const after = hostPort.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return undefined;
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = hostPort.indexOf(':');
    host = colon === -1 ? hostPort : hostPort.slice(0, colon);
    if (!HOST_NAME.test(host)) return undefined;
    portText = colon === -1 ? undefined : hostPort.slice(colon + 1);
  }
  if (portText === undefined) return { host, port: 0 };
  if (!/^\d+$/.test(portText)) return undefined;
  const port = Number(portText);
  return port > 0xffff ? undefined : { host, port };
}
