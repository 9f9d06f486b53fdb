import moo from 'moo';

/**
 * The raw moo tokens of SRS's config language (srs-spec §3.1, SRS
 * `SrsConfDirective::read_token`, itself nginx's `ngx_conf_read_token`).
 * The rules that depend on what came before (one-line rule, quote followed
 * by a separator, empty "" dropped) are enforced by token-stream.ts.
 *
 * - whitespace is space, TAB, CR, LF; only LF counts lines (CRLF files keep
 *   their line numbers; a lone CR still ends a line for the one-line rule);
 * - `#`, quotes and `}` are special only at the start of a token: a word
 *   cannot start with them but may contain them (`a b#c;` has arg `b#c`);
 * - a word ends at whitespace, `;` or `{` (so `c}` is one word, as in SRS);
 * - quoted strings have no escapes: `\` is literal;
 * - control bytes other than TAB/CR/LF are refused anywhere, so a binary file
 *   fails at its first such byte with a line number (SRS would cut the word at
 *   a NUL byte and carry on; we prefer a clear error).
 */
export const RAW_TOKEN_RULES = {
  control: /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/,
  space: /[ \t]+/,
  lf: { match: '\n', lineBreaks: true },
  cr: '\r',
  comment: /#[^\n\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*/,
  dquoted: { match: /"[^"\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*"/, lineBreaks: true },
  squoted: { match: /'[^'\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*'/, lineBreaks: true },
  // A quote that is never closed (or closed only after a control byte).
  unclosed: /["']/,
  semi: ';',
  lbrace: '{',
  rbrace: '}',
  word: /[^ \t\r\n;{}#"'\x00-\x08\x0b\x0c\x0e-\x1f\x7f][^ \t\r\n;{\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*/,
} as const;

/** The type of a raw token. */
export type RawTokenType = keyof typeof RAW_TOKEN_RULES;

/** A fresh moo lexer for the raw tokens (moo lexers are stateful: one per parse). */
export function createRawLexer(): moo.Lexer {
  return moo.compile(RAW_TOKEN_RULES);
}
