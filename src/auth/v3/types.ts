/**
 * etcd 3.4's v3 auth data (auth/authpb/auth.proto), as this member keeps it. Names are Go strings
 * (JavaScript strings here); permission keys are byte strings, one UTF-16 code unit per byte, as
 * mvcc's `Bytes` are, so they compare in byte order with `<`.
 */

/** authpb.Permission_Type; READ is proto3's zero value. */
export type PermissionType = 'READ' | 'WRITE' | 'READWRITE';

/** authpb.Permission: `[key, rangeEnd)`; `rangeEnd` '' is the key alone, '\0' every key from `key`. */
export interface Permission {
  permType: PermissionType;
  key: string;
  rangeEnd: string;
}

/** authpb.User. `password` is the stored hash ('' for a user added with `no_password`). */
export interface StoredUser {
  name: string;
  password: string;
  /** Sorted (Go's `sort.Strings`), as UserGrantRole keeps them. */
  roles: string[];
  noPassword: boolean;
}

/** authpb.Role: its permissions sorted by key (Go's `sort.Sort`, which is not stable). */
export interface StoredRole {
  name: string;
  keyPermission: Permission[];
}

/**
 * `auth.AuthInfo`: who a request is, as its token said when it was checked: the user and the auth
 * store's revision at that moment (a simple token carries no revision of its own).
 */
export interface AuthInfo {
  username: string;
  revision: number;
}

/** Everything v3 auth replicates, as a snapshot carries it. */
export interface AuthSnapshot {
  enabled: boolean;
  revision: number;
  users: StoredUser[];
  roles: StoredRole[];
}

export const ROOT_USER = 'root';
export const ROOT_ROLE = 'root';
