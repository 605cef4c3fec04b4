import { describe, expect, it } from 'vitest';
import { runSimulation, type SimResult } from './simulation.ts';

/**
 * Random schedules against the safety properties of paper Figure 3. SEED=n replays one schedule
 * with a trace; SIM_SEEDS / SIM_STEPS / SIM_FROM run more.
 */
const single = process.env.SEED;
const seeds = Number(process.env.SIM_SEEDS ?? 1000);
const steps = Number(process.env.SIM_STEPS ?? 1000);
const from = Number(process.env.SIM_FROM ?? 1);

describe('simulated cluster', () => {
  it(`sim: ${single !== undefined ? `seed ${single}` : `${seeds} schedules x ${steps} steps`} keep Raft's safety properties`, () => {
    const list = single !== undefined ? [Number(single)] : Array.from({ length: seeds }, (_, i) => from + i);
    const totals = { proposals: 0, acknowledged: 0, elections: 0, crashes: 0, snapshotsSent: 0, reads: 0, confChanges: 0 };
    const started = performance.now();
    for (const seed of list) {
      let r: SimResult;
      try {
        r = runSimulation({ seed, steps, trace: single !== undefined });
      } catch (e) {
        const replay = `SEED=${seed} SIM_STEPS=${steps} npx vitest run --config vitest.core.config.ts test/raft/sim -t sim`;
        throw new Error(`seed ${seed} failed: ${(e as Error).message}\nreplay: ${replay}`, { cause: e });
      }
      totals.proposals += r.proposals;
      totals.acknowledged += r.acknowledged;
      totals.elections += r.elections;
      totals.crashes += r.crashes;
      totals.snapshotsSent += r.snapshotsSent;
      totals.reads += r.reads;
      totals.confChanges += r.confChanges;
    }
    const ms = performance.now() - started;
    process.stdout.write(`sim: ${list.length} schedules x ${steps} steps in ${(ms / 1000).toFixed(1)}s: ${JSON.stringify(totals)}\n`);
    expect(totals.acknowledged).toBeGreaterThan(0);
  }, 600_000);
});
