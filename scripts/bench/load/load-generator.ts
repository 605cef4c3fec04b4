import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { FromGenerator, Job, JobResult, ToGenerator } from './job.ts';
import { track } from '../processes.ts';

/** The orchestrator's handle on the load-generator process (see generator.ts). */
export class LoadGenerator {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve(result: JobResult): void; reject(error: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: FromGenerator) => {
      if (message.type === 'ready') return;
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.type === 'result') waiter?.resolve(message.result);
      else waiter?.reject(new Error(`load generator: ${message.message}`));
    });
    child.on('exit', (code, signal) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`load generator exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  /** Starts the generator; `cpuProfDir` runs it under `node --cpu-prof`. */
  static async start(cpuProfDir?: string): Promise<LoadGenerator> {
    const execArgv = ['--import', 'tsx', ...(cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`])];
    const child = fork(join(import.meta.dirname, 'generator.ts'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    track(child, 'load generator');
    await new Promise<void>((resolvePromise, reject) => {
      child.once('message', () => resolvePromise());
      child.once('exit', (code) => reject(new Error(`load generator did not start (exit ${code})`)));
    });
    return new LoadGenerator(child);
  }

  run(job: Job): Promise<JobResult> {
    const id = ++this.nextId;
    return new Promise((resolvePromise, reject) => {
      this.waiting.set(id, { resolve: resolvePromise, reject });
      this.child.send({ type: 'run', id, job } satisfies ToGenerator);
    });
  }

  /** Asks it to exit (so a `--cpu-prof` profile is written), then waits for it by PID. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolvePromise) => this.child.once('exit', () => resolvePromise()));
    if (this.child.connected) this.child.send({ type: 'exit' } satisfies ToGenerator);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
