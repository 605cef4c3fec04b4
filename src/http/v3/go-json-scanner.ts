import { quoteChar } from './go-quote.ts';

/**
 * Go's JSON syntax checker (encoding/json/scanner.go, Go 1.19, which etcd 3.4.23 is built with),
 * byte by byte, with its error texts: the gateway hands a syntax error's text to the client as it
 * is (`{"error":"invalid character 'x' looking for beginning of value", ...}`), so the same byte
 * must fail with the same words. Written from the grammar and the texts, not from Go's source.
 */

/** What one byte did: nothing yet, ended a top-level scalar (the byte itself is not part of it), closed a container, or failed. */
export type Step = 'continue' | 'end' | 'close' | 'error';

type Frame = 'key' | 'value' | 'element';

type State =
  | 'value'
  | 'valueOrEmpty'
  | 'keyOrEmpty'
  | 'key'
  | 'afterValue'
  | 'top'
  | 'string'
  | 'escape'
  | 'hex'
  | 'minus'
  | 'digits'
  | 'zero'
  | 'dot'
  | 'fraction'
  | 'exponent'
  | 'exponentSign'
  | 'exponentDigits'
  | 'literal'
  | 'failed';

/** Go's `maxNestingDepth`: deeper documents are refused rather than risk the stack. */
const MAX_DEPTH = 10_000;

const LITERALS: Record<number, string> = { 0x74: 'true', 0x66: 'false', 0x6e: 'null' };

export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

export class GoJsonScanner {
  private state: State = 'value';
  private readonly frames: Frame[] = [];
  private hexLeft = 0;
  private literal = '';
  private literalAt = 0;
  /** A top-level value is complete (Go's `endTop`). */
  ended = false;
  error: string | undefined;

  /** Feeds one byte. */
  step(c: number): Step {
    switch (this.state) {
      case 'failed':
        return 'error';
      case 'value':
        return this.beginValue(c);
      case 'valueOrEmpty':
        if (isSpace(c)) return 'continue';
        if (c === 0x5d) return this.afterValue(c);
        return this.beginValue(c);
      case 'keyOrEmpty':
        if (isSpace(c)) return 'continue';
        if (c === 0x7d) {
          this.frames[this.frames.length - 1] = 'value';
          return this.afterValue(c);
        }
        return this.beginKey(c);
      case 'key':
        return this.beginKey(c);
      case 'afterValue':
        return this.afterValue(c);
      case 'top':
        return this.top(c);
      case 'string':
        if (c === 0x22) return this.go('afterValue');
        if (c === 0x5c) return this.go('escape');
        if (c < 0x20) return this.fail(c, 'in string literal');
        return 'continue';
      case 'escape':
        if ('bfnrt\\/"'.includes(String.fromCharCode(c))) return this.go('string');
        if (c === 0x75) {
          this.hexLeft = 4;
          return this.go('hex');
        }
        return this.fail(c, 'in string escape code');
      case 'hex':
        if (!isHex(c)) return this.fail(c, 'in \\u hexadecimal character escape');
        return this.go(--this.hexLeft === 0 ? 'string' : 'hex');
      case 'minus':
        if (c === 0x30) return this.go('zero');
        if (isDigit(c)) return this.go('digits');
        return this.fail(c, 'in numeric literal');
      case 'digits':
        if (isDigit(c)) return 'continue';
        return this.zero(c);
      case 'zero':
        return this.zero(c);
      case 'dot':
        if (isDigit(c)) return this.go('fraction');
        return this.fail(c, 'after decimal point in numeric literal');
      case 'fraction':
        if (isDigit(c)) return 'continue';
        if (c === 0x65 || c === 0x45) return this.go('exponent');
        return this.afterValue(c);
      case 'exponent':
        if (c === 0x2b || c === 0x2d) return this.go('exponentSign');
        return this.exponentSign(c);
      case 'exponentSign':
        return this.exponentSign(c);
      case 'exponentDigits':
        if (isDigit(c)) return 'continue';
        return this.afterValue(c);
      case 'literal': {
        const expected = this.literal.charCodeAt(this.literalAt);
        if (c !== expected) return this.fail(c, `in literal ${this.literal} (expecting ${quoteChar(expected)})`);
        return ++this.literalAt === this.literal.length ? this.go('afterValue') : 'continue';
      }
    }
  }

