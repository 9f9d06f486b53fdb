/**
 * SRS's CORS answer (srs_protocol_http_stack.cpp SrsHttpCorsMux, v6.0.13+),
 * sent when `http_server.crossdomain` is on and the request has `Origin`.
 * SRS sends `Access-Control-Request-Private-Network` (a request header's
 * name) by mistake (srs-wave2-spec §6.10); we send the response header the
 * Private Network Access draft defines.
 */
const CROSSDOMAIN_HEADERS: readonly (readonly [string, string])[] = Object.freeze([
  ['Access-Control-Allow-Origin', '*'],
  ['Access-Control-Allow-Headers', '*'],
  ['Access-Control-Allow-Methods', '*'],
  ['Access-Control-Expose-Headers', '*'],
  ['Access-Control-Allow-Credentials', 'false'],
  ['Access-Control-Allow-Private-Network', 'true'],
] as const);

export function crossdomainHeaders(): readonly (readonly [string, string])[] {
  return CROSSDOMAIN_HEADERS;
}
