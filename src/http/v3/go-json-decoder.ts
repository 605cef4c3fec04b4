import { GoJsonScanner, isSpace } from './go-json-scanner.ts';
import { parseValid, type JsonValue } from './go-json-value.ts';

/** What the next `Decode` call gives: a value, the clean end of the input, an error, or "wait for more bytes". */
export type Decoded = { value: JsonValue } | { eof: true } | { error: string } | { more: true };

/**
 * Go's `json.Decoder` as the gateway uses it: `json.NewDecoder(req.Body)` and one `Decode` per
 * message, over a body that may arrive in pieces (a streamed POST, WebSocket messages). Its
 * quirks are the gateway's: a value ends where Go's decoder stops reading, so whatever follows
 * the first value of a unary request is never looked at (`{"key":"YQ=="} garbage` is accepted);
 * a top-level number or literal ends at the next byte whatever it is (`5x` reads as `5`); input
 * that is only white space is the end (`io.EOF`), and a value cut short is "unexpected EOF".
 * An error is sticky, as Go's is.
 */
export class GoJsonDecoder {
  /** The bytes not yet consumed live in `storage[offset, length)`; the rest is room to grow. */
  private storage = new Uint8Array(0);
  private length = 0;
  /** Where the next value starts in `buffer`. */
  private offset = 0;
  private scanner = new GoJsonScanner();
  /** How far the scanner has read the value being decoded (relative to `offset`). */
  private scanned = 0;
  private ended = false;
  private failed: string | undefined;

  /** What has been pushed and not yet taken, from index 0 (the consumed prefix included). */
  private get buffer(): Uint8Array {
    return this.storage.subarray(0, this.length);
  }

  /**
   * Appends a chunk. The store grows by doubling, so a body that arrives in many small chunks
   * (a 2 MiB put comes in dozens) costs linear time, not a copy of everything so far per chunk.
   * Bytes already in the store are never overwritten: a value taken from it keeps views of them.
   */
  push(chunk: Uint8Array): void {
    const kept = this.length - this.offset;
    if (this.offset > 0 || kept + chunk.length > this.storage.length) {
      const grown = new Uint8Array(Math.max(2 * kept, kept + chunk.length, 4096));
      grown.set(this.storage.subarray(this.offset, this.length));
      this.storage = grown;
      this.offset = 0;
    }
    this.storage.set(chunk, kept);
    this.length = kept + chunk.length;
  }

  /** No more bytes will come. */
  end(): void {
    this.ended = true;
  }

  next(): Decoded {
    if (this.failed !== undefined) return { error: this.failed };
    const bytes = this.buffer;
    for (let i = this.offset + this.scanned; i < bytes.length; i++) {
      i = this.scanner.skipPlain(bytes, i);
      if (i === bytes.length) break;
      const step = this.scanner.step(bytes[i]!);
      if (step === 'end') return this.take(i);
      if (step === 'close' && this.scanner.ended) return this.take(i + 1);
      if (step === 'error') return this.fail(this.scanner.error!);
    }
    this.scanned = bytes.length - this.offset;
    if (!this.ended) return { more: true };
    if (this.scanner.step(0x20) === 'end') return this.take(bytes.length);
    for (let i = this.offset; i < bytes.length; i++) if (!isSpace(bytes[i]!)) return this.fail('unexpected EOF');
    return { eof: true };
  }

  /** The value that ends just before `end`; the next one starts there. */
  private take(end: number): Decoded {
    let start = this.offset;
    while (isSpace(this.buffer[start]!)) start++;
    const value = parseValid(this.buffer, start, end);
    this.offset = end;
    this.scanned = 0;
    this.scanner = new GoJsonScanner();
    return { value };
  }

  private fail(error: string): Decoded {
    this.failed = error;
    return { error };
  }
}

/** Decodes the first value of a whole body, as the gateway's unary handlers do. */
export function decodeFirst(body: Uint8Array): Exclude<Decoded, { more: true }> {
  const decoder = new GoJsonDecoder();
  decoder.push(body);
  decoder.end();
  return decoder.next() as Exclude<Decoded, { more: true }>;
}
