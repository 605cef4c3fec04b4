/**
 * Authentication and authorization, as a pure core: no clocks, randomness or crypto of its own
 * (time comes in as an argument, hashing through the `PasswordHasher` port).
 *
 * etcd 3.4 keeps two separate user databases, and so does edgecd: v2 auth (`v2/`) stores its
 * users and roles as JSON in the v2 store under `/2`, written through the log as v2 requests;
 * v3 auth (`v3/`) keeps its own in the v3 backend (the member's auth tables), written through the
 * log as v3 requests. They share only what is not a database: the hasher port, the
 * verified-credential cache and the login throttle (DESIGN.md §10 says why two).
 */
export type { PasswordHasher } from './password-hasher.ts';
export { PasswordChecker } from './password-checker.ts';
export { LoginThrottle, LoginThrottled, USER_FAILURE_LIMIT, CLIENT_FAILURE_LIMIT, type ThrottleLimit } from './login-throttle.ts';

export { V2AuthStore } from './v2/auth-store.ts';
export { V2Access, type Credentials, type Decision, type Requester } from './v2/access.ts';
export type { StoreRead, StoreWrite, V2AuthBackend } from './v2/backend.ts';
export { decodeRole, decodeUser, encodeRole, encodeUser, GoJSONTypeError } from './v2/codec.ts';
export { GoJSONSyntaxError, goQuote, goStringSlice } from './v2/go-json.ts';
export { AuthError, GUEST_ROLE_NAME, isEmptyPermissions, ROOT_ROLE_NAME, STORE_PERMS_PREFIX, type Permissions, type Role, type RWPermission, type User } from './v2/types.ts';

export { V3AuthStore, type GoSort } from './v3/auth-store.ts';
export type { V3AuthBackend } from './v3/backend.ts';
export { V3AuthError, V3_AUTH_ERROR_MESSAGES, type V3AuthErrorCode } from './v3/errors.ts';
export { compareIntervals, IntervalTree, pointInterval, type Interval } from './v3/interval-tree.ts';
export { DEFAULT_TOKEN_TTL_MS, SimpleTokens, tokenIndex } from './v3/simple-token.ts';
export { ROOT_ROLE, ROOT_USER, type AuthInfo, type AuthSnapshot, type Permission, type PermissionType, type StoredRole, type StoredUser } from './v3/types.ts';
