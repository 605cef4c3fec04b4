import { goJSONType, parseGoJSON } from '../go-json.ts';

/**
 * The body of `POST /v2/members` and `PUT /v2/members/<id>`: `{"peerURLs": [...]}`, decoded and
 * checked as etcd's `MemberCreateRequest.UnmarshalJSON` and `types.NewURLs` do. Returns the URLs
 * sorted (etcd sorts them, and derives a new member's ID from the sorted list) or Go's message.
 */
export function parsePeerURLsBody(text: string): { peerURLs: string[] } | { error: string } {
  const parsed = parseGoJSON(text);
  if ('error' in parsed) return parsed;
  const body = parsed.value;
  let raw: unknown[] = [];
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const field = (body as Record<string, unknown>)['peerURLs'];
    if (field !== undefined && field !== null) {
      if (!Array.isArray(field)) return { error: `json: cannot unmarshal ${goJSONType(field)} into Go struct field .peerURLs of type []string` };
      const wrong = field.find((u) => typeof u !== 'string');
      if (wrong !== undefined) return { error: `json: cannot unmarshal ${goJSONType(wrong)} into Go struct field .peerURLs of type string` };
      raw = field;
    }
  } else if (body !== null) {
    return { error: `json: cannot unmarshal ${goJSONType(body)} into Go value of type struct { PeerURLs []string "json:\\"peerURLs\\"" }` };
  }
  return newURLs(raw as string[]);
}

/** etcd's `types.NewURLs`: checked, normalised and sorted, or Go's message. */
export function newURLs(inputs: string[]): { peerURLs: string[] } | { error: string } {
  if (inputs.length === 0) return { error: 'no valid URLs given' };
  const out: string[] = [];
  for (const input of inputs) {
    const text = input.trim();
    const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(.*)$/.exec(text);
    const scheme = match?.[1]?.toLowerCase();
    if (match === null || scheme === undefined || !['http', 'https', 'unix', 'unixs'].includes(scheme)) {
      return { error: `URL scheme must be http, https, unix, or unixs: ${text}` };
    }
    const host = match[2]!;
    if (!hasHostPort(host)) return { error: `URL address does not have the form "host:port": ${text}` };
    if (match[3] !== '') return { error: `URL must not contain a path: ${text}` };
    out.push(`${scheme}://${host}${match[4]!}`);
  }
  return { peerURLs: out.sort() };
}

/** Go's `net.SplitHostPort` succeeding: `host:port`, `[v6]:port`. */
function hasHostPort(host: string): boolean {
  if (host.startsWith('[')) return /^\[[^\]]*\]:[^:]*$/.test(host);
  return (host.match(/:/g) ?? []).length === 1;
}
