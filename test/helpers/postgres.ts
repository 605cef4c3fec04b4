import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { isAlive } from './launcher.ts';

/**
 * Debian's PostgreSQL 15 for the Patroni tests: where its binaries are, which user runs it, a
 * psql to query a node, and its postmaster found and killed by PID.
 */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** The superuser Patroni's bootstrap creates; the tests connect as it over loopback. */
export const SUPERUSER = { username: 'postgres', password: 'edgecd-superuser' } as const;

export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * PostgreSQL refuses to run as root ("root" execution of the PostgreSQL server is not
 * permitted), so as root (CI is) Patroni and its PostgreSQL run as Debian's `postgres` user,
 * which the postgresql-common package creates. Anyone else runs them as themselves.
 */
export function postgresRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => {
    const result = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error("running as root needs Debian's postgres user (apt-get install postgresql-15)");
    return Number(result.stdout.trim());
  };
  return { uid: id('-u'), gid: id('-g') };
}

export interface QueryResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One SQL command through psql on 127.0.0.1:`port`, unaligned and tuples only. */
export function psql(port: number, sql: string, timeoutMs = 5_000): Promise<QueryResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(`${PG_BIN}/psql`, ['-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER.username, '-d', 'postgres', '-AtXq', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PGPASSWORD: SUPERUSER.password, PGCONNECT_TIMEOUT: '2', LANG: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

/** The SQL's output, or an error carrying psql's stderr. */
export async function query(port: number, sql: string): Promise<string> {
  const result = await psql(port, sql);
  if (result.code !== 0) throw new Error(`psql on ${port} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** The postmaster's PID from its data dir's postmaster.pid (first line), if it runs. */
export function postmasterPid(dataDir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(`${dataDir}/postmaster.pid`, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/** PIDs whose parent is `pid`, from /proc (each /proc/PID/stat: "pid (comm) state ppid ..."). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return children;
}

/**
 * SIGKILL to a postmaster and to its children, by PID; returns the PIDs signalled. The children
 * cannot be reached through a process group: Patroni starts the postmaster in a session of its
 * helper (patroni/postgresql/postmaster.py: pg_ctl_start calls setsid() and exits), and each
 * PostgreSQL child calls setsid() itself (InitPostmasterChild). So the postmaster is stopped
 * first (SIGSTOP: it forks no more), its children are listed, and then all are killed; killed
 * afterwards they would already be orphans of init and no longer findable as its children.
 */
export function killPostmaster(pid: number): number[] {
  try {
    process.kill(pid, 'SIGSTOP');
  } catch {
    return [];
  }
  const pids = [pid, ...childrenOf(pid)];
  for (const one of pids) {
    try {
      process.kill(one, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return pids;
}
