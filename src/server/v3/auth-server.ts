import { LoginThrottled, PasswordChecker, V3AuthError, type AuthInfo, type PasswordHasher, type V3AuthStore } from '../../auth/index.ts';
import type { V3Context } from './api.ts';
import type { V3Result } from './apply-v3.ts';
import { authRpcError, rawAuthRpcError, watchCancelReason } from './auth-errors.ts';
import { checkTxnAuth, watchedRange } from './auth-checks.ts';
import { ANONYMOUS, type AuthOperation, type RequestAuth } from './auth-request.ts';
import type { AuthMethod, AuthResponse, AuthRoleGrantPermissionRequest, AuthRoleRevokePermissionRequest, AuthUserAddRequest, V3AuthApi } from './auth-rpc.ts';
import { GrpcCode, Rpc, RpcError } from './errors.ts';
import type { ResponseHeader, TxnRequest, WatchCreateRequest } from './rpc.ts';
import type { V3Operation } from './v3-request.ts';

/** What a member gives its v3 auth from its platform: the password KDF, and randomness for tokens. */
export interface AuthPorts {
  hasher: PasswordHasher;
  /** etcd's `GenTokenPrefix`: 16 random letters, from a cryptographic source. */
  tokenPrefix(): string;
}

/** What the auth service needs of the member's v3 server. */
export interface AuthServerHost {
  propose(op: V3Operation, context: V3Context | undefined, auth: RequestAuth): Promise<V3Result>;
  linearizableRead(): Promise<void>;
  appliedIndex(): number;
  nowMs(): number;
  header(revision?: number): ResponseHeader;
}

/** How often a login is tried again when the auth store changed under it (etcd retries without end). */
const LOGIN_ATTEMPTS = 8;

/**
 * One member's v3 auth on the request path: etcd's `AuthInfoFromCtx` (a request's token to its
 * user), the checks etcd makes before a request is served or proposed (`doSerialize` for reads,
 * the admin checks of membership and maintenance calls, a watch's creation), and the Auth service
 * (etcdserver/v3_server.go: every Auth request goes through the log, lists and gets included).
 *
 * Fail closed: a check that fails for any reason but the auth store's own answer (a stored record
 * that does not read back, a hasher that fails) denies the request.
 */
export class V3AuthServer implements V3AuthApi {
  private readonly checker: PasswordChecker | undefined;

  constructor(
    private readonly host: AuthServerHost,
    readonly store: V3AuthStore,
    private readonly ports: AuthPorts | undefined,
  ) {
    this.checker = ports === undefined ? undefined : new PasswordChecker(ports.hasher);
  }

  /** The verified-credential cache and the login throttle (for tests and metrics). */
  get passwords(): PasswordChecker | undefined {
    return this.checker;
  }

  // ---- who is asking ----

  /**
   * `AuthInfoFromCtx`: no token, no user (undefined); a token this member knows, its user at the
   * current auth revision; any other token is refused, whether auth is on or not (etcd's).
   */
  authInfo(context: V3Context | undefined): AuthInfo | undefined {
    const token = context?.token;
    if (token === undefined) return undefined;
    return denyOnFault(() => this.store.authInfoFromToken(token, this.host.nowMs(), this.host.appliedIndex()));
  }

  /** The header a proposal carries (`processInternalRaftRequestOnce`). */
  requestAuth(context: V3Context | undefined): RequestAuth {
    const info = this.authInfo(context);
    return info === undefined ? ANONYMOUS : { username: info.username, revision: info.revision };
  }

  /**
   * `doSerialize`: a read served here is checked first, and refused after it ran if the auth store
   * moved meanwhile (`ErrAuthOldRevision`), so no answer leaves that a newer revoke forbids.
   */
  serialized<T>(context: V3Context | undefined, check: (info: AuthInfo | undefined) => void, read: () => T): T {
    const info = this.authInfo(context);
    denyOnFault(() => check(info));
    const result = read();
    if (info !== undefined && info.revision !== 0 && info.revision !== this.store.revision()) throw Rpc.AuthOldRevision;
    return result;
  }

  /** A read-only txn served here (`checkTxnAuth` under `doSerialize`). */
  serializedTxn<T>(context: V3Context | undefined, txn: TxnRequest, read: () => T): T {
    return this.serialized(context, (info) => checkTxnAuth(this.store, info, txn), read);
  }

  /** Membership changes (`checkMembershipOperationPermission`): root only, rpctypes errors. */
  checkAdmin(context: V3Context | undefined): void {
    const info = this.authInfo(context);
    denyOnFault(() => this.store.isAdminPermitted(info));
  }

