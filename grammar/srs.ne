# SRS's nginx-like config language (srs-spec §3.1): a file is a list of
# directives; a directive is `name arg* ;` or `name arg* { directive* }`.
# Tokens come from src/config/token-stream.ts (moo underneath), which applies
# the lexical rules a context-free grammar cannot state: the one-line rule,
# `#` and quotes only at token start, empty "" dropped, the depth bound.
# Postprocessors only call helpers of src/config/directive.ts, and build cons
# lists so a long file parses in linear time.

@preprocessor typescript

@{%
import { appendDirective, appendWord, directivesOf, makeDirective } from './directive.js';
import type { Directive, DirectiveList, WordList, WordToken } from './directive.js';

// nearley needs a lexer value at module level to resolve %tokens; parse.ts
// passes a fresh ConfigTokenStream per parse, so this one only answers `has`.
const lexer = { has: (_type: string): boolean => true, reset: (): void => undefined, next: (): undefined => undefined, save: (): undefined => undefined, formatError: (): string => '' };
%}

@lexer lexer

config     -> statements                              {% (d): Directive[] => directivesOf(d[0] as DirectiveList | undefined) %}

statements -> null                                    {% (): undefined => undefined %}
            | statements statement                    {% (d): DirectiveList => appendDirective(d[0] as DirectiveList | undefined, d[1] as Directive) %}

statement  -> words %semi                             {% (d): Directive => makeDirective(d[0] as WordList, undefined, false) %}
            | words %lbrace statements %rbrace        {% (d): Directive => makeDirective(d[0] as WordList, d[2] as DirectiveList | undefined, true) %}

words      -> %word                                   {% (d): WordList => appendWord(undefined, d[0] as WordToken) %}
            | words %word                             {% (d): WordList => appendWord(d[0] as WordList, d[1] as WordToken) %}
