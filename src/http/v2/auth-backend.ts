import type { StoreRead, StoreWrite, V2AuthBackend } from '../../auth/index.ts';
import { newRequest, type EtcdServer } from '../../server/index.ts';
import { EtcdError, ErrorCode } from '../../store/index.ts';

/**
 * v2 auth's store requests served by this member, as etcd's v2auth sends them to `server.Do`
 * (`doV2`: not counted as client HTTP requests):
 * reads from the member's own store (a quorum read through ReadIndex first), writes proposed
 * through the Raft log like any client's PUT or DELETE, so every member applies them.
 */
export function serverAuthBackend(server: EtcdServer): V2AuthBackend {
  return {
    async get(path, quorum): Promise<StoreRead> {
      // The common case, a local read of a file or of nothing (auth's enabled flag on every key
      // request), straight from the store: what `doV2`'s GET would answer, and counted alike.
      if (!quorum && !server.isRemoved) {
        const peeked = server.store.peek(path);
        if (!peeked.found) return { found: false };
        if (!peeked.dir) return { found: true, value: peeked.value, children: [] };
      }
      try {
        const { event } = await server.doV2(newRequest({ method: quorum ? 'QGET' : 'GET', path, quorum }));
        const node = event?.node;
        if (node === undefined) throw new Error(`no node in the answer to GET ${path}`);
        const children = (node.nodes ?? []).map((child) => child.key.slice(child.key.lastIndexOf('/') + 1));
        return { found: true, value: node.dir === true ? undefined : (node.value ?? ''), children };
      } catch (error) {
        if (error instanceof EtcdError && error.errorCode === ErrorCode.KeyNotFound) return { found: false };
        throw error;
      }
    },
    put(path, write, prevExist): Promise<StoreWrite> {
      const fields = 'dir' in write ? { dir: true } : { val: write.value };
      return outcome(server.doV2(newRequest({ method: 'PUT', path, prevExist, ...fields })));
    },
    delete(path): Promise<StoreWrite> {
      return outcome(server.doV2(newRequest({ method: 'DELETE', path, prevExist: true })));
    },
  };
}

async function outcome(write: Promise<unknown>): Promise<StoreWrite> {
  try {
    await write;
    return 'ok';
  } catch (error) {
    if (error instanceof EtcdError && error.errorCode === ErrorCode.KeyNotFound) return 'notFound';
    if (error instanceof EtcdError && error.errorCode === ErrorCode.NodeExist) return 'exists';
    throw error;
  }
}
