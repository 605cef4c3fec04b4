import { V3AuthError, type AuthInfo, type V3AuthStore } from '../../auth/index.ts';
import type { Lessor } from '../../lease/index.ts';
import type { WatchableStore } from '../../mvcc/index.ts';
import type { V3Applier, V3Result } from './apply-v3.ts';
import { authRpcError } from './auth-errors.ts';
import { checkLeasePuts, checkTxnAuth } from './auth-checks.ts';
import { needsAdmin, type AuthOperation, type RequestAuth } from './auth-request.ts';
import type { AuthResponse } from './auth-rpc.ts';
import { revisionHeader } from './range.ts';
import type { V3Operation } from './v3-request.ts';

/**
 * etcd's `authApplierV3` (etcdserver/apply_auth.go) in front of the v3 applier: every committed
 * request is checked against the auth store as it stands when it is applied, identically on every
 * member, under the user and auth revision its proposer put in its header. The admin requests
 * (enable, disable, users' and roles' changes, the lists) need a root user; puts, deletes, txns
 * and lease revokes need permission on their keys; the Auth requests themselves are applied to the
 * auth store.
 *
 * Hardenings: an active alarm never takes these checks away (etcd 3.4 rebuilds its applier
 * without them when NOSPACE or CORRUPT is raised, and back only when disarmed), and raising or
 * clearing an alarm is an admin request while auth is on (etcd lets anyone, so an anonymous client
 * could cap every member's writes).
 *
 * A fault that is not the auth store's answer (storage failing) is thrown, not turned into a
 * response: the member resets and applies the entry again, so members never diverge on it.
 */
export class AuthApplier {
  constructor(
    private readonly base: V3Applier,
    private readonly store: V3AuthStore,
    private readonly lessor: Lessor,
    private readonly kv: WatchableStore,
  ) {}

  apply(op: V3Operation, header: RequestAuth, index: number, nowMs: number): V3Result {
    const info: AuthInfo = { username: header.username, revision: header.revision };
    try {
      if (header.system !== true) {
        if (needsAdmin(op) || isAlarmChange(op)) this.store.isAdminPermitted(info);
        this.checkKeys(op, info);
      }
      if (isAuthOperation(op)) return { response: this.applyAuth(op, info, index, nowMs) };
    } catch (error) {
      if (error instanceof V3AuthError) return { error: authRpcError(error) };
      throw error;
    }
    return this.base.apply(op, nowMs);
  }

  /** Put, DeleteRange, Txn and LeaseRevoke as authApplierV3 checks them, before they run. */
  private checkKeys(op: V3Operation, info: AuthInfo): void {
    if ('put' in op) {
      this.store.isPutPermitted(info, op.put.key);
      checkLeasePuts(this.store, this.lessor, info, op.put.lease);
      if (op.put.prevKv) this.store.isRangePermitted(info, op.put.key, '');
    } else if ('deleteRange' in op) {
      const d = op.deleteRange;
      this.store.isDeleteRangePermitted(info, d.key, d.rangeEnd);
      if (d.prevKv) this.store.isRangePermitted(info, d.key, d.rangeEnd);
    } else if ('txn' in op) {
      checkTxnAuth(this.store, info, op.txn);
    } else if ('leaseRevoke' in op) {
      checkLeasePuts(this.store, this.lessor, info, op.leaseRevoke.id);
    }
  }

  private applyAuth(op: AuthOperation, info: AuthInfo, index: number, nowMs: number): AuthResponse {
    const store = this.store;
    const header = revisionHeader(this.kv.rev());
    if ('authEnable' in op) store.authEnable();
    else if ('authDisable' in op) store.authDisable();
    else if ('authenticate' in op) return { header, token: store.authenticate(op.authenticate.name, op.authenticate.simpleToken, index, nowMs) };
    else if ('authUserAdd' in op) store.userAdd(op.authUserAdd.name, op.authUserAdd.password, op.authUserAdd.noPassword);
    else if ('authUserDelete' in op) store.userDelete(op.authUserDelete.name);
    else if ('authUserChangePassword' in op) store.userChangePassword(op.authUserChangePassword.name, op.authUserChangePassword.password);
    else if ('authUserGrantRole' in op) store.userGrantRole(op.authUserGrantRole.user, op.authUserGrantRole.role);
    else if ('authUserRevokeRole' in op) store.userRevokeRole(op.authUserRevokeRole.name, op.authUserRevokeRole.role);
    else if ('authUserGet' in op) {
      // A user may read its own roles; anyone else's need root.
      if (op.authUserGet.name !== info.username) store.isAdminPermitted(info);
      return { header, roles: store.userGet(op.authUserGet.name) };
    } else if ('authUserList' in op) return { header, users: store.userList() };
    else if ('authRoleAdd' in op) store.roleAdd(op.authRoleAdd.name);
    else if ('authRoleGet' in op) {
      // A user may read a role it holds; any other needs root.
      if (!store.hasRole(info.username, op.authRoleGet.role)) store.isAdminPermitted(info);
      return { header, perm: store.roleGet(op.authRoleGet.role) };
    } else if ('authRoleList' in op) return { header, roles: store.roleList() };
    else if ('authRoleDelete' in op) store.roleDelete(op.authRoleDelete.role);
    else if ('authRoleGrantPermission' in op) store.roleGrantPermission(op.authRoleGrantPermission.name, op.authRoleGrantPermission.perm);
    else store.roleRevokePermission(op.authRoleRevokePermission.role, op.authRoleRevokePermission.key, op.authRoleRevokePermission.rangeEnd);
    return { header };
  }
}

function isAuthOperation(op: V3Operation): op is AuthOperation {
  return Object.keys(op)[0]?.startsWith('auth') === true;
}

function isAlarmChange(op: V3Operation): boolean {
  return 'alarm' in op && op.alarm.action !== 'GET';
}
