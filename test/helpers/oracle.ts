/**
 * Differential testing against real etcd: the same scripted HTTP requests go to edgecd and to a
 * real etcd 3.4, and what a client can observe is compared after normalising what legitimately
 * differs (absolute indexes become deltas from each side's base index; times are checked for
 * shape; IDs and Raft indexes are compared for presence).
 */

export interface ScriptRequest {
  method: string;
  /** Path and query, e.g. `/v2/keys/foo?wait=true`. */
  path: string;
  form?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
}

export interface Observation {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Headers whose presence (not value) is compared: they carry per-cluster IDs and Raft positions. */
const PRESENCE_HEADERS = ['x-etcd-cluster-id', 'x-raft-index', 'x-raft-term'];
/** Headers compared by value. */
const VALUE_HEADERS = ['content-type', 'allow', 'location'];

export function encodeForm(form: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
  return params.toString();
}

export async function send(baseURL: string, r: ScriptRequest, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { ...r.headers };
  let body: string | undefined = r.body;
  if (r.form !== undefined) {
    body = encodeForm(r.form);
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  return fetch(`${baseURL}${r.path}`, { method: r.method, headers, redirect: 'manual', ...(body === undefined ? {} : { body }), ...(signal === undefined ? {} : { signal }) });
}

/** Reads a response into an observation with indexes relative to `base`. */
export async function observe(response: Response, base: number, text?: string, unordered = false): Promise<Observation> {
  const raw = text ?? (await response.text());
  const headers: Record<string, string> = {};
  for (const h of VALUE_HEADERS) {
    const v = response.headers.get(h);
    if (v !== null) headers[h] = v;
  }
  for (const h of PRESENCE_HEADERS) if (response.headers.has(h)) headers[h] = '<present>';
  const etcdIndex = response.headers.get('x-etcd-index');
  if (etcdIndex !== null) headers['x-etcd-index'] = relative(Number(etcdIndex), base);
  let body: unknown = raw;
  if ((response.headers.get('content-type') ?? '').includes('application/json')) {
    body = raw
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => normalise(JSON.parse(line), base, unordered));
  }
  return { status: response.status, headers, body };
}

/** Indexes at or above the base are shown as `base+n`; lower ones (e.g. 0) stay absolute. */
function relative(index: number, base: number): string {
  return index >= base ? `base+${index - base}` : String(index);
}

function normalise(value: unknown, base: number, unordered = false): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v, base, unordered));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if ((k === 'modifiedIndex' || k === 'createdIndex' || k === 'index') && typeof v === 'number') out[k] = relative(v, base);
    else if (k === 'key' && typeof v === 'string') out[k] = v.replace(/\b(\d{20})\b/g, (d) => `<${relative(Number(d), base)}>`);
    else if (k === 'expiration' && typeof v === 'string') out[k] = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v) ? '<rfc3339>' : v;
    else if (k === 'ttl' && typeof v === 'number') out[k] = v > 0 ? '<positive>' : v;
    else if (k === 'cause' && typeof v === 'string') out[k] = v.replace(/\[(\d+) != (\d+)\]/, (_, a: string, b: string) => `[${relative(Number(a), base)} != ${relative(Number(b), base)}]`).replace(/cleared \[(\d+)\/(\d+)\]/, (_, a: string, b: string) => `cleared [${relative(Number(a), base)}/${relative(Number(b), base)}]`);
    else if (k === 'nodes' && Array.isArray(v) && unordered) out[k] = (normalise(v, base, true) as { key?: string }[]).sort((a, b) => String(a.key).localeCompare(String(b.key)));
    else out[k] = normalise(v, base, unordered);
  }
  return out;
}

/** Reads `n` newline-terminated lines of a streamed body. */
export async function readLines(response: Response, n: number, timeoutMs: number): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + timeoutMs;
  while (text.split('\n').length - 1 < n && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), new Promise<undefined>((r) => setTimeout(r, deadline - Date.now()))]);
    if (chunk === undefined || chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  await reader.cancel().catch(() => undefined);
  return text;
}
