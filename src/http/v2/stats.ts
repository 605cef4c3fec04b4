import type { EtcdServer } from '../../server/index.ts';
import { methodNotAllowed } from '../responses.ts';
import { httpError } from './render.ts';

export const STATS_PATHS = ['/v2/stats/self', '/v2/stats/leader', '/v2/stats/store'] as const;

/**
 * etcd's `statsHandler` (v2http/client.go): GET only; the documents are `json.Marshal`led, so no
 * trailing newline; `/v2/stats/leader` on a member that is not the leader is
 * `403 {"message":"not current leader"}`.
 */
export function handleStats(request: Request, path: string, server: EtcdServer): Response {
  if (request.method !== 'GET') return methodNotAllowed(['GET']);
  switch (path) {
    case '/v2/stats/self':
      return json(JSON.stringify(server.selfStats()));
    case '/v2/stats/leader': {
      const stats = server.leaderStatsJSON();
      if (stats === undefined) return httpError(403, 'not current leader');
      return json(JSON.stringify(stats));
    }
    default:
      return json(server.store.jsonStats());
  }
}

function json(body: string): Response {
  return new Response(body, { headers: { 'Content-Type': 'application/json' } });
}
