import { spawn } from 'node:child_process';
import { join } from 'node:path';

const projectRoot = join(import.meta.dirname, '..', '..');

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (bounded by `timeoutMs`), as a user would in a shell. */
export function run(command: string, args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: projectRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** `etcdctl` 3.4 in v2 mode against `endpoint`. */
export function etcdctl(endpoint: string, ...args: string[]): Promise<CommandResult> {
  return run('etcdctl', ['--endpoints', endpoint, ...args], { env: { ETCDCTL_API: '2' } });
}

/** The `edgecd` command of this checkout. */
export function edgecd(...args: string[]): Promise<CommandResult> {
  return run(process.execPath, [join(projectRoot, 'bin/edgecd.mjs'), ...args]);
}

/** `curl -s`, as the seed's API lines use it. */
export function curl(...args: string[]): Promise<CommandResult> {
  return run('curl', ['-s', ...args]);
}

/** Retries `attempt` until `accept` holds (or the deadline passes), returning the last result. */
export async function eventually<T>(attempt: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}
