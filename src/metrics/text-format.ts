import type { Labels, MetricFamily } from './family.ts';

/** The content type of the text exposition format, as client_golang's promhttp sends it. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Prometheus' text exposition format 0.0.4, written as client_golang's `expfmt.MetricFamilyToText`
 * writes it (what etcd's `/metrics` serves): `# HELP` and `# TYPE` once per family, label pairs
 * sorted by name, samples sorted by their label values, histograms as `_bucket{le=...}` (bounds
 * and `+Inf`), `_sum` and `_count`, numbers as Go's `strconv.FormatFloat(v, 'g', -1, 64)`.
 */
export function writeText(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const family of [...families].sort((a, b) => compare(a.name, b.name))) {
    out.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    out.push(`# TYPE ${family.name} ${family.type}`);
    if (family.type === 'histogram') {
      for (const sample of sortSamples(family.samples)) {
        family.buckets.forEach((bound, i) => {
          out.push(`${family.name}_bucket${labelText(sample.labels, ['le', formatFloat(bound)])} ${formatFloat(sample.cumulative[i] ?? 0)}`);
        });
        out.push(`${family.name}_bucket${labelText(sample.labels, ['le', '+Inf'])} ${formatFloat(sample.count)}`);
        out.push(`${family.name}_sum${labelText(sample.labels)} ${formatFloat(sample.sum)}`);
        out.push(`${family.name}_count${labelText(sample.labels)} ${formatFloat(sample.count)}`);
      }
    } else {
      for (const sample of sortSamples(family.samples)) out.push(`${family.name}${labelText(sample.labels)} ${formatFloat(sample.value)}`);
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/**
 * Go's `strconv.FormatFloat(v, 'g', -1, 64)`: the shortest digits that round-trip, in `%e` form
 * when the decimal exponent is below -4 or at least 6 (Go's rule for the shortest precision),
 * with a two-digit exponent at least (`2.147483648e+09`, `1e-05`, `100000`, `0.0001`).
 */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, exponentText] = Math.abs(v).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const sign = v < 0 ? '-' : '';
  if (exponent < -4 || exponent >= 6) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const magnitude = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${magnitude}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).sort(([a], [b]) => compare(a, b));
  if (extra !== undefined) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/** client_golang's `MetricSorter`: by the label values, label pairs taken in name order. */
function sortSamples<S extends { labels: Labels }>(samples: readonly S[]): S[] {
  const key = (labels: Labels): string[] => Object.keys(labels).sort(compare).map((name) => labels[name]!);
  return [...samples].sort((a, b) => {
    const ka = key(a.labels);
    const kb = key(b.labels);
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
      const c = compare(ka[i]!, kb[i]!);
      if (c !== 0) return c;
    }
    return ka.length - kb.length;
  });
}

/** Byte order, as Go compares strings. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
