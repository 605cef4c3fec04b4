import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { freePort } from '../../free-port.ts';
import { DevToolsClient } from '../inspector/devtools-client.ts';
import type { Workload } from '../load/job.ts';
import { LoadGenerator } from '../load/load-generator.ts';
import { jobFor, seed } from '../matrix.ts';
import { cpuSeconds } from '../processes.ts';
import { startEdgecd } from '../targets/edgecd.ts';
import { bundleModuleMap, renderSummary, summarizeProfile, type CpuProfile, type ProfileSummary } from './cpu-profile-summary.ts';

const PROFILED: { workload: Workload; concurrency: number }[] = [
  { workload: 'put', concurrency: 32 },
  { workload: 'put', concurrency: 128 },
  { workload: 'getq', concurrency: 128 },
  { workload: 'watch', concurrency: 128 },
];
/** `startEdgecd` runs the default cluster: three members, so two followers. */
const FOLLOWERS = 2;
/** V8's sampling interval for the isolate, in µs (DevTools' default is 1000). */
const SAMPLING_US = 100;

/**
 * `npm run bench -- --profile DIR`: edgecd under `put` and `getq` load, profiled on all sides.
 * The isolate (front door + the three members: one workerd isolate) through workerd's inspector
 * (`Profiler.start/stop`); the launcher and the load generator under `node --cpu-prof`; workerd's
 * whole-process CPU time from /proc, so the JS share of it is known. Writes `.cpuprofile` files
 * (open them in Chrome DevTools) and a text summary per profile into DIR.
 */
export async function runProfile(dirArg: string, seconds: number, log: (line: string) => void): Promise<void> {
  const dir = resolve(dirArg);
  await mkdir(join(dir, 'launcher'), { recursive: true });
  await mkdir(join(dir, 'load-generator'), { recursive: true });
  const generator = await LoadGenerator.start(join(dir, 'load-generator'));
  const inspectorPort = await freePort();
  const edgecd = await startEdgecd({ host: 'node', inspectorPort, cpuProfDir: join(dir, 'launcher') });
  const summaries: string[] = [];
  try {
    await seed(generator, edgecd);
    // The bundle the isolate runs, kept next to the profiles: their line numbers point into it.
    const bundlePath = join(edgecd.dataDir, 'build', 'worker.js');
    await copyFile(bundlePath, join(dir, 'worker.js'));
    const moduleAt = bundleModuleMap(await readFile(bundlePath, 'utf8'));
    const moduleOf = (url: string, line: number): string | undefined => (url.endsWith('worker.js') ? moduleAt(line) : undefined);
    for (const { workload, concurrency } of PROFILED) {
      await generator.run(jobFor(workload, concurrency, edgecd.url, 2));
      const devtools = await DevToolsClient.connect(inspectorPort, 'edgecd');
      await devtools.send('Profiler.enable');
      await devtools.send('Profiler.setSamplingInterval', { interval: SAMPLING_US });
      const pid = edgecd.workerdPid();
      const cpuBefore = pid === undefined ? undefined : cpuSeconds(pid);
      await devtools.send('Profiler.start');
      const result = await generator.run(jobFor(workload, concurrency, edgecd.url, seconds));
      const { profile } = await devtools.send<{ profile: CpuProfile }>('Profiler.stop');
      const cpuAfter = pid === undefined ? undefined : cpuSeconds(pid);
      devtools.close();
      await writeFile(join(dir, `edgecd-${workload}-c${concurrency}.cpuprofile`), JSON.stringify(profile));
      const summary = summarizeProfile(profile, moduleOf);
      const workerdCpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      const text =
        `${workload} c=${concurrency}: ${Math.round(result.perSec)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${result.errors} errors\n` +
        `workerd process CPU ${workerdCpu === undefined ? '?' : `${workerdCpu.toFixed(2)} s`} over ${result.elapsedSec.toFixed(1)} s ` +
        `(JS busy in the isolate ${((summary.totalMs - summary.idleMs) / 1000).toFixed(2)} s; the rest is workerd's C++: HTTP, stubs, SQLite, fsync)\n` +
        `${perRequest(summary, result.ok)}\n` +
        renderSummary(`isolate profile (${workload} c=${concurrency})`, summary);
      await writeFile(join(dir, `edgecd-${workload}-c${concurrency}.txt`), `${text}\n`);
      summaries.push(text);
      log(text);
    }
  } finally {
    await edgecd.stop();
    await generator.stop();
  }
  // Node writes --cpu-prof profiles when each process exits.
  for (const side of ['launcher', 'load-generator']) {
    for (const file of (await readdir(join(dir, side))).filter((f) => f.endsWith('.cpuprofile'))) {
      const profile = JSON.parse(await readFile(join(dir, side, file), 'utf8')) as CpuProfile;
      const text = renderSummary(`${side} (${file})`, summarizeProfile(profile), 12);
      await writeFile(join(dir, side, `${file}.txt`), `${text}\n`);
      summaries.push(text);
      log(text);
    }
  }
  await writeFile(join(dir, 'summary.txt'), `${summaries.join('\n\n')}\n`);
  log(`profiles and summaries in ${dir}`);
}

/**
 * CPU µs per request by role: the role's busy JS time in the isolate over the requests served
 * (watch: events delivered) while the profile ran, and the leader's capacity on a thread of its
 * own (production: each object has its isolate) at that cost. JS time only: workerd's C++ around
 * it (sockets, stub hops, SQLite's own work is inside the JS call that ran it) is in the process
 * CPU line above.
 */
function perRequest(summary: ProfileSummary, requests: number): string {
  const us = (ms: number): number => (ms * 1000) / Math.max(requests, 1);
  const leader = us(summary.byRole.leader);
  return (
    `CPU per request (µs, JS in the isolate): leader ${leader.toFixed(0)}, each follower ${us(summary.byRole.followers / FOLLOWERS).toFixed(0)}, ` +
    `front door ${us(summary.byRole['front door']).toFixed(0)}, unattributed (GC, runtime) ${us(summary.byRole.unattributed).toFixed(0)}; ` +
    `leader capacity ${Math.round(1e6 / Math.max(leader, 1e-9))} req/s on a thread of its own`
  );
}
