import './build-flags.ts';
import type { Message } from '../raft/index.ts';

/**
 * Network faults between members, for tests and local runs only (compiled in only where the
 * build-time `EDGECD_FAULT_INJECTION` is true, build-flags.ts, then switched on by the
 * `FAULT_INJECTION` var, never set in wrangler.toml): messages to the listed peers are lost (a partition), each other
 * message is lost, duplicated or delayed with the given chances. Raft must stay safe through all
 * of it; crashes are `ctx.abort()`.
 */
export interface FaultPlan {
  /** Peer member names this member cannot reach. */
  partitioned: string[];
  /** Chance that a message is lost. */
  drop: number;
  /** Chance that a message is sent twice. */
  duplicate: number;
  /** Extra delay of each batch, in ms. */
  delayMs: number;
}

export const NO_FAULTS: FaultPlan = { partitioned: [], drop: 0, duplicate: 0, delayMs: 0 };

export function parseFaultPlan(value: unknown): FaultPlan {
  // Not compiled into production bundles (build-flags.ts): the rest of the body is dead there.
  if (!EDGECD_FAULT_INJECTION) return NO_FAULTS;
  const v = (value ?? {}) as Partial<FaultPlan>;
  const chance = (x: unknown): number => (typeof x === 'number' && x >= 0 && x <= 1 ? x : 0);
  return {
    partitioned: Array.isArray(v.partitioned) ? v.partitioned.filter((p): p is string => typeof p === 'string') : [],
    drop: chance(v.drop),
    duplicate: chance(v.duplicate),
    delayMs: typeof v.delayMs === 'number' && v.delayMs > 0 ? Math.min(v.delayMs, 10_000) : 0,
  };
}

/** The messages of one batch to `peer` that get through the plan (possibly some twice). */
export function applyFaults(plan: FaultPlan, peer: string, batch: Message[]): Message[] {
  if (!EDGECD_FAULT_INJECTION) return batch;
  if (plan.partitioned.includes(peer)) return [];
  if (plan.drop === 0 && plan.duplicate === 0) return batch;
  const out: Message[] = [];
  for (const m of batch) {
    if (Math.random() < plan.drop) continue;
    out.push(m);
    if (Math.random() < plan.duplicate) out.push(m);
  }
  return out;
}
