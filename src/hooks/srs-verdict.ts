import type { GateControl } from './events.js';
import { parseSrsJson, type SrsJsonValue } from './srs-json.js';

/**
 * Whether one http_hooks response lets the client in: SRS `do_post`
 * (srs_app_http_hooks.cpp, HEAD) step by step, srs-spec §1.4. The reasons are
 * short and never quote the body or the URL: they may reach the client.
 *
 * Our extension (issue 17 "control from the answer"): an allowing object
 * answer may carry `data` SRS ignores, `{"code":0,"data":{"stream":"s2",
 * "redirect":"rtmp://h/app","max_duration":60}}`; each field it understands
 * becomes a `GateControl`. A field of the wrong type is named in `ignored`
 * (the sink logs it) and the allow stands, so an answer SRS accepts is never
 * refused here.
 */
export type SrsVerdict =
  | { readonly ok: true; readonly control?: GateControl; readonly ignored?: readonly string[] }
  | { readonly ok: false; readonly reason: string };

const OK: SrsVerdict = Object.freeze({ ok: true });

/** SRS_HTTP_RESPONSE_OK: a non-object answer passes only when the raw body is this one byte. */
const RAW_OK = 0x30; // '0'

/** Stateless without `stream: true`: one decoder serves every call. */
const UTF8 = new TextDecoder('utf-8');

/** A renamed stream is a plain name: no path, no query, nothing a URL or a file path would split. */
const STREAM_NAME = /^[A-Za-z0-9._~-]{1,256}$/;
/** Where an RTMP client can be sent. */
const REDIRECT_URL = /^rtmps?:\/\/[^\s/]+\/\S+$/;
/** Above this a timer overflows (setTimeout's 2^31-1 ms): ~24 days. */
const MAX_DURATION_SEC = Math.floor((2 ** 31 - 1) / 1000);

/** Judges `status` + raw `body` exactly as SRS HEAD does (the §1.4 table is the test table). */
export function judgeSrsResponse(status: number, body: Uint8Array): SrsVerdict {
  // v3+ accept 200 or 201; 3xx are never followed (issue #2703).
  if (status !== 200 && status !== 201) return { ok: false, reason: `http status ${status}` };
  if (body.length === 0) return { ok: false, reason: 'empty response' };
  // The usual answer: `0` parses as a non-object whose raw body is exactly RAW_OK (below).
  if (body.length === 1 && body[0] === RAW_OK) return OK;
  const value = parseSrsJson(UTF8.decode(body));
  if (value === undefined) return { ok: false, reason: 'not json' };
  if (value.kind !== 'object') {
    // String compare, so `"0"` (issue #2092), `0\n`, `-0`, `0.0` all fail.
    return body.length === 1 && body[0] === RAW_OK ? OK : { ok: false, reason: 'response is not 0' };
  }
  const code = value.members.get('code');
  if (code === undefined || code.kind !== 'integer') return { ok: false, reason: 'response object has no integer code' };
  if (code.value !== 0n) return { ok: false, reason: `response code ${code.value}` };
  const data = value.members.get('data');
  // Absent or null: SRS's own answers; nothing to do.
  if (data === undefined || data.kind === 'null') return OK;
  return controlOf(data);
}

/** The `data` of an allowing answer as session control; what does not fit is named and left out. */
function controlOf(data: SrsJsonValue): SrsVerdict {
  if (data.kind !== 'object') return { ok: true, ignored: [`data is ${data.kind}, not an object`] };
  const control: { stream?: string; redirect?: string; maxDurationSec?: number } = {};
  const ignored: string[] = [];
  const stream = data.members.get('stream');
  if (stream !== undefined) {
    if (stream.kind === 'string' && STREAM_NAME.test(stream.value)) control.stream = stream.value;
    else ignored.push('data.stream is not a stream name');
  }
  const redirect = data.members.get('redirect');
  if (redirect !== undefined) {
    if (redirect.kind === 'string' && REDIRECT_URL.test(redirect.value)) control.redirect = redirect.value;
    else ignored.push('data.redirect is not an rtmp:// url');
  }
  const maxDuration = data.members.get('max_duration');
  if (maxDuration !== undefined) {
    const seconds = maxDuration.kind === 'integer' ? Number(maxDuration.value) : maxDuration.kind === 'double' ? maxDuration.value : Number.NaN;
    if (seconds > 0 && seconds <= MAX_DURATION_SEC) control.maxDurationSec = seconds;
    else ignored.push('data.max_duration is not a number of seconds in (0, 2147483]');
  }
  const hasControl = control.stream !== undefined || control.redirect !== undefined || control.maxDurationSec !== undefined;
  if (!hasControl && ignored.length === 0) return OK;
  return { ok: true, ...(hasControl ? { control } : {}), ...(ignored.length > 0 ? { ignored } : {}) };
}
