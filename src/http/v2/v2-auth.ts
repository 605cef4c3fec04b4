import type { EtcdServer } from '../../server/index.ts';

/**
 * etcd's v2 auth check before a keys request (`hasKeyPrefixAccess`) and a members write
 * (`hasRootAccess`): `v2auth.detectAuth` reads `/2/enabled` through the server as a local GET.
 * edgecd has no v2 auth, so that read always misses, and a miss is what etcd's store counts:
 * one `getsFail` in `/v2/stats/store` per such request, on the member that received it.
 */
export function detectAuth(server: EtcdServer): false {
  server.store.stats.getsFail++;
  return false;
}
