import type { AlarmBackend, AlarmMember, AlarmType } from '../server/index.ts';
import { migrate } from './schema.ts';

/**
 * The v3 alarms on the member's SQLite database (etcd's alarm bucket). Written while an alarm
 * entry is applied, inside the turn that records the applied index, like every v3 change.
 */
export class SqliteAlarmBackend implements AlarmBackend {
  constructor(private readonly sql: SqlStorage) {
    migrate(sql);
  }

  load(): AlarmMember[] {
    return this.sql
      .exec<{ member_id: string; alarm: string }>('SELECT member_id, alarm FROM alarm ORDER BY alarm, member_id')
      .toArray()
      .map((row) => ({ memberId: row.member_id, alarm: row.alarm as AlarmType }));
  }

  put(member: AlarmMember): void {
    this.sql.exec('INSERT OR IGNORE INTO alarm (member_id, alarm) VALUES (?, ?)', member.memberId, member.alarm);
  }

  delete(member: AlarmMember): void {
    this.sql.exec('DELETE FROM alarm WHERE member_id = ? AND alarm = ?', member.memberId, member.alarm);
  }
}
