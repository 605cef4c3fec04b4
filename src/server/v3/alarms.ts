import { compareIds } from '../member-id.ts';
import type { AlarmMember, AlarmRequest, AlarmResponse, AlarmType } from './rpc.ts';

/** Where the alarms live between restarts (etcd's `alarm` bucket): written in the apply's turn. */
export interface AlarmBackend {
  load(): AlarmMember[];
  put(member: AlarmMember): void;
  delete(member: AlarmMember): void;
}

/**
 * etcd's `v3alarm.AlarmStore` (etcdserver/api/v3alarm/alarms.go): the raised alarms, one per
 * member and type, replicated through the log. A NOSPACE alarm caps the store (no puts, no lease
 * grants) until an operator disarms it (`etcdctl alarm disarm`). etcd lists alarms in Go's map
 * order (random); here in type then member ID order.
 */
export class AlarmStore {
  private readonly active = new Map<string, AlarmMember>();

  constructor(private readonly backend: AlarmBackend) {
    this.reload();
  }

  /** Reads the alarms again from the backend (after a snapshot replaced them). */
  reload(): void {
    this.active.clear();
    for (const m of this.backend.load()) this.active.set(keyOf(m), m);
  }

  isActive(type: AlarmType): boolean {
    for (const m of this.active.values()) if (m.alarm === type) return true;
    return false;
  }

  /** Alarms of a type, or of every type for NONE (etcd's `Get`). */
  get(type: AlarmType): AlarmMember[] {
    return [...this.active.values()]
      .filter((m) => type === 'NONE' || m.alarm === type)
      .sort((a, b) => (a.alarm === b.alarm ? compareIds(a.memberId, b.memberId) : a.alarm < b.alarm ? -1 : 1))
      .map((m) => ({ ...m }));
  }

  /** etcd's `applierV3backend.Alarm`, applied from the log. */
  apply(r: AlarmRequest): AlarmResponse {
    switch (r.action) {
      case 'GET':
        return { alarms: this.get(r.alarm) };
      case 'ACTIVATE': {
        // etcd activates NONE too (an alarm of type NONE), as it does whatever it is given.
        const member = { memberId: r.memberId, alarm: r.alarm };
        const existing = this.active.get(keyOf(member));
        if (existing === undefined) {
          this.active.set(keyOf(member), member);
          this.backend.put(member);
        }
        return { alarms: [{ ...(existing ?? member) }] };
      }
      case 'DEACTIVATE': {
        const member = this.active.get(keyOf({ memberId: r.memberId, alarm: r.alarm }));
        if (member === undefined) return { alarms: [] };
        this.active.delete(keyOf(member));
        this.backend.delete(member);
        return { alarms: [{ ...member }] };
      }
    }
  }
}

function keyOf(m: AlarmMember): string {
  return `${m.alarm}/${m.memberId}`;
}
