import { IntervalTree, pointInterval, type Interval } from './interval-tree.ts';
import type { Permission, StoredRole, StoredUser } from './types.ts';

/**
 * A user's key permissions merged over its roles (auth/range_perm_cache.go): one interval tree of
 * what it may read, one of what it may write. Built as etcd builds it, role by role in the user's
 * (sorted) order, each role's permissions in their stored order, so the trees have etcd's shape.
 */
export class UnifiedPermissions {
  private readonly read = new IntervalTree();
  private readonly write = new IntervalTree();

  constructor(user: StoredUser, role: (name: string) => StoredRole | undefined) {
    for (const name of user.roles) {
      // A role that does not exist (the root role is never stored) grants nothing here.
      const found = role(name);
      if (found === undefined) continue;
      for (const permission of found.keyPermission) this.add(permission);
    }
  }

  /**
   * `isRangeOpPermitted`: a single key (`rangeEnd` '') needs a permission that covers it; a range
   * needs permissions that together cover all of it. A range end of "\0" is "every key from
   * `key`", an interval with no end.
   */
  permits(key: string, rangeEnd: string, write: boolean): boolean {
    const tree = write ? this.write : this.read;
    if (rangeEnd === '') return tree.intersects(pointInterval(key));
    return tree.contains({ begin: key, end: rangeEnd === '\0' ? '' : rangeEnd });
  }

  private add(permission: Permission): void {
    const interval = permissionInterval(permission);
    if (permission.permType !== 'WRITE') this.read.insert(interval);
    if (permission.permType !== 'READ') this.write.insert(interval);
  }
}

/** `getMergedPerms`: a permission's keys as an interval (no range end: the key alone). */
function permissionInterval(permission: Permission): Interval {
  if (permission.rangeEnd === '') return pointInterval(permission.key);
  return { begin: permission.key, end: permission.rangeEnd === '\0' ? '' : permission.rangeEnd };
}
