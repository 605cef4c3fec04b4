import type { Workload } from './load/job.ts';
import type { ResetTrial } from './leader-reset.ts';
import type { RunRecord } from './matrix.ts';
import { mb, type MemoryFigures } from './memory.ts';
import { median } from './stats.ts';
import type { TargetName } from './targets/target.ts';

export interface TargetFigures {
  /** Medians over the measured rounds. */
  perSec: number;
  p50: number;
  p99: number;
  /** Per-round req/s, for the spread. */
  roundsPerSec: number[];
  /** Errors in the measured rounds, and in the warm-up. */
  errors: number;
  warmupErrors: number;
  badStatus: Record<string, number>;
}

export interface Row {
  workload: Workload;
  concurrency: number;
  targets: Partial<Record<TargetName, TargetFigures>>;
  /** edgecd ÷ other, on req/s and on p99 latency. */
  edgecdOverProbe?: { perSec: number; p99: number };
  edgecdOverEtcd?: { perSec: number; p99: number };
}

export interface Report {
  startedAt: string;
  machine: { cpus: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  options: Record<string, unknown>;
  rows: Row[];
  startToFirstWriteMs?: number;
  startToFirstAnswerMs?: number | undefined;
  edgecdHost?: string;
  resets?: ResetTrial[];
  memory?: MemoryFigures;
  checks: Check[];
}

export interface Check {
  goal: string;
  met: boolean | undefined;
  detail: string;
}

export function summarize(records: readonly RunRecord[]): Row[] {
  const rows: Row[] = [];
  const cells = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = `${r.workload} ${r.concurrency}`;
    cells.set(key, [...(cells.get(key) ?? []), r]);
  }
  for (const runs of cells.values()) {
    const first = runs[0]!;
    const row: Row = { workload: first.workload, concurrency: first.concurrency, targets: {} };
    for (const name of new Set(runs.map((r) => r.target))) {
      const mine = runs.filter((r) => r.target === name);
      const measured = mine.filter((r) => !r.warmup);
      const badStatus: Record<string, number> = {};
      for (const r of measured) for (const [code, n] of Object.entries(r.result.badStatus)) badStatus[code] = (badStatus[code] ?? 0) + n;
      row.targets[name] = {
        perSec: median(measured.map((r) => r.result.perSec)),
        p50: median(measured.map((r) => r.result.p50)),
        p99: median(measured.map((r) => r.result.p99)),
        roundsPerSec: measured.map((r) => r.result.perSec),
        errors: measured.reduce((n, r) => n + r.result.errors, 0),
        warmupErrors: mine.filter((r) => r.warmup).reduce((n, r) => n + r.result.errors, 0),
        badStatus,
      };
    }
    const e = row.targets.edgecd;
    const p = row.targets.probe;
    const x = row.targets.etcd;
    if (e !== undefined && p !== undefined) row.edgecdOverProbe = { perSec: e.perSec / p.perSec, p99: e.p99 / p.p99 };
    if (e !== undefined && x !== undefined) row.edgecdOverEtcd = { perSec: e.perSec / x.perSec, p99: e.p99 / x.p99 };
    rows.push(row);
  }
  return rows;
}

const fixed = (n: number | undefined, digits: number): string => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
const rate = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '-' : String(Math.round(n)));

