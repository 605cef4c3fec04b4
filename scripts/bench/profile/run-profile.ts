import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { freePort } from '../../free-port.ts';
import { DevToolsClient } from '../inspector/devtools-client.ts';
import type { HttpWorkload } from '../load/job.ts';
import { LoadGenerator } from '../load/load-generator.ts';
import { seed } from '../matrix.ts';
import { cpuSeconds } from '../processes.ts';
import { startEdgecd } from '../targets/edgecd.ts';
import { bundleModuleMap, renderSummary, summarizeProfile, type CpuProfile } from './cpu-profile-summary.ts';

const PROFILED: { workload: HttpWorkload; concurrency: number }[] = [
  { workload: 'put', concurrency: 32 },
  { workload: 'getq', concurrency: 32 },
];
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
      const job = { kind: 'http', workload, url: edgecd.url, connections: concurrency } as const;
      await generator.run({ ...job, durationSec: 2 });
      const devtools = await DevToolsClient.connect(inspectorPort, 'edgecd');
      await devtools.send('Profiler.enable');
      await devtools.send('Profiler.setSamplingInterval', { interval: SAMPLING_US });
      const pid = edgecd.workerdPid();
      const cpuBefore = pid === undefined ? undefined : cpuSeconds(pid);
      await devtools.send('Profiler.start');
      const result = await generator.run({ ...job, durationSec: seconds });
      const { profile } = await devtools.send<{ profile: CpuProfile }>('Profiler.stop');
      const cpuAfter = pid === undefined ? undefined : cpuSeconds(pid);
      devtools.close();
      await writeFile(join(dir, `edgecd-${workload}.cpuprofile`), JSON.stringify(profile));
      const summary = summarizeProfile(profile, moduleOf);
      const workerdCpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      const text =
        `${workload} c=${concurrency}: ${Math.round(result.perSec)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${result.errors} errors\n` +
        `workerd process CPU ${workerdCpu === undefined ? '?' : `${workerdCpu.toFixed(2)} s`} over ${result.elapsedSec.toFixed(1)} s ` +
        `(JS busy in the isolate ${((summary.totalMs - summary.idleMs) / 1000).toFixed(2)} s; the rest is workerd's C++: HTTP, stubs, SQLite, fsync)\n` +
        renderSummary(`isolate profile (${workload})`, summary);
      await writeFile(join(dir, `edgecd-${workload}.txt`), `${text}\n`);
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
