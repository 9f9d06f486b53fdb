import { ConfigError } from '../errors.js';
import { ConfigErrorCode } from './codes.js';
import { displayText, type Directive } from './directive.js';
import { EXTENSIONS, HONOURED, SRS_KNOWN, type KnownBlock } from './known-directives.js';
import { NO_EFFECT_TCP_NODELAY, NOT_SUPPORTED, type ConfigWarning } from './warning.js';

/**
 * The name check SRS runs at start, on reload and for `srs -t`
 * (check_normal_config): a name SRS does not know is an error
 * (`illegal directive foo`, `illegal vhost.play.foo of <vhost>`); a name
 * SRS knows that we do not implement is exactly one warning (children of an
 * ignored block are still name-checked, but not warned about again); a
 * second copy of a single-valued directive we honour is a warning (SRS reads
 * the first and silently ignores the rest).
 */

/** Directives that may appear several times in one block and are all read. */
const REPEATABLE: ReadonlySet<string> = new Set([
  'listen', 'vhost', 'hooks.script', 'hooks.webhook', 'vhost.security.allow', 'vhost.security.deny', 'http_server.listen', 'http_server.trusted_proxies',
]);

/** Checks names over the (legacy-rewritten) root; throws ConfigError on the first unknown name. */
export function checkDirectiveNames(root: readonly Directive[]): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  walk(root, { known: SRS_KNOWN, extension: EXTENSIONS, honoured: HONOURED, path: [], vhost: undefined }, warnings);
  return warnings;
}

interface Scope {
  /** SRS's knowledge of this block's children; null = SRS does not check them. */
  readonly known: KnownBlock | null;
  /** Our extension names for this block, if any. */
  readonly extension: KnownBlock | null | undefined;
  /** What we honour here; null = all, undefined = the block itself is ignored (already warned). */
  readonly honoured: KnownBlock | null | undefined;
  readonly path: readonly string[];
  readonly vhost: string | undefined;
}

function walk(children: readonly Directive[], scope: Scope, warnings: ConfigWarning[]): void {
  const firstLines = new Map<string, number>();
  for (const child of children) {
    const { name } = child;
    const srsKnows = scope.known === null || Object.hasOwn(scope.known, name);
    const extended = scope.extension !== null && scope.extension !== undefined && Object.hasOwn(scope.extension, name);
    if (!srsKnows && !extended) throw illegal(child, scope);
    const path = [...scope.path, name];
    const dotted = path.join('.');
    // A name only we define is ours, so honoured; EXTENSIONS.vhost merely extends SRS's vhost.
    const honoured = honouredChild(scope.honoured, name, !srsKnows);
    if (scope.honoured !== undefined && honoured === undefined) {
      warnings.push({ file: child.file, line: child.line, directive: dotted, message: unsupportedMessage(dotted, child) });
    }
    if (honoured !== undefined && !REPEATABLE.has(dotted)) {
      const first = firstLines.get(name);
      if (first === undefined) firstLines.set(name, child.line);
      else warnings.push({ file: child.file, line: child.line, directive: dotted, message: `duplicate, the first (line ${first}) wins` });
    }
    const srsChild = scope.known === null ? null : (scope.known[name] ?? null);
    walk(child.children, {
      // A name only we define is checked against our own list (e.g. `hooks { ... }`).
      known: srsKnows ? srsChild : (childOf(scope.extension, name) ?? null),
      extension: srsKnows ? childOf(scope.extension, name) : undefined,
      honoured,
      path,
      vhost: name === 'vhost' && scope.path.length === 0 ? (child.args[0] ?? '') : scope.vhost,
    }, warnings);
  }
}

/** Whether we act on the directive at this path (`['vhost', 'play', 'gop_cache']`). */
export function isHonouredPath(path: readonly string[]): boolean {
  let honoured: KnownBlock | null | undefined = HONOURED;
  let known: KnownBlock | null = SRS_KNOWN;
  for (const name of path) {
    const oursOnly = known !== null && !Object.hasOwn(known, name);
    honoured = honouredChild(honoured, name, oursOnly);
    if (honoured === undefined) return false;
    known = known === null ? null : (known[name] ?? null);
  }
  return true;
}

/** The honoured sub-spec of a child: undefined = not honoured. */
function honouredChild(honoured: KnownBlock | null | undefined, name: string, oursOnly: boolean): KnownBlock | null | undefined {
  if (honoured === undefined) return undefined;
  if (honoured === null || oursOnly) return null;
  if (!Object.hasOwn(honoured, name)) return undefined;
  return honoured[name] ?? null;
}

function childOf(block: KnownBlock | null | undefined, name: string): KnownBlock | null | undefined {
  if (block === null || block === undefined || !Object.hasOwn(block, name)) return undefined;
  return block[name] ?? null;
}

function unsupportedMessage(dotted: string, directive: Directive): string {
  // SRS refuses full.conf (`never use full.conf`); we read it, so say why it is odd.
  if (dotted === 'is_full') return `${NOT_SUPPORTED} (SRS refuses a config with is_full ${directive.args[0] ?? ''}: it marks the full.conf reference)`;
  // SRS sets TCP_NODELAY only with `tcp_nodelay on` (SrsRtmpConn::set_sock_options, srs_app_rtmp_conn.cpp:1305); our RTMP sockets always have it.
  if (dotted === 'vhost.tcp_nodelay') return NO_EFFECT_TCP_NODELAY;
  return NOT_SUPPORTED;
}

/** SRS's wording: `illegal directive x`, `illegal http_api.x`, `illegal vhost.x`, `illegal vhost.play.x of <vhost>`. */
function illegal(directive: Directive, scope: Scope): ConfigError {
  const name = displayText(directive.name);
  let message: string;
  if (scope.path.length === 0) message = `illegal directive ${name}`;
  else if (scope.path[0] === 'vhost' && scope.path.length >= 2) message = `illegal ${scope.path.join('.')}.${name} of ${displayText(scope.vhost ?? '')}`;
  else message = `illegal ${scope.path.join('.')}.${name}`;
  if (directive.name.startsWith('\ufeff')) message += ' (the file starts with a UTF-8 byte order mark; save it without BOM)';
  return new ConfigError(message, { file: directive.file, line: directive.line, code: ConfigErrorCode.Invalid });
}
