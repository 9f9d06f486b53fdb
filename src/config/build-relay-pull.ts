import { ConfigError } from '../errors.js';
import { parseOrigin } from './build-cluster.js';
import { ConfigErrorCode } from './codes.js';
import { firstChild, type Directive } from './directive.js';
import type { StaticRelayPullConfig } from './schema.js';
import { parseOnOff, singleArg } from './values.js';

/** Our `static_relay_pull { enabled on; addr host:port; }` (lal's static_relay_pull); enabled without addr names the block's line. */
export function buildStaticRelayPull(root: readonly Directive[]): StaticRelayPullConfig {
  const block = firstChild(root, 'static_relay_pull');
  const c = block?.children ?? [];
  const enabledDirective = firstChild(c, 'enabled');
  const addrDirective = firstChild(c, 'addr');
  const enabled = enabledDirective === undefined ? false : parseOnOff(singleArg(enabledDirective, 'static_relay_pull.enabled'));
  const addr = addrDirective === undefined ? undefined : parseOrigin(singleArg(addrDirective, 'static_relay_pull.addr'));
  if (enabled && addr === undefined && block !== undefined) {
    throw new ConfigError('static_relay_pull is enabled without an addr', { file: block.file, line: block.line, code: ConfigErrorCode.Invalid });
  }
  return { enabled, addr };
}
