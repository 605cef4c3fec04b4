/**
 * Go's `encoding/json` (Go 1.19, which etcd 3.4.23 is built with), as far as etcd's v2auth types
 * need it. `JSON.parse` will not do: Go keeps an object's keys in order with their duplicates
 * (each one decodes into the field in turn, so `"roles":["a"],"roles":[null]` is `["a"]`),
 * matches keys to fields case-insensitively, and `JSON.stringify` escapes less than Go does
 * (`<`, `>`, `&`, U+2028, U+2029, `\b`, `\f`).
 */

export type GoJSONValue =
  | { kind: 'object'; entries: [string, GoJSONValue][] }
  | { kind: 'array'; items: GoJSONValue[] }
  | { kind: 'string'; value: string }
  | { kind: 'number' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' };

export class GoJSONSyntaxError extends Error {}

/** JSON's number grammar, anchored where the parser stands. */
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
/** Go's `maxNestingDepth`. */
const MAX_DEPTH = 10_000;

/**
 * Reads the first JSON value of `text` as `json.Decoder.Decode` does: leading space skipped, a
 * complete object or array ends the value (what follows is never read); a top-level string,
 * number or literal must be followed by space or the end. `Unmarshal` (`trailing: 'error'`) also
 * refuses anything but space after the value.
 */
export function parseGoJSON(text: string, trailing: 'ignore' | 'error'): GoJSONValue {
  const parser = new Parser(text);
  parser.skipSpace();
  if (parser.atEnd()) throw new GoJSONSyntaxError('unexpected end of JSON input');
  const value = parser.value(0);
  const composite = value.kind === 'object' || value.kind === 'array';
  if (trailing === 'error' || !composite) {
    const next = parser.peek();
    if (next !== undefined && !isSpace(next)) throw new GoJSONSyntaxError(`invalid character after top-level value`);
    if (trailing === 'error') {
      parser.skipSpace();
      if (!parser.atEnd()) throw new GoJSONSyntaxError('invalid character after top-level value');
    }
  }
  return value;
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

class Parser {
  private i = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.i >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.i];
  }

  skipSpace(): void {
    while (this.i < this.text.length && isSpace(this.text[this.i]!)) this.i++;
  }

  value(depth: number): GoJSONValue {
    if (depth > MAX_DEPTH) throw new GoJSONSyntaxError('exceeded max depth');
    this.skipSpace();
    const c = this.text[this.i];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return { kind: 'string', value: this.string() };
      case 't':
        return this.literal('true', { kind: 'bool', value: true });
      case 'f':
        return this.literal('false', { kind: 'bool', value: false });
      case 'n':
        return this.literal('null', { kind: 'null' });
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
        throw new GoJSONSyntaxError(c === undefined ? 'unexpected end of JSON input' : `invalid character looking for beginning of value`);
    }
  }

  private object(depth: number): GoJSONValue {
    this.i++;
    const entries: [string, GoJSONValue][] = [];
    this.skipSpace();
    if (this.text[this.i] === '}') {
      this.i++;
      return { kind: 'object', entries };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.i] !== '"') throw this.unexpected('looking for beginning of object key string');
      const key = this.string();
      this.skipSpace();
      if (this.text[this.i] !== ':') throw this.unexpected('after object key');
      this.i++;
      entries.push([key, this.value(depth + 1)]);
      this.skipSpace();
      const c = this.text[this.i];
      this.i++;
      if (c === '}') return { kind: 'object', entries };
      if (c !== ',') throw this.unexpected('after object key:value pair', c);
    }
  }

  private array(depth: number): GoJSONValue {
    this.i++;
    const items: GoJSONValue[] = [];
    this.skipSpace();
    if (this.text[this.i] === ']') {
      this.i++;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.text[this.i];
      this.i++;
      if (c === ']') return { kind: 'array', items };
      if (c !== ',') throw this.unexpected('after array element', c);
    }
  }

  /** A string literal: Go's `unquote` (a lone surrogate escape becomes U+FFFD). */
  private string(): string {
    this.i++;
    let out = '';
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined) throw new GoJSONSyntaxError('unexpected end of JSON input');
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c < ' ') throw new GoJSONSyntaxError('invalid character in string literal');
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const e = this.text[this.i + 1];
      this.i += 2;
      switch (e) {
        case '"': case '\\': case '/':
          out += e;
          break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const unit = this.hex4();
          if (unit >= 0xd800 && unit < 0xdc00) {
            // A high surrogate pairs only with an escaped low one that follows at once.
            if (this.text[this.i] === '\\' && this.text[this.i + 1] === 'u') {
              const save = this.i;
              this.i += 2;
              const low = this.hex4();
              if (low >= 0xdc00 && low < 0xe000) {
                out += String.fromCharCode(unit, low);
                break;
              }
              this.i = save;
            }
            out += '\ufffd';
          } else if (unit >= 0xdc00 && unit < 0xe000) {
            out += '\ufffd';
          } else {
            out += String.fromCharCode(unit);
          }
          break;
        }
        default:
          throw new GoJSONSyntaxError('invalid character in string escape code');
      }
    }
  }

  private hex4(): number {
    const digits = this.text.slice(this.i, this.i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) throw new GoJSONSyntaxError('invalid character in \\u hexadecimal character escape');
    this.i += 4;
    return parseInt(digits, 16);
  }

  private number(): GoJSONValue {
    NUMBER.lastIndex = this.i;
    const match = NUMBER.exec(this.text);
    if (match === null) throw new GoJSONSyntaxError('invalid character in numeric literal');
    this.i += match[0].length;
    // A number cut short ("1.", "1e") is Go's syntax error too.
    const next = this.text[this.i];
    if (next === '.' || next === 'e' || next === 'E') throw new GoJSONSyntaxError('invalid character in numeric literal');
    if (next !== undefined && next >= '0' && next <= '9') throw new GoJSONSyntaxError('invalid character after top-level value');
    return { kind: 'number' };
  }

  private literal(word: string, value: GoJSONValue): GoJSONValue {
    if (this.text.slice(this.i, this.i + word.length) !== word) {
      throw new GoJSONSyntaxError(this.i + word.length > this.text.length ? 'unexpected end of JSON input' : `invalid character in literal ${word}`);
    }
    this.i += word.length;
    return value;
  }

  private unexpected(where: string, c = this.text[this.i]): GoJSONSyntaxError {
    return new GoJSONSyntaxError(c === undefined ? 'unexpected end of JSON input' : `invalid character ${where}`);
  }
}

