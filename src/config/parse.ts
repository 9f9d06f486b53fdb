import nearley from 'nearley';
import { ConfigError } from '../errors.js';
import type { Directive } from './directive.js';
import grammar from './srs-grammar.generated.js';
import { ConfigTokenStream, syntaxError, type GrammarToken, type StatementContext, type TokenStreamLimits } from './token-stream.js';

/**
 * Text -> Directive tree, driven by the nearley grammar (grammar/srs.ne).
 * Pure: no I/O; `include` directives are kept as they are for load.ts to
 * expand. Errors name the file and line, in SRS's words (srs-spec §3.1).
 */

/** Bounds of one parse; every one is explicit. */
export interface ParseLimits extends TokenStreamLimits {}

/** Default bounds: SRS has none; 64 levels is far beyond any real config (SRS's own nest 4). */
export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxDepth: 64 };

const compiledGrammar = nearley.Grammar.fromCompiled(grammar as unknown as nearley.CompiledRules);

/**
 * Parses one file's text into its top-level directives. An empty file is an
 * empty list (SRS ignores it; build.ts reports "conf is empty").
 *
 * nearley is restarted at each top-level directive: an Earley parser keeps
 * every state of its input alive, and over a whole multi-megabyte file the
 * garbage collector made that superlinear. Each restart parses exactly the
 * same grammar (`config` over one directive) so nothing is lost.
 */
export function parseConfigText(text: string, file: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): Directive[] {
  const tokens = new ConfigTokenStream(file, limits);
  tokens.reset(text);
  const directives: Directive[] = [];
  for (;;) {
    const feed = new OneDirectiveFeed(tokens);
    const parser = new nearley.Parser(compiledGrammar, { lexer: feed as unknown as nearley.Lexer });
    try {
      parser.feed('');
    } catch (error) {
      if (tokens.failure !== undefined) throw tokens.failure;
      if (error instanceof ConfigError) throw error;
      throw structuralError(file, tokens);
    }
    if (feed.tokenCount === 0) return directives;
    const results = parser.results as Directive[][];
    // The grammar is unambiguous: a complete directive has exactly one parse.
    const parsed = results[0];
    if (parsed === undefined) throw endOfFileError(file, tokens);
    for (const directive of parsed) directives.push(directive);
    if (feed.endOfInput) return directives;
  }
}

/** A nearley lexer that hands out one top-level directive's tokens, then ends. */
class OneDirectiveFeed {
  tokenCount = 0;
  endOfInput = false;
  private done = false;

  constructor(private readonly tokens: ConfigTokenStream) {}

  reset(): void {}

  save(): undefined {
    return undefined;
  }

  has(): boolean {
    return true;
  }

  formatError(token: { line?: number } | undefined, message?: string): string {
    return this.tokens.formatError(token, message);
  }

  next(): GrammarToken | undefined {
    if (this.done) return undefined;
    const token = this.tokens.next();
    if (token === undefined) {
      this.done = true;
      this.endOfInput = true;
      return undefined;
    }
    this.tokenCount += 1;
    if (this.tokens.endedTopLevelDirective()) this.done = true;
    return token;
  }
}

/** Words nearley's refusal of a `;`, `{` or `}` the way SRS's read_token/parse_conf do. */
function structuralError(file: string, tokens: ConfigTokenStream): ConfigError {
  const last = tokens.lastStructural;
  if (last === undefined) return syntaxError(file, 1, 'syntax error');
  const { token, context } = last;
  return syntaxError(file, token.line, structuralMessage(token.type, context), token.col);
}

function structuralMessage(type: string, context: StatementContext): string {
  if (context.words === 0 && context.emptyQuote && type !== 'rbrace') return 'empty directive';
  if (type === 'semi') return "unexpected ';'";
  if (type === 'lbrace') return "unexpected '{'";
  if (context.words > 0) return "unexpected '}'";
  return context.depth === 0 ? 'unexpected "}"' : "unexpected '}'";
}

/** The input ended inside a directive or a block. */
function endOfFileError(file: string, tokens: ConfigTokenStream): ConfigError {
  const end = tokens.endOfInput();
  if (end.pendingStatement || end.openBlockLine === undefined) {
    return syntaxError(file, end.line, 'unexpected end of file, expecting ; or "}"');
  }
  // SRS names the line of the block left open (parse_conf's conf_line).
  return syntaxError(file, end.openBlockLine, 'unexpected end of file, expecting "}"');
}
