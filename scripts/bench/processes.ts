import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/**
 * Everything the benchmark starts is registered here and stopped by PID: in order by whoever
 * started it, or, on an error or Ctrl-C, by `cleanUp()` in reverse order of starting.
 */
const cleanups: { label: string; run: () => Promise<void> }[] = [];

/** Registers a stop step; returns a function that unregisters it (the owner stopped it itself). */
export function defer(label: string, run: () => Promise<void>): () => void {
  const entry = { label, run };
  cleanups.push(entry);
  return () => {
    const at = cleanups.indexOf(entry);
    if (at >= 0) cleanups.splice(at, 1);
  };
}

/** A child we started: if it is still running at clean-up, it is killed by its PID. */
export function track(child: ChildProcess, label: string): void {
  const forget = defer(label, () => stopChild(child, 'SIGKILL'));
  child.once('exit', forget);
}

export async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    const entry = cleanups.pop()!;
    await entry.run().catch((error: unknown) => process.stderr.write(`bench: stopping ${entry.label} failed: ${String(error)}\n`));
  }
}

/** Ctrl-C or SIGTERM: stop everything, then exit 130. Installed once, by the runner. */
export function stopOnSignals(): void {
  // Miniflare (in-process hosting) installs exit hooks that would exit before we clean up.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  let stopping = false;
  const handler = (): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nbench: interrupted, stopping everything it started\n');
    void cleanUp().finally(() => process.exit(130));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/**
 * Spawns a process in its own process group (so it and its children, e.g. workerd, are stopped
 * together by the group's PID) and collects its output.
 */
export function spawnGroup(command: string, args: string[], options: SpawnOptions & { label: string }): { child: ChildProcess; output(): string } {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-64_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-64_000)));
  const forget = defer(options.label, () => stopGroup(child));
  child.once('exit', forget);
  return { child, output: () => output };
}

/**
 * SIGINT to the group (the launchers stop in order on it), then waits until no process of the
 * group is left (npm exits before the launcher it ran); SIGKILL to the group after `graceMs`.
 */
export async function stopGroup(child: ChildProcess, graceMs = 15_000): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  if (groupMembers(pgid).length === 0) return;
  signalGroup(pgid, 'SIGINT');
  const deadline = Date.now() + graceMs;
  while (groupMembers(pgid).length > 0) {
    if (Date.now() > deadline) {
      signalGroup(pgid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (child.exitCode === null && child.signalCode === null) await new Promise<void>((r) => child.once('exit', () => r()));
}

/** Live (non-zombie) processes whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') found.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  child.kill(signal);
  await exited;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** PIDs of every descendant of `pid` (from /proc), e.g. the workerd under a launcher. */
export function descendants(pid: number): { pid: number; command: string }[] {
  const children = new Map<number, number[]>();
  const commands = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const parent = Number(stat.slice(close + 2).split(' ')[1]);
      commands.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // Exited while we looked.
    }
  }
  const found: { pid: number; command: string }[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push({ pid: next, command: commands.get(next) ?? '' });
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/** Resident set size of a process in bytes (VmRSS), undefined if it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in seconds. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), counted from the state field (3), in
    // clock ticks of 1/100 s (USER_HZ on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