/**
 * Whether an object key names a struct field as Go 1.19's decoder matches them: exactly, or
 * ASCII case-insensitively, where the key may also spell `s` as U+017F (ſ) and `k` as U+212A
 * (the Kelvin sign), which Unicode folds to them (encoding/json fold.go `equalFoldRight`).
 */
export function goFieldMatches(field: string, key: string): boolean {
  if (field === key) return true;
  let k = 0;
  for (let f = 0; f < field.length; f++) {
    const fc = field[f]!;
    const kc = key[k];
    if (kc === undefined) return false;
    k++;
    if (kc.charCodeAt(0) < 0x80) {
      if (kc.toLowerCase() !== fc.toLowerCase()) return false;
      continue;
    }
    const lower = fc.toLowerCase();
    if (!((lower === 's' && kc === '\u017f') || (lower === 'k' && kc === '\u212a'))) return false;
  }
  return k === key.length;
}

/** Go's `encodeState.string` with HTML escaping on (what `json.Marshal` and `json.Encoder` do). */
export function goQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x3c && c !== 0x3e && c !== 0x26 && c !== 0x2028 && c !== 0x2029) {
      if (c >= 0xd800 && c < 0xe000) {
        // A JS string may hold a lone surrogate; Go's string would be invalid UTF-8 there: U+FFFD.
        const paired = c < 0xdc00 && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) < 0xe000;
        if (paired) {
          out += s[i]! + s[i + 1]!;
          i++;
        } else {
          out += '\\ufffd';
        }
        continue;
      }
      out += s[i]!;
      continue;
    }
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      default: out += `\\u${c.toString(16).padStart(4, '0')}`;
    }
  }
  return `${out}"`;
}

/** A Go `[]string`: `null` when nil, else its elements. */
export function goStringSlice(values: readonly string[] | null): string {
  return values === null ? 'null' : `[${values.map(goQuote).join(',')}]`;
}
