import type moo from 'moo';
import { ConfigError } from '../errors.js';
import { ConfigErrorCode } from './codes.js';
import { displayText } from './directive.js';
import { createRawLexer } from './lexer.js';

/**
 * The tokens of SRS's config language as the grammar sees them: `word`,
 * `semi`, `lbrace`, `rbrace` (sql-formatter's LexerAdapter pattern; parse.ts
 * hands them to nearley one top-level directive at a time). It enforces the lexical
 * rules a context-free grammar cannot state (srs-spec §3.1, SRS
 * `read_token` srs_app_config.cpp:1182-1366) and records the context parse.ts
 * needs to word nearley's structural errors the way SRS does.
 */

/** A token as the grammar sees it. */
export interface GrammarToken {
  readonly type: 'word' | 'semi' | 'lbrace' | 'rbrace';
  readonly value: string;
  readonly text: string;
  readonly line: number;
  readonly col: number;
  readonly offset: number;
  readonly file: string;
}

/** Where the statement stood when a structural token was handed to nearley. */
export interface StatementContext {
  /** Words already read in the current statement (SRS `args.size()`). */
  readonly words: number;
  /** Open blocks around the token. */
  readonly depth: number;
  /** An empty "" was read where a word was expected (SRS: dropped, then "empty directive"). */
  readonly emptyQuote: boolean;
}

/** Bounds of one parse. */
export interface TokenStreamLimits {
  /** Deepest block nesting accepted; deeper fails with a clear error instead of exhausting the stack. */
  readonly maxDepth: number;
}

/** Builds the ConfigError of a lexical or structural mistake at `line`/`col`. */
export function syntaxError(file: string, line: number, message: string, col?: number, hint?: string): ConfigError {
  const where = col === undefined ? '' : ` at column ${col}`;
  const why = hint === undefined ? '' : ` (${hint})`;
  return new ConfigError(message + where + why, { file, line, code: ConfigErrorCode.Syntax });
}

const CONTROL_OR_BREAK = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\r\n]/g;

/** Grammar tokens over a moo lexer; one instance per parse (it is stateful). */
export class ConfigTokenStream {
  /** The error that stopped the stream; nearley wraps errors a lexer throws, so parse.ts reads it from here. */
  failure: ConfigError | undefined;
  /** Context of the last `semi`/`lbrace`/`rbrace` handed out, for error wording. */
  lastStructural: { token: GrammarToken; context: StatementContext } | undefined;

  private readonly raw: moo.Lexer;
  private input = '';
  private firstWord: GrammarToken | undefined;
  private words = 0;
  private emptyQuote = false;
  /** Offset right after a closing quote: the next token there must be a separator. */
  private quoteEnd = -1;
  private readonly openBlockLines: number[] = [];
  private finalLine = 1;
  /** True right after a top-level directive ended (`;` or `}` back at depth 0). */
  private topLevelEnd = false;

  constructor(
    private readonly file: string,
    private readonly limits: TokenStreamLimits,
  ) {
    this.raw = createRawLexer();
  }

  /** Starts over on `text`, the whole file. */
  reset(text: string): void {
    this.input = text;
    this.raw.reset(text);
    this.failure = undefined;
    this.lastStructural = undefined;
    this.firstWord = undefined;
    this.words = 0;
    this.emptyQuote = false;
    this.quoteEnd = -1;
    this.openBlockLines.length = 0;
    this.finalLine = 1;
    this.topLevelEnd = false;
  }

  /** Whether the last token ended a top-level directive; parse.ts restarts nearley there. */
  endedTopLevelDirective(): boolean {
    return this.topLevelEnd;
  }

  /** For nearley's own messages, which parse.ts replaces with SRS's. */
  formatError(token: { line?: number } | undefined, message = 'syntax error'): string {
    return `${message} at line ${token?.line ?? this.finalLine}`;
  }

  /** Statement state at end of input, for the EOF messages. */
  endOfInput(): { pendingStatement: boolean; openBlockLine: number | undefined; line: number } {
    return {
      pendingStatement: this.words > 0 || this.emptyQuote,
      openBlockLine: this.openBlockLines[this.openBlockLines.length - 1],
      line: this.finalLine,
    };
  }

