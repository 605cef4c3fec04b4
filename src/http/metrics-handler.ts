import { TEXT_CONTENT_TYPE, withLabels, writeText, type MetricFamily } from '../metrics/index.ts';
import type { EtcdServer } from '../server/index.ts';

/**
 * Internal: the front door asks each member for its families as JSON (this header set to
 * `json`), merges them and writes one exposition for the cluster.
 */
export const GATHER_HEADER = 'X-Edgecd-Gather';

/** This member's families, each sample labeled with the member's name. */
export function memberFamilies(server: EtcdServer): MetricFamily[] {
  return withLabels(server.metrics.registry.gather(), { member: server.name });
}

/** `/metrics` (etcdhttp's `promhttp.Handler()`): this member's families in the text format. */
export function handleMetrics(request: Request, server: EtcdServer): Response {
  const families = memberFamilies(server);
  if (request.headers.get(GATHER_HEADER) === 'json') return Response.json(families);
  return new Response(writeText(families), { headers: { 'Content-Type': TEXT_CONTENT_TYPE } });
}
