/**
 * Parses a JSON request body and, when that fails, explains it the way Go's `encoding/json` does:
 * etcd's members API returns that message to the client (400 {"message": ...}). The common
 * failures are worded exactly; a rarer one (bad syntax mid-document) gets the closest wording.
 */
export function parseGoJSON(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: goSyntaxError(text) };
  }
}

function goSyntaxError(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return 'unexpected end of JSON input';
  const first = trimmed[0]!;
  if (!/[{["\-0-9tfn]/.test(first)) return `invalid character ${quoteChar(first)} looking for beginning of value`;
  const end = endOfFirstValue(trimmed);
  if (end === undefined) return 'unexpected end of JSON input';
  const rest = trimmed.slice(end).trimStart();
  if (rest !== '' && isJSON(trimmed.slice(0, end))) return `invalid character ${quoteChar(rest[0]!)} after top-level value`;
  return `invalid character ${quoteChar(first)} looking for beginning of value`;
}

/** Where the first top-level object or array closes (bracket matching outside strings). */
function endOfFirstValue(text: string): number | undefined {
  if (text[0] !== '{' && text[0] !== '[') return text.length;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return i + 1;
  }
  return undefined;
}

function isJSON(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Go's `quoteChar`: `'x'`, with `'\''` and `"\""` escaped. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  return `'${c}'`;
}

/** Go's name for a JSON value's type in an "cannot unmarshal X into ..." error. */
export function goJSONType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'object';
  }
}
