import { DEFAULTS } from './defaults.js';
import { childrenNamed, displayText, firstChild, type Directive } from './directive.js';
import type { ClusterConfig, OriginAddress } from './schema.js';
import { NOT_SUPPORTED, type ConfigWarning } from './warning.js';
import { errorAt, invalidValue, isIpv6, originOf, parseChoice, parseOnOff, singleArg, type ValueSource } from './values.js';

const DEFAULT_ORIGIN_PORT = 1935;

/**
 * vhost `cluster { ... }` -> ClusterConfig (srs-wave2-spec §4.1; SRS reads
 * no env for it). What an edge does not do yet is warned:
 * debug_srs_upnode (the generic warning: no `srs_*` connect object is sent),
 * HTTP upstreams (`protocol flv|flvs`, `follow_client`), and the origin
 * cluster (`origin_cluster`, `coworkers`).
 */
export function buildCluster(vhost: Directive): { config: ClusterConfig; warnings: ConfigWarning[] } {
  const blocks = childrenNamed(vhost.children, 'cluster');
  const second = blocks[1];
  if (second !== undefined) throw errorAt(originOf(second), `vhost.cluster only one but count=${blocks.length} of ${displayText(vhost.args[0] ?? '')}`);
  const c = blocks[0]?.children ?? [];
  const d = DEFAULTS.cluster;
  const modeDirective = firstChild(c, 'mode');
  const mode = modeDirective === undefined ? d.mode : parseChoice(singleArg(modeDirective, 'vhost.cluster.mode'), ['local', 'remote'] as const);
  const originDirective = firstChild(c, 'origin');
  const origins = (originDirective?.args ?? []).map((text) => parseOrigin({ key: 'vhost.cluster.origin', text, origin: originOf(originDirective as Directive) }));
  if (mode === 'remote' && origins.length === 0) {
    throw errorAt(originOf(modeDirective as Directive), `vhost.cluster.origin is required for mode remote of ${displayText(vhost.args[0] ?? '')}`);
  }
  const vhostDirective = firstChild(c, 'vhost');
  const traverseDirective = firstChild(c, 'token_traverse');
  const config: ClusterConfig = {
    mode,
    origins,
    vhost: vhostDirective === undefined ? d.vhost : singleArg(vhostDirective, 'vhost.cluster.vhost').text,
    tokenTraverse: traverseDirective === undefined ? false : parseOnOff(singleArg(traverseDirective, 'vhost.cluster.token_traverse')),
  };
  const warnings: ConfigWarning[] = [];
  const warn = (directive: Directive, message: string): void => {
    warnings.push({ file: directive.file, line: directive.line, directive: `vhost.cluster.${directive.name}`, message });
  };
  const switchedOn = (key: string): Directive | undefined => {
    const directive = firstChild(c, key);
    return directive !== undefined && parseOnOff(singleArg(directive, `vhost.cluster.${key}`)) ? directive : undefined;
  };
  const protocol = firstChild(c, 'protocol');
  if (protocol !== undefined && singleArg(protocol, 'vhost.cluster.protocol').text !== 'rtmp') warn(protocol, `${NOT_SUPPORTED} (the edge pulls over RTMP)`);
  const follow = switchedOn('follow_client');
  if (follow !== undefined) warn(follow, `${NOT_SUPPORTED} (the edge pulls over RTMP)`);
  const originCluster = switchedOn('origin_cluster');
  if (originCluster !== undefined) warn(originCluster, NOT_SUPPORTED);
  const coworkers = firstChild(c, 'coworkers');
  if (coworkers !== undefined) warn(coworkers, NOT_SUPPORTED);
  return { config, warnings };
}

/** `host[:port]`, `[v6]:port` (srs_parse_hostport); the port defaults to 1935. */
export function parseOrigin(source: ValueSource): OriginAddress {
  const { text } = source;
  const v6 = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  let host: string;
  let portText: string | undefined;
  if (v6 !== null) {
    host = v6[1] as string;
    portText = v6[2];
    if (!isIpv6(host)) throw invalidValue(source, 'host[:port] with an IPv6 address in [ ]');
  } else {
    const colon = text.lastIndexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    portText = colon === -1 ? undefined : text.slice(colon + 1);
  }
  const port = portText === undefined ? DEFAULT_ORIGIN_PORT : Number(portText);
  if (host === '' || !/^[A-Za-z0-9.\-:]+$/.test(host) || (portText !== undefined && !/^\d{1,5}$/.test(portText)) || port < 1 || port > 65535) {
    throw invalidValue(source, 'host[:port] with a port in 1..65535');
  }
  return { host, port };
}