  /**
   * The maintenance calls etcd guards (defragment, hash, hash-kv, snapshot: `isAuthenticated`):
   * root only, and the auth store's errors passed on as they are (gRPC Unknown, `auth: ...`).
   */
  checkAdminRaw(context: V3Context | undefined): void {
    try {
      const token = context?.token;
      const info = token === undefined ? undefined : this.store.authInfoFromToken(token, this.host.nowMs(), this.host.appliedIndex());
      this.store.isAdminPermitted(info);
    } catch (error) {
      if (error instanceof V3AuthError) throw rawAuthRpcError(error);
      throw Rpc.PermissionDenied;
    }
  }

  /** A watch's creation (`isWatchPermitted`): undefined when allowed, else the cancel reason. */
  watchRefusal(context: V3Context | undefined, create: WatchCreateRequest): string | undefined {
    try {
      const token = context?.token;
      const info = token === undefined ? undefined : this.store.authInfoFromToken(token, this.host.nowMs(), this.host.appliedIndex());
      const { key, rangeEnd } = watchedRange(create);
      this.store.isRangePermitted(info, key, rangeEnd);
      return undefined;
    } catch (error) {
      return watchCancelReason(error instanceof V3AuthError ? error : new V3AuthError('ErrPermissionDenied'));
    }
  }

  // ---- the Auth service ----

  async call(method: AuthMethod, request: Record<string, unknown>, context?: V3Context): Promise<AuthResponse> {
    const r = request as Record<string, string> & Record<string, unknown>;
    switch (method) {
      case 'AuthEnable':
        return this.write({ authEnable: {} }, context);
      case 'AuthDisable':
        return this.write({ authDisable: {} }, context);
      case 'Authenticate':
        return this.authenticate(r.name ?? '', r.password ?? '', context);
      case 'UserAdd':
        return this.userAdd(request as unknown as AuthUserAddRequest, context);
      case 'UserGet':
        return this.write({ authUserGet: { name: r.name ?? '' } }, context);
      case 'UserList':
        return this.write({ authUserList: {} }, context);
      case 'UserDelete':
        return this.write({ authUserDelete: { name: r.name ?? '' } }, context);
      case 'UserChangePassword':
        return this.changePassword(r.name ?? '', r.password ?? '', context);
      case 'UserGrantRole':
        return this.write({ authUserGrantRole: { user: r.user ?? '', role: r.role ?? '' } }, context);
      case 'UserRevokeRole':
        return this.write({ authUserRevokeRole: { name: r.name ?? '', role: r.role ?? '' } }, context);
      case 'RoleAdd':
        return this.write({ authRoleAdd: { name: r.name ?? '' } }, context);
      case 'RoleGet':
        return this.write({ authRoleGet: { role: r.role ?? '' } }, context);
      case 'RoleList':
        return this.write({ authRoleList: {} }, context);
      case 'RoleDelete':
        return this.write({ authRoleDelete: { role: r.role ?? '' } }, context);
      case 'RoleGrantPermission':
        return this.grantPermission(request as unknown as AuthRoleGrantPermissionRequest, context);
      case 'RoleRevokePermission': {
        const revoke = request as unknown as AuthRoleRevokePermissionRequest;
        return this.write({ authRoleRevokePermission: { role: revoke.role ?? '', key: revoke.key ?? '', rangeEnd: revoke.rangeEnd ?? '' } }, context);
      }
    }
  }

  /**
   * `Authenticate`: after a ReadIndex round, the password is checked here (`CheckPassword`, with
   * the verified-credential cache and the failed-login throttle), then an Authenticate entry with a
   * fresh token prefix goes through the log and every member learns the token. If the auth store
   * changed between the check and the entry, the check runs again (etcd's loop).
   */
  private async authenticate(name: string, password: string, context: V3Context | undefined): Promise<AuthResponse> {
    await this.host.linearizableRead().catch((error: unknown) => {
      throw error instanceof RpcError ? error : Rpc.Timeout;
    });
    this.needPorts();
    const checker = this.checker!;
    const client = context?.client ?? 'unknown';
    for (let attempt = 1; ; attempt++) {
      const nowMs = this.host.nowMs();
      let candidate: { password: string; revision: number };
      try {
        candidate = this.store.loginCandidate(name);
      } catch (error) {
        if (!(error instanceof V3AuthError)) throw Rpc.AuthFailed;
        if (error.code === 'ErrAuthFailed') {
          try {
            checker.unknownUser(client, nowMs);
          } catch (throttle) {
            throw throttledError(throttle);
          }
        }
        throw authRpcError(error);
      }
      let ok: boolean;
      try {
        ok = await checker.check(name, candidate.password, password, client, nowMs);
      } catch (error) {
        // Throttled, or a hasher that cannot check the stored hash: either way, no login.
        throw throttledError(error);
      }
      if (!ok) throw Rpc.AuthFailed;
      const response = await this.write({ authenticate: { name, simpleToken: this.ports!.tokenPrefix() } }, context);
      if (candidate.revision === this.store.revision() || attempt >= LOGIN_ATTEMPTS) return response;
    }
  }

