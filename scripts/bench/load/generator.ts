/**
 * The load-generator process: runs one job at a time for the orchestrator, over the IPC channel.
 * It is its own process so that the load's event loop shares nothing with the orchestrator or
 * with any launcher (run it under `--cpu-prof` to see the load side's own cost).
 */
import { runFillJob, runHttpJob } from './http-job.ts';
import type { FromGenerator, Job, JobResult, ToGenerator } from './job.ts';
import { runWatchJob } from './watch-job.ts';

function reply(message: FromGenerator): void {
  process.send?.(message);
}

function run(job: Job): Promise<JobResult> {
  switch (job.kind) {
    case 'http':
      return runHttpJob(job);
    case 'fill':
      return runFillJob(job);
    case 'watch':
      return runWatchJob(job);
  }
}

if (process.send === undefined) {
  process.stderr.write('the load generator is started by scripts/bench/run.ts, with an IPC channel\n');
  process.exit(2);
}

process.on('message', (message: ToGenerator) => {
  if (message.type === 'exit') {
    process.disconnect();
    return;
  }
  run(message.job).then(
    (result) => reply({ type: 'result', id: message.id, result }),
    (error: unknown) => reply({ type: 'failed', id: message.id, message: String(error) }),
  );
});
// The orchestrator going away ends us too (no orphaned load).
process.on('disconnect', () => process.exit(0));
reply({ type: 'ready' });
