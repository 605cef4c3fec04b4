const HEX = /^[0-9a-fA-F]{2}$/;
const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Go's `url` unescaping, shared by paths (`PathUnescape`) and queries (`QueryUnescape`, where
 * `+` is a space): `%XX` escapes are bytes, the result is read as UTF-8. A `%` that does not start
 * two hex digits is Go's `EscapeError`: the offending text (at most 3 characters) is returned.
 */
export function percentDecode(text: string, plusIsSpace: boolean): string | { badEscape: string } {
  if (!text.includes('%') && !(plusIsSpace && text.includes('+'))) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return { badEscape: text.slice(i, i + 3) };
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === 0x2b && plusIsSpace) {
      bytes.push(0x20);
    } else {
      // Re-encode the character so multi-byte text survives the byte-level decoding.
      const char = String.fromCodePoint(text.codePointAt(i)!);
      if (char.length === 2) i++;
      for (const b of encoder.encode(char)) bytes.push(b);
    }
  }
  return utf8.decode(new Uint8Array(bytes));
}
