import { isHonouredPath } from './check.js';
import type { Directive } from './directive.js';
import { NOT_SUPPORTED, type ConfigWarning } from './warning.js';

/**
 * SRS's legacy forms, rewritten the way SRS does before it checks anything
 * (srs-spec §3.1 end; SRS `srs_config_transform_vhost`,
 * srs_app_config.cpp:350-660). Like SRS's `get_or_create`, a legacy value
 * goes into the FIRST existing block of that name (even one written after
 * it), replacing the args of that block's first child of the same name.
 * Each rewrite becomes one warning so the operator can modernise (see
 * legacyWarnings); what a rewrite creates carries the legacy line.
 */

/** One legacy form and the SRS3+ path it was read as. */
export interface LegacyRewrite {
  readonly file: string;
  readonly line: number;
  /** What the file says, e.g. `vhost.gop_cache`. */
  readonly from: string;
  /** Where SRS reads it, e.g. `vhost.play.gop_cache`. */
  readonly to: string;
}

/** A directive under construction: same shape as Directive, but ours to change. */
interface Draft {
  name: string;
  args: string[];
  children: Draft[];
  line: number;
  file: string;
  block: boolean;
}

/** vhost-level names SRS3 moved into `play {}` (transform :590-603). */
const PLAY_SHADOWS: ReadonlySet<string> = new Set(['time_jitter', 'mix_correct', 'atc', 'atc_auto', 'mw_latency', 'gop_cache', 'gop_cache_max_frames', 'queue_length', 'send_min_interval', 'reduce_sequence_header']);
/** vhost-level names SRS3 moved into `cluster {}` (transform :624-637). */
const CLUSTER_SHADOWS: ReadonlySet<string> = new Set(['mode', 'origin', 'token_traverse', 'vhost', 'debug_srs_upnode']);
/** vhost-level timeouts SRS3 moved into `publish {}` (transform :556-586). */
const PUBLISH_RENAMES: Readonly<Record<string, string>> = { publish_1stpkt_timeout: 'firstpkt_timeout', publish_normal_timeout: 'normal_timeout' };
/** SRS1/2 refer forms (transform :476-505). */
const REFER_RENAMES: Readonly<Record<string, string>> = { refer: 'all', refer_play: 'play', refer_publish: 'publish' };

/** Rewrites legacy forms in the root directives; returns new trees and what was rewritten. */
export function rewriteLegacy(root: readonly Directive[]): { directives: Directive[]; rewrites: LegacyRewrite[] } {
  const warnings: LegacyRewrite[] = [];
  const directives = root.map((directive): Directive => {
    if (directive.name === 'http_stream') {
      warnings.push(legacyWarning(directive, 'http_stream', 'http_server'));
      return { ...directive, name: 'http_server' };
    }
    if (directive.name !== 'vhost') return directive;
    return rewriteVhost(toDraft(directive), warnings);
  });
  return { directives, rewrites: warnings };
}

/**
 * One warning per legacy form: "read as X" when we honour X, else "not
 * supported, ignored" naming X. The name check's own warnings for what the
 * rewrite created (same file and line, under X's block) are dropped as repeats.
 */
export function legacyWarnings(rewrites: readonly LegacyRewrite[], checkWarnings: readonly ConfigWarning[]): ConfigWarning[] {
  const covers = (rewrite: LegacyRewrite, warning: ConfigWarning): boolean => {
    const dot = rewrite.to.lastIndexOf('.');
    const block = dot === -1 ? undefined : rewrite.to.slice(0, dot);
    const within = `${rewrite.to}.`.startsWith(`${warning.directive}.`) || (block !== undefined && warning.directive.startsWith(`${block}.`));
    return warning.file === rewrite.file && warning.line === rewrite.line && within;
  };
  const own = rewrites.map((rewrite): ConfigWarning => ({
    file: rewrite.file,
    line: rewrite.line,
    directive: rewrite.from,
    message: isHonouredPath(rewrite.to.split('.')) ? `legacy SRS form, read as ${rewrite.to}` : `${NOT_SUPPORTED} (legacy SRS form of ${rewrite.to})`,
  }));
  const rest = checkWarnings.filter((warning) => !rewrites.some((rewrite) => covers(rewrite, warning)));
  return [...own, ...rest];
}

