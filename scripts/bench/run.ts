/**
 * `npm run bench`: edgecd against the platform probe and a real 3-member etcd 3.4, the same
 * workloads interleaved in rounds, one table; then start-up, leader reset and memory figures.
 * See options.ts for the flags (`--quick` for a smoke run, `--profile DIR` for profiles).
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { timeLeaderResets, type ResetTrial } from './leader-reset.ts';
import { LoadGenerator } from './load/load-generator.ts';
import { runMatrix, seed } from './matrix.ts';
import { measureMemberMemory, type MemoryFigures } from './memory.ts';
import { parseOptions, USAGE, type BenchOptions } from './options.ts';
import { cleanUp, stopOnSignals } from './processes.ts';
import { runProfile } from './profile/run-profile.ts';
import { judge, renderChecks, renderTable, summarize, type Report } from './report.ts';
import { startEdgecd, type EdgecdTarget } from './targets/edgecd.ts';
import { startEtcd } from './targets/etcd.ts';
import { startProbe } from './targets/probe.ts';
import type { Target } from './targets/target.ts';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function bench(options: BenchOptions): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg();
  const began = performance.now();
  log(`bench: ${options.quick ? 'quick' : 'full'} run on ${cpus().length} CPUs, load average ${loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}`);
  const generator = await LoadGenerator.start();

  // edgecd first, alone, so its start-up time is measured on an otherwise idle cluster set.
  const targets: Target[] = [];
  let edgecd: EdgecdTarget | undefined;
  if (options.targets.includes('edgecd')) {
    edgecd = await startEdgecd({ host: options.edgecdHost });
    const answer = edgecd.startToFirstAnswerMs;
    log(
      `edgecd (${options.edgecdHost}) at ${edgecd.url}: front door accepting by ${answer === undefined ? '?' : Math.round(answer)} ms, ` +
        `first write ${Math.round(edgecd.startToFirstWriteMs)} ms after start`,
    );
    targets.push(edgecd);
  }
  if (options.targets.includes('probe')) {
    const probe = await startProbe();
    log(`probe at ${probe.url}`);
    targets.push(probe);
  }
  if (options.targets.includes('etcd')) {
    const etcd = await startEtcd();
    log(`etcd at ${etcd.url} (the leader)`);
    targets.push(etcd);
  }
  // Keep the table's column order fixed whatever order they started in.
  targets.sort((a, b) => options.targets.indexOf(a.name) - options.targets.indexOf(b.name));
  for (const target of targets) await seed(generator, target);

  const records = await runMatrix(generator, targets, options, log);

  let resets: ResetTrial[] | undefined;
  if (edgecd !== undefined && options.resets > 0) {
    log('leader resets:');
    resets = await timeLeaderResets(edgecd, options.resets, log);
  }
  for (const target of targets) await target.stop();

  let memory: MemoryFigures | undefined;
  if (options.targets.includes('edgecd') && options.memoryKeys > 0) {
    log('member memory:');
    memory = await measureMemberMemory(generator, options.memoryKeys, log);
  }
  await generator.stop();

  const rows = summarize(records);
  const partial: Omit<Report, 'checks'> = {
    startedAt,
    machine: { cpus: cpus().length, loadAverageAtStart, loadAverageAtEnd: loadavg() },
    options: { ...options },
    rows,
    ...(edgecd === undefined
      ? {}
      : { startToFirstWriteMs: edgecd.startToFirstWriteMs, startToFirstAnswerMs: edgecd.startToFirstAnswerMs, edgecdHost: options.edgecdHost }),
    ...(resets === undefined ? {} : { resets }),
    ...(memory === undefined ? {} : { memory }),
  };
  const report: Report = { ...partial, checks: judge(partial) };
  const names = targets.map((t) => t.name);
  process.stdout.write(
    `\n${renderTable(rows, names)}\n\n` +
      'req/s: successful requests per second (watch: watcher events delivered per second); p50/p99 in ms ' +
      '(watch: from the PUT until the last watcher has its event); medians over the measured rounds.\n' +
      'e/probe, e/etcd: edgecd req/s ÷ theirs; e/etcd p99: edgecd p99 ÷ etcd p99.\n\n' +
      `goals:\n${renderChecks(report.checks)}\n\n` +
      `load average ${loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')} at start, ` +
      `${report.machine.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')} at end; ${Math.round((performance.now() - began) / 1000)} s in all\n`,
  );
  if (options.json !== undefined) {
    await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
    log(`figures written to ${options.json}`);
  }
}

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  stopOnSignals();
  try {
    if (options.profileDir !== undefined) await runProfile(options.profileDir, options.profileSec, log);
    else await bench(options);
    return 0;
  } catch (error) {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  } finally {
    await cleanUp();
  }
}

process.exitCode = await main();
