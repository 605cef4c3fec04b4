import { KeyTree, type EventJSON, type NodeJSON } from '../model/key-tree.ts';
import { EtcdRequestError, json, request } from './http.ts';
import type { Keyspace } from './keyspace.ts';

/** etcd's EventIndexCleared: the watch asked for history the store no longer keeps. */
const EVENT_INDEX_CLEARED = 401;
const RECONNECT_MS = 250;
/** How many listings a signed-in user's tree may take to find what they may read. */
const MAX_EXPLORE_REQUESTS = 100;

/** A key path for the URL: each segment escaped, the slashes kept. */
function keyURL(key: string): string {
  return `/v2/keys${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * A dir's URL with a trailing slash. etcd's v2 auth checks the path as written (`/foo/` for
 * `/v2/keys/foo/`), and a role's `/foo/*` grants `/foo/` but not `/foo`; the store cleans the
 * path, so the answer is the same.
 */
const dirURL = (dir: string): string => (dir === '/' ? '/v2/keys/' : `${keyURL(dir)}/`);

/** The v2 keys API (`/v2/keys`) as the console's keyspace. */
export class V2Keyspace implements Keyspace {
  readonly name = 'v2';
  /** Dirs the user named to read (see `openDir`). */
  private readonly openedDirs: string[] = [];

  /**
   * Adds a dir to read on the next `load`, for a user who may not list the dirs above it (etcd
   * will not tell a user without the root role which keys their roles grant).
   */
  openDir(dir: string): void {
    if (!this.openedDirs.includes(dir)) this.openedDirs.push(dir);
  }

  /**
   * The whole keyspace in one recursive GET of `/`; when the signed-in user may not read all of
   * it, what they may: each dir read whole where the user may read it recursively, else listed
   * (its files and subdirs) and its subdirs tried in turn, else marked as no access. Each part
   * read whole is watched on its own.
   */
  async load(): Promise<KeyTree> {
    const tree = new KeyTree();
    const budget = { left: MAX_EXPLORE_REQUESTS };
    await this.explore(tree, '/', Date.now(), budget);
    for (const dir of this.openedDirs) {
      // Already read as part of a dir read whole.
      if (tree.watchRoots.some((root) => root.dir === '/' || dir === root.dir || dir.startsWith(`${root.dir}/`))) continue;
      await this.explore(tree, dir, Date.now(), budget);
    }
    return tree;
  }

  /** Reads `dir` as far as the user may (see `load`), adding what it finds to `tree`. */
  private async explore(tree: KeyTree, dir: string, nowMs: number, budget: { left: number }): Promise<void> {
    budget.left--;
    const whole = await this.read(`${dirURL(dir)}?recursive=true&sorted=true`);
    if (whole !== 'denied') {
      tree.addListing(whole.node, whole.index, nowMs);
      tree.watchRoots.push({ dir, index: whole.index });
      return;
    }
    budget.left--;
    const listed = budget.left < 0 ? 'denied' : await this.read(`${dirURL(dir)}?sorted=true`);
    if (listed === 'denied') {
      tree.markDenied(dir);
      return;
    }
    tree.addListing(listed.node, listed.index, nowMs);
    for (const child of listed.node.nodes ?? []) {
      if (child.dir === true && child.key !== undefined) {
        if (budget.left <= 0) tree.markDenied(child.key);
        else await this.explore(tree, child.key, nowMs, budget);
      }
    }
  }

  /** One GET; 'denied' for etcd's 401 (or a 403); other errors thrown. */
  private async read(url: string): Promise<{ node: NodeJSON; index: number } | 'denied'> {
    const response = await request(url);
    const index = Number(response.headers.get('X-Etcd-Index') ?? '0');
    try {
      const body = await json<{ node: NodeJSON }>(response);
      return { node: body.node, index };
    } catch (error) {
      if (error instanceof EtcdRequestError && error.noAccess) return 'denied';
      throw error;
    }
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

  /** One stream watch per part of the tree read whole (`watchRoots`), each from the index it was read at. */
  watch(tree: KeyTree, onEvent: (event: EventJSON) => void, onLost: () => void): () => void {
    const stops = tree.watchRoots.map((root) => watchDir(root.dir, root.index + 1, onEvent, onLost));
    return () => stops.forEach((stop) => stop());
  }
}

/**
 * One recursive stream watch of a dir (`wait=true&stream=true`), each event a JSON line; when
 * the stream ends (its member was reset, leadership moved) it is opened again where it left off.
 */
function watchDir(dir: string, fromIndex: number, onEvent: (event: EventJSON) => void, onLost: () => void): () => void {
  const abort = new AbortController();
  let next = fromIndex;
  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const response = await request(`${dirURL(dir)}?wait=true&recursive=true&stream=true&waitIndex=${next}`, { signal: abort.signal });
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
