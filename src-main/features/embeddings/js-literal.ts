/**
 * Parses one JavaScript literal (objects, arrays, strings, numbers, booleans, null) from
 * source text, without evaluating anything. nsfwjs ships its TF.js model and weights as
 * minified CommonJS modules whose only payload is such a literal; reading it this way
 * means no code from the package ever runs in the engine.
 *
 * Hand-written because the grammar needed is tiny (minifiers emit unquoted keys, `.5`,
 * `!0`), JSON.parse rejects it, and no JSON5-style parser is a dependency of the app.
 */
export type JsValue = null | boolean | number | string | JsValue[] | { [key: string]: JsValue };

export class JsLiteralError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'JsLiteralError';
  }
}

const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$]/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;

class Parser {
  constructor(
    private readonly src: string,
    public pos: number,
  ) {}

  fail(message: string): never {
    throw new JsLiteralError(message, this.pos);
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  private peek(): string {
    this.skipSpace();
    return this.src[this.pos] ?? '';
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) this.fail(`expected '${ch}', found '${this.src[this.pos] ?? 'end of text'}'`);
    this.pos++;
  }

  value(): JsValue {
    const ch = this.peek();
    if (ch === '{') return this.object();
    if (ch === '[') return this.array();
    if (ch === '"' || ch === "'") return this.string();
    if (ch === '!') {
      // Minifiers write true as !0 and false as !1.
      const m = /^!([01])/.exec(this.src.slice(this.pos, this.pos + 2));
      if (!m) this.fail('unsupported negation');
      this.pos += 2;
      return m[1] === '0';
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.src.startsWith(word, this.pos) && !IDENT_PART.test(this.src[this.pos + word.length] ?? '')) {
        this.pos += word.length;
        return v;
      }
    }
    const m = NUMBER.exec(this.src.slice(this.pos, this.pos + 64));
    if (!m) this.fail(`unexpected '${ch || 'end of text'}'`);
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private object(): { [key: string]: JsValue } {
    this.expect('{');
    const out: { [key: string]: JsValue } = {};
    if (this.peek() === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      const key = this.key();
      this.expect(':');
      // Own data property even for "__proto__", so a crafted file cannot touch prototypes.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      const next = this.peek();
      this.pos++;
      if (next === '}') return out;
      if (next !== ',') this.fail(`expected ',' or '}' in an object, found '${next || 'end of text'}'`);
    }
  }

  private key(): string {
    const ch = this.peek();
    if (ch === '"' || ch === "'") return this.string();
    if (IDENT_START.test(ch)) {
      const start = this.pos;
      while (IDENT_PART.test(this.src[this.pos] ?? '')) this.pos++;
      return this.src.slice(start, this.pos);
    }
    const m = NUMBER.exec(this.src.slice(this.pos, this.pos + 64));
    if (!m) this.fail('expected a property name');
    this.pos += m[0].length;
    return String(Number(m[0]));
  }

  private array(): JsValue[] {
    this.expect('[');
    const out: JsValue[] = [];
    if (this.peek() === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      const next = this.peek();
      this.pos++;
      if (next === ']') return out;
      if (next !== ',') this.fail(`expected ',' or ']' in an array, found '${next || 'end of text'}'`);
    }
  }

  private string(): string {
    const quote = this.src[this.pos]!;
    this.pos++;
    let out = '';
    for (;;) {
      // Scan a run without escapes in one slice: the weight shards are megabytes of base64.
      let end = this.pos;
      while (end < this.src.length && this.src[end] !== quote && this.src[end] !== '\\') end++;
      out += this.src.slice(this.pos, end);
      this.pos = end;
      if (this.pos >= this.src.length) this.fail('unterminated string');
      const ch = this.src[this.pos]!;
      this.pos++;
      if (ch === quote) return out;
      out += this.escape();
    }
  }

  private escape(): string {
    const ch = this.src[this.pos++];
    switch (ch) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case '0':
        return '\0';
      case 'u': {
        const hex = this.src.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      case 'x': {
        const hex = this.src.slice(this.pos, this.pos + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail('bad \\x escape');
        this.pos += 2;
        return String.fromCharCode(parseInt(hex, 16));
      }
      case undefined:
        return this.fail('unterminated escape');
      default:
        return ch;
    }
  }
}

/** Parses the literal starting at `offset`; returns it and the offset just after it. */
export function parseJsLiteral(src: string, offset = 0): { value: JsValue; end: number } {
  const p = new Parser(src, offset);
  const value = p.value();
  return { value, end: p.pos };
}
