/**
 * A JSON reader that judges hook responses the way SRS's bundled
 * udp/json-parser does (srs-spec §1.4): a leading UTF-8 BOM and trailing
 * commas are accepted, comments, single quotes and trailing garbage are not,
 * and integers stay apart from doubles (`{"code":0.0}` is not an integer).
 * Pure: text in, value or `undefined` out.
 */

/** A parsed value that keeps integers (bigint) apart from doubles. */
export type SrsJsonValue =
  | { readonly kind: 'object'; readonly members: ReadonlyMap<string, SrsJsonValue> }
  | { readonly kind: 'array'; readonly items: readonly SrsJsonValue[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'integer'; readonly value: bigint }
  | { readonly kind: 'double'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' };

/** Nesting bound: a hook answer is tiny; deeper input is refused, never a stack overflow. */
export const SRS_JSON_MAX_DEPTH = 64;

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Parses `text` (BOM allowed); `undefined` when it is not one JSON value. */
export function parseSrsJson(text: string, maxDepth = SRS_JSON_MAX_DEPTH): SrsJsonValue | undefined {
  const reader = new Reader(text.startsWith('\uFEFF') ? text.slice(1) : text, maxDepth);
  const value = reader.value(0);
  if (value === undefined) return undefined;
  reader.skipSpace();
  return reader.atEnd() ? value : undefined;
}

class Reader {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return;
      this.pos++;
    }
  }

  value(depth: number): SrsJsonValue | undefined {
    if (depth > this.maxDepth) return undefined;
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') {
      const value = this.string();
      return value === undefined ? undefined : { kind: 'string', value };
    }
    if (this.word('true')) return { kind: 'boolean', value: true };
    if (this.word('false')) return { kind: 'boolean', value: false };
    if (this.word('null')) return { kind: 'null' };
    return this.number();
  }

  private word(literal: string): boolean {
    if (!this.text.startsWith(literal, this.pos)) return false;
    this.pos += literal.length;
    return true;
  }

  private number(): SrsJsonValue | undefined {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) return undefined;
    this.pos += match[0].length;
    if (match[1] === undefined && match[2] === undefined) return { kind: 'integer', value: BigInt(match[0]) };
    return { kind: 'double', value: Number(match[0]) };
  }

  private string(): string | undefined {
    this.pos++; // opening quote
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++]!;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      if (e === 'u') {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return undefined;
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 4;
      } else if (e !== undefined && ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
      } else {
        return undefined;
      }
    }
    return undefined;
  }

  /** `{ "k": v, ... }`; a comma before `}` is accepted (json-parser leniency). */
  private object(depth: number): SrsJsonValue | undefined {
    this.pos++;
    const members = new Map<string, SrsJsonValue>();
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', members };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') return undefined;
      const key = this.string();
      if (key === undefined) return undefined;
      this.skipSpace();
      if (this.text[this.pos++] !== ':') return undefined;
      const value = this.value(depth + 1);
      if (value === undefined) return undefined;
      // Duplicate keys: the last one wins (SrsJsonObject::set replaces).
      members.set(key, value);
      this.skipSpace();
      const next = this.text[this.pos++];
      if (next === '}') return { kind: 'object', members };
      if (next !== ',') return undefined;
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return { kind: 'object', members };
      }
    }
  }

  /** `[ v, ... ]`; a trailing comma is accepted as in objects. */
  private array(depth: number): SrsJsonValue | undefined {
    this.pos++;
    const items: SrsJsonValue[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items };
    }
    for (;;) {
      const value = this.value(depth + 1);
      if (value === undefined) return undefined;
      items.push(value);
      this.skipSpace();
      const next = this.text[this.pos++];
      if (next === ']') return { kind: 'array', items };
      if (next !== ',') return undefined;
      this.skipSpace();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return { kind: 'array', items };
      }
    }
  }
}