/** The one table: per workload and concurrency, each target's req/s and p50/p99 (ms), the ratios, errors. */
export function renderTable(rows: readonly Row[], targets: readonly TargetName[]): string {
  const header = ['workload', 'c'];
  for (const t of targets) header.push(`${t} req/s`, 'p50', 'p99');
  header.push('e/probe', 'e/etcd', 'e/etcd p99', `errors ${targets.map((t) => t[0]).join('/')}`);
  const lines: string[][] = [header];
  for (const row of rows) {
    const line = [row.workload, String(row.concurrency)];
    for (const t of targets) {
      const f = row.targets[t];
      line.push(rate(f?.perSec), fixed(f?.p50, 2), fixed(f?.p99, 2));
    }
    line.push(
      fixed(row.edgecdOverProbe?.perSec, 2),
      fixed(row.edgecdOverEtcd?.perSec, 2),
      fixed(row.edgecdOverEtcd?.p99, 2),
      targets.map((t) => String(row.targets[t]?.errors ?? '-')).join('/'),
    );
    lines.push(line);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines.map((l) => l.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

/** The targets, each judged from this run's figures (undefined: not measured). */
export function judge(report: Omit<Report, 'checks'>): Check[] {
  const checks: Check[] = [];
  const both = report.rows.filter((r) => r.edgecdOverProbe !== undefined);
  if (both.length > 0) {
    const worst = both.reduce((a, b) => (a.edgecdOverProbe!.perSec <= b.edgecdOverProbe!.perSec ? a : b));
    const errors = report.rows.reduce((n, r) => n + (r.targets.edgecd?.errors ?? 0), 0);
    checks.push({
      goal: 'edgecd ≥ 0.9 × probe everywhere, zero errors',
      met: worst.edgecdOverProbe!.perSec >= 0.9 && errors === 0,
      detail: `lowest ratio ${worst.edgecdOverProbe!.perSec.toFixed(2)} (${worst.workload} c=${worst.concurrency}); edgecd errors ${errors}`,
    });
  }
  const getq1 = report.rows.find((r) => r.workload === 'getq' && r.concurrency === 1);
  if (getq1?.targets.edgecd !== undefined && getq1.targets.etcd !== undefined) {
    const e = getq1.targets.edgecd;
    const x = getq1.targets.etcd;
    checks.push({
      goal: "quorum reads faster than etcd's at c=1",
      met: e.p50 < x.p50,
      detail: `p50 ${e.p50.toFixed(2)} ms vs ${x.p50.toFixed(2)} ms (req/s ${Math.round(e.perSec)} vs ${Math.round(x.perSec)})`,
    });
  }
  const watches = report.rows.filter((r) => r.workload === 'watch' && r.edgecdOverEtcd !== undefined);
  if (watches.length > 0) {
    checks.push({
      goal: 'watch p99 within 2 × etcd',
      met: watches.every((r) => r.edgecdOverEtcd!.p99 <= 2),
      detail: watches.map((r) => `c=${r.concurrency}: ${r.edgecdOverEtcd!.p99.toFixed(2)}×`).join(', '),
    });
  }
  if (report.startToFirstWriteMs !== undefined) {
    checks.push({
      goal: 'start to first write < 3 s',
      met: report.startToFirstWriteMs < 3_000,
      detail:
        `${Math.round(report.startToFirstWriteMs)} ms (${report.edgecdHost ?? '?'}, fresh data dir, includes bundling; ` +
        `front door accepting by ${report.startToFirstAnswerMs === undefined ? '?' : Math.round(report.startToFirstAnswerMs)} ms)`,
    });
  }
  if (report.resets !== undefined && report.resets.length > 0) {
    const worst = Math.max(...report.resets.map((r) => r.toFirstWriteMs));
    checks.push({
      goal: 'new leader serving writes within 2 s of a reset',
      met: worst < 2_000,
      detail: `worst ${Math.round(worst)} ms of ${report.resets.map((r) => Math.round(r.toFirstWriteMs)).join(', ')} ms`,
    });
  }
  if (report.memory !== undefined) {
    const m = report.memory;
    checks.push({
      goal: `member heap for ${m.keysAsked} keys < 64 MB${m.keysAsked < 100_000 ? ' (scaled: fewer keys than the goal)' : ''}`,
      // autocannon drops the few requests in flight when it reaches its count; ≥ 99 % is the load asked for.
      met: m.keysWritten >= 0.99 * m.keysAsked ? m.perMemberHeap < 64 * 1024 * 1024 : undefined,
      detail: `${mb(m.perMemberHeap)} per member (isolate heap ${mb(m.isolateHeapBefore)} → ${mb(m.isolateHeapAfter)}, /3); workerd RSS ${mb(m.workerdRssBefore)} → ${mb(m.workerdRssAfter)}; ${m.keysWritten} keys written at ${Math.round(m.fillPerSec)}/s`,
    });
  }
  return checks;
}

export function renderChecks(checks: readonly Check[]): string {
  return checks.map((c) => `  [${c.met === undefined ? '?' : c.met ? 'met' : 'NOT met'}] ${c.goal}: ${c.detail}`).join('\n');
}