  /** The next grammar token, or undefined at end of input. */
  next(): GrammarToken | undefined {
    this.topLevelEnd = false;
    for (;;) {
      const raw = this.raw.next();
      if (raw === undefined) {
        this.finalLine = (this.raw.save() as { line: number }).line;
        return undefined;
      }
      const afterQuote = raw.offset === this.quoteEnd;
      switch (raw.type) {
        case 'space':
          continue;
        case 'lf':
        case 'cr':
          // One-line rule: a directive with a word must end on its line (SRS `unexpected end of line`).
          if (this.words > 0) this.fail(raw.line, `unexpected end of line to parse token ${displayText(this.firstWordText())}`);
          continue;
        case 'control':
          this.failControl(raw.line, raw.text, raw.col);
          break;
        case 'unclosed':
          this.failUnclosedQuote(raw);
          break;
        case 'dquoted':
        case 'squoted': {
          if (afterQuote) this.fail(raw.line, `unexpected '${raw.text[0]}'`, raw.col);
          const content = raw.text.slice(1, -1);
          if (/[\r\n]/.test(content)) {
            this.fail(raw.line, this.words > 0 ? `unexpected end of line to parse token ${displayText(this.firstWordText())}` : 'unexpected end of line in a quoted string');
          }
          this.quoteEnd = raw.offset + raw.text.length;
          // SRS drops an empty quoted string: `a "" b;` has two words.
          if (content === '') {
            this.emptyQuote = true;
            continue;
          }
          return this.word(raw, content);
        }
        case 'comment':
          if (afterQuote) this.fail(raw.line, "unexpected '#'", raw.col);
          continue;
        case 'word':
          if (afterQuote) this.fail(raw.line, `unexpected '${displayText(raw.text[0] ?? '')}'`, raw.col);
          return this.word(raw, raw.text);
        case 'semi':
        case 'lbrace':
        case 'rbrace':
          if (afterQuote && raw.type === 'rbrace') this.fail(raw.line, "unexpected '}'", raw.col);
          return this.structural(raw, raw.type);
        default:
          this.fail(raw.line, `unexpected ${displayText(raw.text)}`, raw.col);
      }
    }
  }

  private word(raw: moo.Token, value: string): GrammarToken {
    const token: GrammarToken = { type: 'word', value, text: raw.text, line: raw.line, col: raw.col, offset: raw.offset, file: this.file };
    if (this.words === 0) this.firstWord = token;
    this.words += 1;
    return token;
  }

  private structural(raw: moo.Token, type: 'semi' | 'lbrace' | 'rbrace'): GrammarToken {
    const token: GrammarToken = { type, value: raw.text, text: raw.text, line: raw.line, col: raw.col, offset: raw.offset, file: this.file };
    const depth = this.openBlockLines.length;
    this.lastStructural = { token, context: { words: this.words, depth, emptyQuote: this.emptyQuote } };
    if (type === 'lbrace' && this.words > 0) {
      if (depth >= this.limits.maxDepth) {
        this.fail(raw.line, `blocks nested deeper than ${this.limits.maxDepth} levels`);
      }
      this.openBlockLines.push(this.firstWord?.line ?? raw.line);
    } else if (type === 'rbrace' && this.words === 0 && depth > 0) {
      this.openBlockLines.pop();
    }
    const closedStatement = this.words > 0 || type === 'rbrace';
    this.topLevelEnd = closedStatement && type !== 'lbrace' && this.openBlockLines.length === 0;
    this.words = 0;
    this.firstWord = undefined;
    this.emptyQuote = false;
    return token;
  }

  /** A quote never closed on its line: SRS reads on and fails at the line end or the file end. */
  private failUnclosedQuote(raw: moo.Token): never {
    CONTROL_OR_BREAK.lastIndex = raw.offset + 1;
    const stop = CONTROL_OR_BREAK.exec(this.input);
    if (stop === null) this.fail(raw.line, 'unexpected end of file, expecting ; or "}"');
    const char = stop[0];
    if (char === '\n' || char === '\r') {
      this.fail(raw.line, this.words > 0 ? `unexpected end of line to parse token ${displayText(this.firstWordText())}` : 'unexpected end of line in a quoted string');
    }
    this.failControl(raw.line, char, raw.col + (stop.index - raw.offset));
  }

  private failControl(line: number, char: string, col: number): never {
    const hex = char.charCodeAt(0).toString(16).padStart(2, '0');
    this.failure = syntaxError(this.file, line, `unexpected control byte 0x${hex}`, col, 'binary data in a text config?');
    throw this.failure;
  }

  private firstWordText(): string {
    return this.firstWord?.value ?? '';
  }

  private fail(line: number, message: string, col?: number): never {
    this.failure = syntaxError(this.file, line, message, col);
    throw this.failure;
  }
}
