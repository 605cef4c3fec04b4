/**
 * Authentication and authorization, as a pure core: no clocks, randomness or crypto of its own
 * (time comes in as an argument, hashing through the `PasswordHasher` port).
 *
 * etcd 3.4 keeps two separate user databases, and so does edgecd: v2 auth (`v2/`) stores its
 * users and roles as JSON in the v2 store under `/2`, written through the log as v2 requests;
 * v3 auth will keep its own in the v3 backend, beside it. They share only what is not a
 * database: the hasher port, the verified-credential cache and the login throttle.
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
