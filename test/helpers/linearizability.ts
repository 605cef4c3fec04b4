/**
 * A linearizability checker for histories of one register (one key), after Wing & Gong's search
 * with Lowe's memoisation (the algorithm of Knossos and porcupine): is there an order of the
 * operations, each taking effect at one instant between its call and its return, that a single
 * register would produce? Operations whose outcome is unknown (the client saw an error or a
 * timeout) may have taken effect at any time after their call, or never.
 */

export type RegisterOp =
  | { kind: 'write'; value: string }
  | { kind: 'read'; value: string | undefined }
  /** Compare-and-set: `ok` says whether it found `expected` and wrote `value`. */
  | { kind: 'cas'; expected: string | undefined; value: string; ok: boolean };

export interface HistoryEntry {
  op: RegisterOp;
  /** When the client sent it and when it saw the answer (ms, any clock shared by all clients). */
  call: number;
  /** Infinity for an operation whose outcome the client never learned. */
  ret: number;
  /** The client did not learn the outcome: it may or may not have taken effect. */
  unknown?: boolean;
}

export interface CheckResult {
  linearizable: boolean;
  /** The operations placed in the longest prefix the search found (for a failure's report). */
  longest: HistoryEntry[];
}

/** Whether `op` is legal on a register holding `state`, and the state after it. */
function step(state: string | undefined, op: RegisterOp, unknown: boolean): { ok: boolean; next: string | undefined } {
  switch (op.kind) {
    case 'write':
      return { ok: true, next: op.value };
    case 'read':
      // An unknown read says nothing (it may have seen anything).
      return { ok: unknown || op.value === state, next: state };
    case 'cas': {
      const matches = state === op.expected;
      if (unknown) return { ok: matches, next: matches ? op.value : state };
      if (op.ok) return { ok: matches, next: op.value };
      return { ok: !matches, next: state };
    }
  }
}

/**
 * Checks a history. `initial` is the register's value before the history (undefined: absent).
 * Exponential in the worst case; bounded histories (a few hundred operations per key, a handful
 * concurrent at once) check in milliseconds.
 */
export function checkRegister(history: readonly HistoryEntry[], initial: string | undefined = undefined, budget = 5_000_000): CheckResult {
  const entries = [...history].sort((a, b) => a.call - b.call);
  const n = entries.length;
  const done = new Uint8Array(n);
  const seen = new Set<string>();
  let longest: HistoryEntry[] = [];
  const placed: HistoryEntry[] = [];
  let steps = 0;

  /** Every operation not yet placed whose call precedes every unplaced operation's return. */
  const candidates = (): number[] => {
    let minRet = Infinity;
    for (let i = 0; i < n; i++) if (done[i] === 0 && entries[i]!.ret < minRet) minRet = entries[i]!.ret;
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (done[i] === 0 && entries[i]!.call <= minRet) out.push(i);
    return out;
  };
  const remainingKnown = (): boolean => {
    for (let i = 0; i < n; i++) if (done[i] === 0 && entries[i]!.unknown !== true) return true;
    return false;
  };

  const search = (state: string | undefined): boolean => {
    if (++steps > budget) throw new Error(`linearizability check exceeded ${budget} steps`);
    // Unknown operations need never take effect: once every known one is placed, we are done.
    if (!remainingKnown()) return true;
    const key = `${state ?? '\u0000absent'}|${done.join('')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    for (const i of candidates()) {
      const entry = entries[i]!;
      const { ok, next } = step(state, entry.op, entry.unknown === true);
      if (!ok) continue;
      done[i] = 1;
      placed.push(entry);
      if (placed.length > longest.length) longest = [...placed];
      if (search(next)) return true;
      placed.pop();
      done[i] = 0;
    }
    return false;
  };

  return { linearizable: search(initial), longest };
}
