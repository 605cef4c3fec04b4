/**
 * The counters `/v2/stats/store` shows, in its order (etcd's `Stats`, stats.go). Which operation
 * bumps which counter is decided by the store, where etcd's quirks are kept.
 */
export interface StoreStats {
  getsSuccess: number;
  getsFail: number;
  setsSuccess: number;
  setsFail: number;
  deleteSuccess: number;
  deleteFail: number;
  updateSuccess: number;
  updateFail: number;
  createSuccess: number;
  createFail: number;
  compareAndSwapSuccess: number;
  compareAndSwapFail: number;
  compareAndDeleteSuccess: number;
  compareAndDeleteFail: number;
  expireCount: number;
  watchers: number;
}

export type StatCounter = Exclude<keyof StoreStats, 'watchers'>;

export function newStats(): StoreStats {
  return {
    getsSuccess: 0,
    getsFail: 0,
    setsSuccess: 0,
    setsFail: 0,
    deleteSuccess: 0,
    deleteFail: 0,
    updateSuccess: 0,
    updateFail: 0,
    createSuccess: 0,
    createFail: 0,
    compareAndSwapSuccess: 0,
    compareAndSwapFail: 0,
    compareAndDeleteSuccess: 0,
    compareAndDeleteFail: 0,
    expireCount: 0,
    watchers: 0,
  };
}

/** Stats read back from a snapshot: known counters only, in order, missing ones 0. */
export function statsFrom(data: unknown): StoreStats {
  const stats = newStats();
  if (typeof data !== 'object' || data === null) return stats;
  for (const key of Object.keys(stats) as (keyof StoreStats)[]) {
    const v = (data as Record<string, unknown>)[key];
    if (typeof v === 'number') stats[key] = v;
  }
  return stats;
}
