import type { EtcdServer } from '../server/index.ts';
import { methodNotAllowed } from './responses.ts';

/** A read check gives up after this long (etcd's `/health` gives its read one second too). */
const READ_TIMEOUT_MS = 1000;

type Check = (server: EtcdServer) => Promise<string | undefined>;

/**
 * etcd 3.6's `/livez` and `/readyz` (etcdhttp/health.go: `CheckRegistry`), with the checks that
 * mean something here, run in this order:
 * - livez: `serializable_read` (the member's own store answers a read);
 * - readyz: `published` (etcd's ReadyNotify: this member's name and client URLs went through
 *   the log; etcd serves nothing before it), `leader` (a leader is known), `no_space` (no NOSPACE
 *   alarm: writes are being refused for lack of space), `serializable_read`, `linearizable_read`
 *   (a ReadIndex read: a leader with a quorum answers).
 * etcd 3.6 also has `data_corruption` and `non_learner`; edgecd has no corruption check and no
 * learners, so it shows neither rather than a check that cannot fail.
 */
const CHECKS: Record<'livez' | 'readyz', [string, Check][]> = {
  livez: [['serializable_read', (s) => read(s, false)]],
  readyz: [
    ['published', async (s) => (s.isReady ? undefined : 'this member has not published its client URLs through raft yet')],
    ['leader', async (s) => (s.leader === '' ? 'etcdserver: no leader' : undefined)],
    ['no_space', async (s) => (s.alarms().includes('NOSPACE') ? 'alarm activated: NOSPACE' : undefined)],
    ['serializable_read', (s) => read(s, false)],
    ['linearizable_read', (s) => read(s, true)],
  ],
};

export const HEALTH_CHECK_PATHS = ['/livez', '/readyz'] as const;

/** Whether `path` is `/livez`, `/readyz` or one check under either (`/readyz/leader`). */
export function isHealthCheckPath(path: string): boolean {
  return HEALTH_CHECK_PATHS.some((root) => path === root || path.startsWith(`${root}/`));
}

/**
 * Answers as etcd 3.6 does: 200 `ok\n` (the checks listed first with `?verbose`), or 503 with
 * every check's line (`[+]name ok`, `[-]name failed: reason`) whatever the query; GET only.
 * `?exclude=name` (repeatable) skips a check; naming one that does not exist is not an error.
 * A check under the root (`/readyz/leader`) runs that check alone; an unknown one is a 404.
 */
export async function handleHealthCheck(request: Request, path: string, search: string, server: EtcdServer): Promise<Response | undefined> {
  const [type, name] = path.slice(1).split('/', 2) as ['livez' | 'readyz', string | undefined];
  const registered = CHECKS[type];
  const query = new URLSearchParams(search);
  let checks = registered;
  if (name !== undefined) {
    checks = registered.filter(([n]) => n === name);
    if (checks.length === 0 || path !== `/${type}/${name}`) return undefined;
  } else {
    const excluded = new Set(query.getAll('exclude').filter((e) => e !== ''));
    checks = registered.filter(([n]) => !excluded.has(n));
  }
  if (request.method !== 'GET') return methodNotAllowed(['GET']);
  let failed = false;
  let report = '';
  for (const [checkName, check] of checks) {
    const reason = await check(server).catch((error: unknown) => String((error as Error).message ?? error));
    server.metrics.healthChecked(type, checkName, reason === undefined);
    if (reason === undefined) {
      report += `[+]${checkName} ok\n`;
    } else {
      failed = true;
      report += `[-]${checkName} failed: ${reason}\n`;
    }
  }
  const headers = { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' };
  // Go's http.Error writes the reason and a newline of its own.
  if (failed) return new Response(`${report}\n`, { status: 503, headers });
  return new Response(`${query.has('verbose') ? report : ''}ok\n`, { headers });
}

async function read(server: EtcdServer, linearizable: boolean): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('etcdserver: request timed out'), READ_TIMEOUT_MS)));
  try {
    return await Promise.race([server.healthRead(linearizable).then(() => undefined), timeout]);
  } catch (error) {
    return (error as Error).message;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
