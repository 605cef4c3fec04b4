import { KeyTree, type EventJSON, type NodeJSON } from '../model/key-tree.ts';
import { json, request } from './http.ts';
import type { Keyspace } from './keyspace.ts';

/** etcd's EventIndexCleared: the watch asked for history the store no longer keeps. */
const EVENT_INDEX_CLEARED = 401;
const RECONNECT_MS = 250;

/** A key path for the URL: each segment escaped, the slashes kept. */
function keyURL(key: string): string {
  return `/v2/keys${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** The v2 keys API (`/v2/keys`) as the console's keyspace. */
export class V2Keyspace implements Keyspace {
  readonly name = 'v2';

  async load(): Promise<KeyTree> {
    const response = await request('/v2/keys/?recursive=true&sorted=true');
    const index = Number(response.headers.get('X-Etcd-Index') ?? '0');
    const body = await json<{ node: NodeJSON }>(response);
    return KeyTree.fromListing(body.node, index, Date.now());
  }

  async put(key: string, value: string, options: { ttlSeconds?: number; dir?: boolean } = {}): Promise<void> {
    const form = new URLSearchParams();
    if (options.dir === true) form.set('dir', 'true');
    else form.set('value', value);
    if (options.ttlSeconds !== undefined) form.set('ttl', String(options.ttlSeconds));
    await json(await request(keyURL(key), { method: 'PUT', body: form }));
  }

  async remove(key: string, options: { dir?: boolean } = {}): Promise<void> {
    await json(await request(`${keyURL(key)}${options.dir === true ? '?recursive=true' : ''}`, { method: 'DELETE' }));
  }

  /**
   * One recursive stream watch of `/` (`wait=true&stream=true`), each event a JSON line; when
   * the stream ends (its member was reset, leadership moved) it is opened again where it left off.
   */
  watch(fromIndex: number, onEvent: (event: EventJSON) => void, onLost: () => void): () => void {
    const abort = new AbortController();
    let next = fromIndex;
    const run = async (): Promise<void> => {
      while (!abort.signal.aborted) {
        try {
          const response = await request(`/v2/keys/?wait=true&recursive=true&stream=true&waitIndex=${next}`, { signal: abort.signal });
          if (!response.ok) {
            const body = (await response.json().catch(() => ({}))) as { errorCode?: number };
            if (body.errorCode === EVENT_INDEX_CLEARED) {
              onLost();
              return;
            }
          } else {
            for await (const event of events(response)) {
              next = Math.max(next, (event.node.modifiedIndex ?? 0) + 1);
              onEvent(event);
            }
          }
        } catch {
          if (abort.signal.aborted) return;
        }
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
      }
    };
    void run();
    return () => abort.abort();
  }
}

/** The events of a stream watch: JSON objects, one per line. */
async function* events(response: Response): AsyncGenerator<EventJSON> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffered += value;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== '') yield JSON.parse(line) as EventJSON;
      newline = buffered.indexOf('\n');
    }
  }
}
