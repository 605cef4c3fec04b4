import { parseArgs } from 'node:util';
import { WORKLOADS, type Workload } from './load/job.ts';
import type { EdgecdHost } from './targets/edgecd.ts';
import { TARGET_NAMES, type TargetName } from './targets/target.ts';

export const USAGE = `usage: npm run bench -- [flags]

Runs the same workloads against edgecd, the platform probe and a real 3-member etcd 3.4,
interleaved in rounds, and prints one table (plus start-up, leader reset and memory figures).

  --quick                 a short smoke run (1 round of 1 s, 10k keys for memory)
  --json FILE             also write the figures as JSON
  --rounds N              measured rounds after the warm-up (default 3)
  --duration S            seconds per measured run (default 2.5; --quick 1)
  --warmup S              seconds per warm-up run (default 1; --quick 0.5)
  --workloads LIST        of put,get,getq,mix,watch,v3put,v3range,v3txn (default all)
  --concurrency LIST      default 1,32,128
  --targets LIST          of edgecd,probe,etcd (default all)
  --edgecd-host HOW       npm (default) | node | in-process
  --memory-keys N         keys written for the memory figure (default 100000; --quick 10000; 0 skips)
  --resets N              leader resets timed (default 3; --quick 1; 0 skips)
  --profile DIR           instead: profile edgecd under put and getq load into DIR
  --profile-seconds S     seconds of load per profiled workload (default 10)
`;

export interface BenchOptions {
  quick: boolean;
  json: string | undefined;
  rounds: number;
  durationSec: number;
  warmupSec: number;
  workloads: Workload[];
  concurrency: number[];
  targets: TargetName[];
  edgecdHost: EdgecdHost;
  memoryKeys: number;
  resets: number;
  profileDir: string | undefined;
  profileSec: number;
}

function list<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`${flag}: unknown ${item} (one of ${allowed.join(', ')})`);
  return items as T[];
}

function positive(value: string | undefined, flag: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new Error(`${flag}: not a valid number: ${value}`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      workloads: { type: 'string' },
      concurrency: { type: 'string' },
      targets: { type: 'string' },
      'edgecd-host': { type: 'string', default: 'npm' },
      'memory-keys': { type: 'string' },
      resets: { type: 'string' },
      profile: { type: 'string' },
      'profile-seconds': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick;
  const host = values['edgecd-host'];
  if (host !== 'npm' && host !== 'node' && host !== 'in-process') throw new Error(`--edgecd-host: npm, node or in-process, not ${host}`);
  const concurrency = (values.concurrency ?? '1,32,128').split(',').map((c) => positive(c, '--concurrency', 1));
  return {
    quick,
    json: values.json,
    rounds: Math.round(positive(values.rounds, '--rounds', quick ? 1 : 3)),
    durationSec: positive(values.duration, '--duration', quick ? 1 : 2.5),
    warmupSec: positive(values.warmup, '--warmup', quick ? 0.5 : 1, true),
    workloads: list(values.workloads, WORKLOADS, '--workloads') ?? [...WORKLOADS],
    concurrency: concurrency.map((c) => Math.round(c)),
    targets: list(values.targets, TARGET_NAMES, '--targets') ?? [...TARGET_NAMES],
    edgecdHost: host,
    memoryKeys: Math.round(positive(values['memory-keys'], '--memory-keys', quick ? 10_000 : 100_000, true)),
    resets: Math.round(positive(values.resets, '--resets', quick ? 1 : 3, true)),
    profileDir: values.profile,
    profileSec: positive(values['profile-seconds'], '--profile-seconds', 10),
  };
}
