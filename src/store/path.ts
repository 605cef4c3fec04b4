/**
 * The parts of Go's `path` package the store relies on. etcd normalises every key with
 * `path.Clean(path.Join("/", key))`, so `a//b/`, `/a/./b` and `/x/../a/b` all name `/a/b`.
 */

/** Go's `path.Clean`: lexical, no filesystem; `..` above the root stays at the root. */
export function clean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/** A store key: absolute and clean, as `path.Clean(path.Join("/", key))` makes it. */
export function normalizeKey(key: string): string {
  // Fast path: most keys are already clean, and this runs on every operation.
  if (key.startsWith('/') && !key.includes('//') && !key.includes('/.') && (key.length === 1 || !key.endsWith('/'))) {
    return key;
  }
  return clean('/' + key);
}

/** Go's `path.Split` on a clean absolute key: the directory (with its trailing slash) and the name. */
export function split(p: string): [dir: string, name: string] {
  const i = p.lastIndexOf('/');
  return [p.slice(0, i + 1), p.slice(i + 1)];
}

/** The last component of a key. */
export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Go's `path.Join(parent, name)` for a clean parent and a plain name. */
export function joinChild(parent: string, name: string): string {
  return parent === '/' ? '/' + name : parent + '/' + name;
}
