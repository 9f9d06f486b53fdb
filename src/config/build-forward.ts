import { parseOrigin } from './build-cluster.js';
import { DEFAULTS } from './defaults.js';
import { childrenNamed, displayText, firstChild, type Directive } from './directive.js';
import type { ForwardConfig } from './schema.js';
import { NOT_SUPPORTED, type ConfigWarning } from './warning.js';
import { errorAt, originOf, parseOnOff, singleArg } from './values.js';

/**
 * vhost `forward { enabled; destination host[:port] ...; }` (srs-wave2-spec
 * §4.6; SRS's legacy `forward a b;` is rewritten to it before this). The
 * `backend` (asking an HTTP server where to forward) is warned.
 */
export function buildForward(vhost: Directive): { config: ForwardConfig; warnings: ConfigWarning[] } {
  const blocks = childrenNamed(vhost.children, 'forward');
  const second = blocks[1];
  if (second !== undefined) throw errorAt(originOf(second), `vhost.forward only one but count=${blocks.length} of ${displayText(vhost.args[0] ?? '')}`);
  const c = blocks[0]?.children ?? [];
  const enabled = firstChild(c, 'enabled');
  const destination = firstChild(c, 'destination');
  const config: ForwardConfig = {
    enabled: enabled === undefined ? DEFAULTS.forward.enabled : parseOnOff(singleArg(enabled, 'vhost.forward.enabled')),
    destinations: (destination?.args ?? []).map((text) => parseOrigin({ key: 'vhost.forward.destination', text, origin: originOf(destination as Directive) })),
  };
  const warnings: ConfigWarning[] = [];
  const backend = firstChild(c, 'backend');
  if (backend !== undefined) warnings.push({ file: backend.file, line: backend.line, directive: 'vhost.forward.backend', message: `${NOT_SUPPORTED} (destination is used)` });
  return { config, warnings };
}