function rewriteVhost(vhost: Draft, warnings: LegacyRewrite[]): Draft {
  const legacy = vhost.children.filter((child) => isLegacy(child));
  for (const old of legacy) {
    vhost.children.splice(vhost.children.indexOf(old), 1);
    const { name } = old;
    if (name in REFER_RENAMES) {
      const refer = blockOf(vhost, 'refer', old);
      if (refer.children.find((child) => child.name === 'enabled') === undefined) refer.children.push(leaf('enabled', ['on'], old));
      setChild(refer, REFER_RENAMES[name] as string, old.args, old);
      warnings.push(legacyWarning(old, `vhost.${name}`, `vhost.refer.${REFER_RENAMES[name] as string}`));
    } else if (name === 'mr') {
      const publish = blockOf(vhost, 'publish', old);
      for (const [from, to] of [['enabled', 'mr'], ['latency', 'mr_latency']] as const) {
        const value = old.children.find((child) => child.name === from);
        if (value !== undefined) setChild(publish, to, value.args, old);
      }
      warnings.push(legacyWarning(old, 'vhost.mr', 'vhost.publish.mr'));
    } else if (name in PUBLISH_RENAMES) {
      setChild(blockOf(vhost, 'publish', old), PUBLISH_RENAMES[name] as string, old.args, old);
      warnings.push(legacyWarning(old, `vhost.${name}`, `vhost.publish.${PUBLISH_RENAMES[name] as string}`));
    } else if (PLAY_SHADOWS.has(name)) {
      setChild(blockOf(vhost, 'play', old), name, old.args, old);
      warnings.push(legacyWarning(old, `vhost.${name}`, `vhost.play.${name}`));
    } else if (CLUSTER_SHADOWS.has(name)) {
      setChild(blockOf(vhost, 'cluster', old), name, old.args, old);
      warnings.push(legacyWarning(old, `vhost.${name}`, `vhost.cluster.${name}`));
    } else {
      // nack {enabled; no_copy} / twcc {enabled} -> rtc {nack; nack_no_copy; twcc} (transform :639-666).
      const rtc = blockOf(vhost, 'rtc', old);
      const pairs = name === 'nack' ? ([['enabled', 'nack'], ['no_copy', 'nack_no_copy']] as const) : ([['enabled', 'twcc']] as const);
      for (const [from, to] of pairs) {
        const value = old.children.find((child) => child.name === from);
        if (value !== undefined) setChild(rtc, to, value.args, old);
      }
      warnings.push(legacyWarning(old, `vhost.${name}`, `vhost.rtc.${name}`));
    }
  }
  for (const [index, child] of vhost.children.entries()) {
    if (child.name === 'http') {
      // SRS1 `http {}` is SRS2+ `http_static {}`.
      vhost.children[index] = { ...child, name: 'http_static' };
      warnings.push(legacyWarning(child, 'vhost.http', 'vhost.http_static'));
    } else if (child.name === 'forward' && child.children.length === 0 && child.args.length > 0) {
      // SRS1/2 `forward a b;` is `forward { enabled on; destination a b; }`.
      vhost.children[index] = { ...child, args: [], block: true, children: [leaf('enabled', ['on'], child), leaf('destination', child.args, child)] };
      warnings.push(legacyWarning(child, 'vhost.forward', 'vhost.forward.destination'));
    }
  }
  return vhost;
}

function isLegacy(child: Draft): boolean {
  const { name } = child;
  // `refer a b;` is legacy; `refer { ... }` is the SRS3+ block (SRS also rewrites an empty `refer {}`; we keep it a block).
  if (name === 'refer') return !child.block && child.children.length === 0;
  return name in REFER_RENAMES || name === 'mr' || name in PUBLISH_RENAMES || PLAY_SHADOWS.has(name) || CLUSTER_SHADOWS.has(name) || name === 'nack' || name === 'twcc';
}

/** SRS get_or_create(name): the first child block of that name, else a new one at the end. */
function blockOf(parent: Draft, name: string, at: Draft): Draft {
  const found = parent.children.find((child) => child.name === name);
  if (found !== undefined) return found;
  const created: Draft = { name, args: [], children: [], line: at.line, file: at.file, block: true };
  parent.children.push(created);
  return created;
}

/** SRS `get_or_create(name)->args = args`: replaces the first child's args, else appends. */
function setChild(parent: Draft, name: string, args: readonly string[], at: Draft): void {
  const index = parent.children.findIndex((child) => child.name === name);
  const replacement = leaf(name, args, at);
  if (index === -1) parent.children.push(replacement);
  else parent.children[index] = replacement;
}

function leaf(name: string, args: readonly string[], at: Draft): Draft {
  return { name, args: [...args], children: [], line: at.line, file: at.file, block: false };
}

function toDraft(directive: Directive): Draft {
  return { ...directive, args: [...directive.args], children: directive.children.map(toDraft) };
}

function legacyWarning(at: { file: string; line: number }, from: string, to: string): LegacyRewrite {
  return { file: at.file, line: at.line, from, to };
}
