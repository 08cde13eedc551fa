// Ultralytics writes ONNX metadata with Python's str(): `names` is a dict literal such as
// {0: 'person', 1: "it's", 2: 'a\'b'} and `imgsz` a list like [640, 640]. JSON.parse cannot read
// either, and eval is out of the question, so this is a tiny parser for exactly these literals.
import { MaskserveError } from '../errors.js';

function formatError(what: string, text: string, detail: string): MaskserveError {
  const shown = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  return new MaskserveError('MODEL_FORMAT', `Model metadata "${what}" is not a valid Python literal (${detail}): ${shown}`);
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

class Cursor {
  pos = 0;
  constructor(
    readonly text: string,
    readonly what: string,
  ) {}

  fail(detail: string): MaskserveError {
    return formatError(this.what, this.text, `${detail} at offset ${this.pos}`);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  expect(char: string): void {
    this.skipSpace();
    if (this.peek() !== char) throw this.fail(`expected '${char}'`);
    this.pos++;
  }

  integer(): number {
    this.skipSpace();
    const match = /^[+-]?\d+/.exec(this.text.slice(this.pos));
    if (!match) throw this.fail('expected an integer');
    this.pos += match[0].length;
    return Number(match[0]);
  }

  /** A quoted Python string: '...' or "...", backslash escapes incl. \xhh, \uhhhh, \Uhhhhhhhh. */
  string(): string {
    this.skipSpace();
    const quote = this.peek();
    if (quote !== "'" && quote !== '"') throw this.fail('expected a quoted string');
    this.pos++;
    let out = '';
    for (;;) {
      const char = this.text[this.pos++];
      if (char === undefined) throw this.fail('unterminated string');
      if (char === quote) return out;
      if (char !== '\\') {
        out += char;
        continue;
      }
      const escape = this.text[this.pos++] ?? '';
      if (escape in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[escape];
      else if (escape === 'x' || escape === 'u' || escape === 'U') out += this.hexEscape(escape === 'x' ? 2 : escape === 'u' ? 4 : 8);
      else out += `\\${escape}`; // Python keeps unknown escapes verbatim
    }
  }

  private hexEscape(length: number): string {
    const hex = this.text.slice(this.pos, this.pos + length);
    if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) throw this.fail('bad hex escape');
    this.pos += length;
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) throw this.fail('bad code point');
    return String.fromCodePoint(code);
  }
}

/** Parses `{0: 'person', 1: 'car'}` (keys may also be quoted digits) into a dense array by key. */
export function parseNamesLiteral(text: string): string[] {
  const cursor = new Cursor(text, 'names');
  cursor.expect('{');
  const byKey = new Map<number, string>();
  cursor.skipSpace();
  while (cursor.peek() !== '}') {
    cursor.skipSpace();
    const quoted = cursor.peek() === "'" || cursor.peek() === '"';
    const key = quoted ? Number(cursor.string()) : cursor.integer();
    if (!Number.isInteger(key) || key < 0) throw cursor.fail('expected a non-negative integer key');
    if (byKey.has(key)) throw cursor.fail(`duplicate key ${key}`);
    cursor.expect(':');
    byKey.set(key, cursor.string());
    cursor.skipSpace();
    if (cursor.peek() === ',') cursor.pos++;
    else if (cursor.peek() !== '}') throw cursor.fail("expected ',' or '}'");
    cursor.skipSpace();
  }
  cursor.pos++;
  cursor.skipSpace();
  if (cursor.pos !== text.length) throw cursor.fail('unexpected text after the dict');
  const names: string[] = [];
  for (let i = 0; i < byKey.size; i++) {
    const name = byKey.get(i);
    if (name === undefined) throw formatError('names', text, `keys must be 0..${byKey.size - 1}, missing ${i}`);
    names.push(name);
  }
  return names;
}

/** Parses `640`, `[640, 640]` or `(480, 640)` as [height, width] (Ultralytics imgsz order). */
export function parseImgsz(text: string): [number, number] {
  const trimmed = text.trim();
  const values = trimmed.replace(/^[[(]|[\])]$/g, '').split(',').map((part) => part.trim()).filter((part) => part !== '');
  const numbers = values.map(Number);
  const valid = numbers.length >= 1 && numbers.length <= 2 && numbers.every((n) => Number.isInteger(n) && n > 0);
  const bracketed = /^\[.*\]$|^\(.*\)$/.test(trimmed);
  if (!valid || (numbers.length === 2 && !bracketed)) throw formatError('imgsz', text, 'expected an integer or a list of 1-2 integers');
  return numbers.length === 1 ? [numbers[0], numbers[0]] : [numbers[0], numbers[1]];
}

/** Parses a plain positive integer field such as `stride` ("32"). */
export function parsePositiveInteger(text: string, what: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value) || value < 1) throw formatError(what, text, 'expected a positive integer');
  return value;
}
