/**
 * JSON for values that hold bigints (v3 lease IDs), which JSON has no form for: a bigint is
 * written as `{"$n":"<decimal>"}`. Nothing else the server writes is an object with a `$n`
 * member (keys and values are strings), so reading it back is unambiguous.
 */
export function stringifyWithBigInts(value: unknown, omit?: (value: unknown) => boolean): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (omit?.(v) === true) return undefined;
    return typeof v === 'bigint' ? { $n: v.toString() } : v;
  });
}

export function parseWithBigInts<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && '$n' in v ? BigInt((v as { $n: string }).$n) : v,
  ) as T;
}
