import { PasswordChecker, V2Access, V2AuthStore, type PasswordHasher } from '../../auth/index.ts';
import type { EtcdServer } from '../../server/index.ts';
import { serverAuthBackend } from './auth-backend.ts';

/** A member's v2 auth: its auth store and its access checks (with their cache and throttle). */
export interface V2Auth {
  store: V2AuthStore;
  access: V2Access;
  passwords: PasswordChecker;
}

/**
 * One per server, as etcd has one v2auth store per server process: what it remembers (that the
 * auth directories exist, the verified credentials, the failed logins) lives as long as the
 * server does, and a restarted or wiped member starts afresh, as a restarted etcd does.
 */
const perServer = new WeakMap<EtcdServer, V2Auth>();

export function v2AuthOf(server: EtcdServer, hasher: PasswordHasher): V2Auth {
  let auth = perServer.get(server);
  if (auth === undefined) {
    const store = new V2AuthStore(serverAuthBackend(server), hasher);
    const passwords = new PasswordChecker(hasher);
    auth = { store, passwords, access: new V2Access(store, passwords) };
    perServer.set(server, auth);
  }
  return auth;
}
