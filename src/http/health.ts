import { newRequest, type EtcdServer } from '../server/index.ts';
import { methodNotAllowed } from './responses.ts';

/** etcd's `checkHealth` gives its QGET one second. */
const HEALTH_TIMEOUT_MS = 1000;

/**
 * etcdhttp's `/health` (3.4): GET only; healthy when a leader is known and a quorum read answers
 * within a second (etcd's QGET of the root; here a ReadIndex read, which proves the same thing:
 * this member reaches a leader that still holds a quorum). The healthy body is written without a
 * Content-Type, which Go sniffs as text/plain; an unhealthy one goes through `http.Error` (503,
 * nosniff, a newline).
 */
export async function handleHealth(request: Request, server: EtcdServer): Promise<Response> {
  if (request.method !== 'GET') return methodNotAllowed(['GET']);
  const healthy = server.leader !== '' && (await quorumRead(server));
  const body = JSON.stringify({ health: healthy ? 'true' : 'false' });
  if (healthy) return new Response(body, { headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  return new Response(`${body}\n`, {
    status: 503,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
  });
}

async function quorumRead(server: EtcdServer): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolvePromise) => (timer = setTimeout(() => resolvePromise(false), HEALTH_TIMEOUT_MS)));
  const read = server.serveV2(newRequest({ method: 'QGET', path: '/', quorum: true })).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([read, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
