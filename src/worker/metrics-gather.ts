import { GATHER_HEADER } from '../http/index.ts';
import { MEMBER_HEADER } from '../member/index.ts';
import { EDGECD, mergeFamilies, TEXT_CONTENT_TYPE, writeText, type MetricFamily } from '../metrics/index.ts';

/** A member that does not answer the gather within this is shown as down. */
const GATHER_TIMEOUT_MS = 2_000;

/**
 * The front door's `/metrics`: every member's families (each sample labeled with its member),
 * merged into one exposition, plus `edgecd_member_up` saying which members answered. One
 * scrape of the worker's URL thus shows the whole cluster, as scraping each etcd member would.
 */
export async function gatherMetrics(namespace: DurableObjectNamespace, members: readonly string[]): Promise<Response> {
  const answers = await Promise.all(members.map((name) => memberFamilies(namespace, name)));
  const up: MetricFamily = {
    ...EDGECD.memberUp,
    type: 'gauge',
    samples: members.map((member, i) => ({ labels: { member }, value: answers[i] === undefined ? 0 : 1 })),
  };
  const { families } = mergeFamilies([...answers.filter((a): a is MetricFamily[] => a !== undefined), [up]]);
  return new Response(writeText(families), { headers: { 'Content-Type': TEXT_CONTENT_TYPE } });
}

async function memberFamilies(namespace: DurableObjectNamespace, name: string): Promise<MetricFamily[] | undefined> {
  try {
    const stub = namespace.get(namespace.idFromName(name));
    const response = await stub.fetch('http://member/metrics', {
      headers: { [MEMBER_HEADER]: name, [GATHER_HEADER]: 'json' },
      signal: AbortSignal.timeout(GATHER_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    return (await response.json()) as MetricFamily[];
  } catch {
    return undefined;
  }
}
