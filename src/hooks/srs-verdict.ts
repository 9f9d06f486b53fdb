import { parseSrsJson } from './srs-json.js';

/**
 * Whether one http_hooks response lets the client in: SRS `do_post`
 * (srs_app_http_hooks.cpp, HEAD) step by step, srs-spec §1.4. The reasons are
 * short and never quote the body or the URL: they may reach the client.
 */
export type SrsVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: SrsVerdict = Object.freeze({ ok: true });

/** SRS_HTTP_RESPONSE_OK: a non-object answer passes only when the raw body is this one byte. */
const RAW_OK = 0x30; // '0'

/** Stateless without `stream: true`: one decoder serves every call. */
const UTF8 = new TextDecoder('utf-8');

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
  return OK;
}