  /** `UserAdd`: a root user's request (checked before the KDF runs), its password hashed here. */
  private async userAdd(r: AuthUserAddRequest, context: V3Context | undefined): Promise<AuthResponse> {
    const auth = this.preflightAdmin(context);
    const noPassword = r.options?.noPassword === true;
    const name = r.name ?? '';
    if (name === '') throw Rpc.UserEmpty;
    const password = noPassword ? '' : await this.hash(r.password ?? '');
    return this.answer(await this.host.propose({ authUserAdd: { name, password, noPassword } }, context, auth));
  }

  private async changePassword(name: string, password: string, context: V3Context | undefined): Promise<AuthResponse> {
    const auth = this.preflightAdmin(context);
    const hashed = await this.hash(password);
    return this.answer(await this.host.propose({ authUserChangePassword: { name, password: hashed } }, context, auth));
  }

  /**
   * Hardening: a grant without a permission makes etcd's member panic while applying it (it reads
   * `r.Perm.Key`); here it is refused before it is proposed, once the request is a root user's
   * and the role exists (what etcd checks before it crashes).
   */
  private async grantPermission(r: AuthRoleGrantPermissionRequest, context: V3Context | undefined): Promise<AuthResponse> {
    const name = r.name ?? '';
    if (r.perm === undefined) {
      this.preflightAdmin(context);
      denyOnFault(() => this.store.roleGet(name));
      throw new RpcError(GrpcCode.InvalidArgument, 'etcdserver: permission is not provided');
    }
    const perm = { permType: r.perm.permType ?? 'READ', key: r.perm.key ?? '', rangeEnd: r.perm.rangeEnd ?? '' };
    return this.write({ authRoleGrantPermission: { name, perm } }, context);
  }

  /** The admin check the entry will get when applied, made first so no KDF runs for a refusal. */
  private preflightAdmin(context: V3Context | undefined): RequestAuth {
    const auth = this.requestAuth(context);
    denyOnFault(() => this.store.isAdminPermitted(auth));
    return auth;
  }

  private async hash(password: string): Promise<string> {
    this.needPorts();
    try {
      return await this.ports!.hasher.hash(password);
    } catch {
      throw new RpcError(GrpcCode.Unavailable, 'etcdserver: the password could not be hashed');
    }
  }

  private needPorts(): true {
    if (this.ports === undefined) throw new RpcError(GrpcCode.Unavailable, 'etcdserver: this member has no password hasher');
    return true;
  }

  private async write(op: AuthOperation, context: V3Context | undefined): Promise<AuthResponse> {
    return this.answer(await this.host.propose(op, context, this.requestAuth(context)));
  }

  private answer(outcome: V3Result): AuthResponse {
    if (outcome.error !== undefined) throw outcome.error;
    const response = outcome.response as AuthResponse | undefined;
    if (response === undefined) throw Rpc.Stopped;
    return { ...response, header: this.host.header(response.header.revision === 0 ? undefined : response.header.revision) };
  }
}

/** Runs an auth store check; its errors become rpctypes errors, any other fault a denial. */
function denyOnFault<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof V3AuthError) throw authRpcError(error);
    if (error instanceof RpcError) throw error;
    throw Rpc.PermissionDenied;
  }
}

/**
 * A throttled login (a hardening: etcd never slows a guesser down) is ResourceExhausted, which the
 * gateway answers 429, with the wait in whole seconds; any other failure to check is a failed login.
 */
function throttledError(error: unknown): RpcError {
  if (!(error instanceof LoginThrottled)) return Rpc.AuthFailed;
  return new RpcError(GrpcCode.ResourceExhausted, `etcdserver: too many failed logins for this user or client; retry in ${Math.ceil(error.retryAfterMs / 1000)} s`);
}
