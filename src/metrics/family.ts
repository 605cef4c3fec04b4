/**
 * A metric family as Prometheus' client_golang gathers it (`dto.MetricFamily`): a name, its help,
 * its type and one sample per label set. Plain data, so a member can hand its families to the
 * front door as JSON and the front door can merge every member's into one exposition.
 */
export type Labels = Readonly<Record<string, string>>;

export interface ScalarSample {
  labels: Labels;
  value: number;
}

export interface HistogramSample {
  labels: Labels;
  /** Cumulative counts, one per finite upper bound of the family (`le`); `+Inf` is `count`. */
  cumulative: number[];
  sum: number;
  count: number;
}

export type MetricFamily =
  | { name: string; help: string; type: 'counter' | 'gauge'; samples: ScalarSample[] }
  | { name: string; help: string; type: 'histogram'; buckets: number[]; samples: HistogramSample[] };

/** client_golang's `prometheus.ExponentialBuckets(start, factor, count)`: etcd's bucket layouts. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const buckets: number[] = [];
  let bound = start;
  for (let i = 0; i < count; i++) {
    buckets.push(bound);
    bound *= factor;
  }
  return buckets;
}

/**
 * Adds `extra` labels to every sample (the front door's `member` label), as client_golang's
 * `ConstLabels` would: a sample's own label of the same name wins.
 */
export function withLabels(families: readonly MetricFamily[], extra: Labels): MetricFamily[] {
  return families.map((family): MetricFamily => {
    if (family.type === 'histogram') {
      return { ...family, samples: family.samples.map((s) => ({ ...s, labels: { ...extra, ...s.labels } })) };
    }
    return { ...family, samples: family.samples.map((s) => ({ ...s, labels: { ...extra, ...s.labels } })) };
  });
}

/**
 * One family per name from several sources (each member's), samples concatenated. Two sources
 * that disagree on a family's type or buckets are an error: the exposition would be invalid
 * (Prometheus refuses a second TYPE line), so the later family is left out and named.
 */
export function mergeFamilies(sources: readonly (readonly MetricFamily[])[]): { families: MetricFamily[]; conflicts: string[] } {
  const byName = new Map<string, MetricFamily>();
  const conflicts: string[] = [];
  for (const families of sources) {
    for (const family of families) {
      const seen = byName.get(family.name);
      if (seen === undefined) {
        byName.set(family.name, copyFamily(family));
      } else if (!sameShape(seen, family)) {
        conflicts.push(family.name);
      } else if (seen.type === 'histogram' && family.type === 'histogram') {
        seen.samples.push(...family.samples);
      } else if (seen.type !== 'histogram' && family.type !== 'histogram') {
        seen.samples.push(...family.samples);
      }
    }
  }
  return { families: [...byName.values()], conflicts };
}

function sameShape(a: MetricFamily, b: MetricFamily): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'histogram' && b.type === 'histogram') {
    return a.buckets.length === b.buckets.length && a.buckets.every((bound, i) => bound === b.buckets[i]);
  }
  return true;
}

function copyFamily(family: MetricFamily): MetricFamily {
  if (family.type === 'histogram') return { ...family, buckets: [...family.buckets], samples: [...family.samples] };
  return { ...family, samples: [...family.samples] };
}