  /**
   * Inside a string, the index of the first byte from `i` that is not plain string content (a
   * quote, a backslash, a control character): the bytes before it would each only continue.
   * Large values are long strings; this keeps them from costing a step per byte.
   */
  skipPlain(bytes: Uint8Array, i: number): number {
    if (this.state !== 'string') return i;
    while (i < bytes.length) {
      const c = bytes[i]!;
      if (c === 0x22 || c === 0x5c || c < 0x20) break;
      i++;
    }
    return i;
  }

  /**
   * Go's `scanner.eof`, for a whole document (`json.Unmarshal`): undefined when it held exactly
   * one value, else the error (a value cut short is "unexpected end of JSON input").
   */
  endOfInput(): string | undefined {
    if (this.error !== undefined) return this.error;
    if (this.ended) return undefined;
    this.step(0x20);
    if (this.ended) return undefined;
    this.error ??= 'unexpected end of JSON input';
    return this.error;
  }

  private go(state: State): Step {
    this.state = state;
    return 'continue';
  }

  private fail(c: number, context: string): Step {
    this.state = 'failed';
    this.error = `invalid character ${quoteChar(c)} ${context}`;
    return 'error';
  }

  private beginValue(c: number): Step {
    if (isSpace(c)) return 'continue';
    switch (c) {
      case 0x7b:
        return this.push(c, 'key', 'keyOrEmpty');
      case 0x5b:
        return this.push(c, 'element', 'valueOrEmpty');
      case 0x22:
        return this.go('string');
      case 0x2d:
        return this.go('minus');
      case 0x30:
        return this.go('zero');
    }
    if (isDigit(c)) return this.go('digits');
    const literal = LITERALS[c];
    if (literal !== undefined) {
      this.literal = literal;
      this.literalAt = 1;
      return this.go('literal');
    }
    return this.fail(c, 'looking for beginning of value');
  }

  private beginKey(c: number): Step {
    if (isSpace(c)) return 'continue';
    if (c === 0x22) return this.go('string');
    return this.fail(c, 'looking for beginning of object key string');
  }

  private push(c: number, frame: Frame, next: State): Step {
    this.frames.push(frame);
    if (this.frames.length > MAX_DEPTH) return this.fail(c, 'exceeded max depth');
    return this.go(next);
  }

  private pop(): Step {
    this.frames.pop();
    if (this.frames.length === 0) {
      this.state = 'top';
      this.ended = true;
    } else {
      this.state = 'afterValue';
    }
    return 'close';
  }

  /** A number's digits ended (or `0`): a fraction, an exponent, or the end of the value. */
  private zero(c: number): Step {
    if (c === 0x2e) return this.go('dot');
    if (c === 0x65 || c === 0x45) return this.go('exponent');
    return this.afterValue(c);
  }

  private exponentSign(c: number): Step {
    if (isDigit(c)) return this.go('exponentDigits');
    return this.fail(c, 'in exponent of numeric literal');
  }

  /** Go's `stateEndValue`: what may follow a complete value, by where it sits. */
  private afterValue(c: number): Step {
    const depth = this.frames.length;
    if (depth === 0) {
      this.state = 'top';
      this.ended = true;
      return this.top(c);
    }
    if (isSpace(c)) return this.go('afterValue');
    switch (this.frames[depth - 1]) {
      case 'key':
        if (c === 0x3a) {
          this.frames[depth - 1] = 'value';
          return this.go('value');
        }
        return this.fail(c, 'after object key');
      case 'value':
        if (c === 0x2c) {
          this.frames[depth - 1] = 'key';
          return this.go('key');
        }
        if (c === 0x7d) return this.pop();
        return this.fail(c, 'after object key:value pair');
      default:
        if (c === 0x2c) return this.go('value');
        if (c === 0x5d) return this.pop();
        return this.fail(c, 'after array element');
    }
  }

  /**
   * After the top-level value: the value has ended whatever the byte is (a stream decoder stops
   * here), but a byte other than space is an error for a whole document, reported from then on.
   */
  private top(c: number): Step {
    if (!isSpace(c)) {
      this.state = 'failed';
      this.error = `invalid character ${quoteChar(c)} after top-level value`;
    }
    return 'end';
  }
}

/** `json.Unmarshal`'s syntax check of a whole document: undefined when valid, else Go's error text. */
export function checkValid(bytes: Uint8Array): string | undefined {
  const scanner = new GoJsonScanner();
  for (const c of bytes) if (scanner.step(c) === 'error') return scanner.error;
  return scanner.endOfInput();
}
