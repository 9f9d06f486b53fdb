/**
 * The directive tree SRS calls `SrsConfDirective`: what the parser produces
 * and what `build.ts` reads. Pure data plus the few helpers the grammar's
 * postprocessors and the builders share. Directive trees never leave config/.
 */

/** One `name arg* ;` or `name arg* { ... }` statement, with where it was written. */
export interface Directive {
  readonly name: string;
  readonly args: readonly string[];
  readonly children: readonly Directive[];
  /** 1-based line of the directive's first token in `file` (SRS `conf_line`). */
  readonly line: number;
  /** The file the directive was read from (an included file for spliced directives). */
  readonly file: string;
  /** Written with `{ ... }` rather than `;` (SRS does not care; our messages do). */
  readonly block: boolean;
}

/** A word token as the token stream hands it to the grammar. */
export interface WordToken {
  readonly type: 'word';
  readonly value: string;
  readonly line: number;
  readonly col: number;
  /** The file being parsed: tokens carry it so the grammar needs no per-parse state. */
  readonly file: string;
}

/**
 * A cons list the grammar grows one statement at a time. Appending to an
 * array in a left-recursive Earley rule would copy it on every step
 * (O(n²) for n directives); a cons cell is O(1) and is flattened once per block.
 */
export interface DirectiveList {
  readonly head: DirectiveList | undefined;
  readonly item: Directive;
}

/** Grammar helper: the list with one more statement. */
export function appendDirective(list: DirectiveList | undefined, item: Directive): DirectiveList {
  return { head: list, item };
}

/** Grammar helper: the statements of a list, in source order. */
export function directivesOf(list: DirectiveList | undefined): Directive[] {
  const out: Directive[] = [];
  for (let cell = list; cell !== undefined; cell = cell.head) out.push(cell.item);
  return out.reverse();
}

/** Grammar helper: a word list grown one token at a time (same reason as DirectiveList). */
export interface WordList {
  readonly head: WordList | undefined;
  readonly word: WordToken;
}

/** Grammar helper: the list with one more word. */
export function appendWord(list: WordList | undefined, word: WordToken): WordList {
  return { head: list, word };
}

/** Grammar helper: builds a directive from its words and optional block body. */
export function makeDirective(words: WordList, body: DirectiveList | undefined, block: boolean): Directive {
  const tokens: WordToken[] = [];
  for (let cell: WordList | undefined = words; cell !== undefined; cell = cell.head) tokens.push(cell.word);
  tokens.reverse();
  const first = tokens[0] as WordToken;
  return {
    name: first.value,
    args: tokens.slice(1).map((token) => token.value),
    children: directivesOf(body),
    line: first.line,
    file: first.file,
    block,
  };
}

/** SRS `SrsConfDirective::get`: the first child with this name (first wins). */
export function firstChild(parent: readonly Directive[], name: string): Directive | undefined {
  return parent.find((child) => child.name === name);
}

/** Every child with this name, in order (for repeatable directives such as `listen`). */
export function childrenNamed(parent: readonly Directive[], name: string): Directive[] {
  return parent.filter((child) => child.name === name);
}

/** A copy of `directive` with some fields replaced (trees are immutable). */
export function withDirective(directive: Directive, changes: Partial<Directive>): Directive {
  return { ...directive, ...changes };
}

/**
 * Renders a name or value for an error message: as is when printable,
 * else JSON-quoted with invisible characters escaped (a BOM shows as
 * `\ufeff`), cut to `maxChars`.
 */
export function displayText(text: string, maxChars = 64): string {
  const cut = text.length > maxChars ? `${text.slice(0, maxChars)}...` : text;
  if (cut !== '' && !INVISIBLE.test(cut)) return cut;
  return JSON.stringify(cut).replace(INVISIBLE_ALL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// Spaces, controls, the BOM and U+FFFD (invalid UTF-8): characters a reader cannot see or tell apart.
const INVISIBLE = /[\s\x00-\x1f\x7f-\x9f\ufeff\ufffd]/;
const INVISIBLE_ALL = /[\x7f-\x9f\ufeff\ufffd]/g;
