import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseText } from '../../src/metrics/index.ts';

/** etcd 3.4's alert rules (license note inside). */
export const ETCD_ALERT_RULES = join(import.meta.dirname, 'etcd3_alert.rules.yml');

export interface PromtoolResult {
  code: number | null;
  output: string;
}

function promtool(args: string[], stdin?: string): Promise<PromtoolResult> {
  return new Promise((resolve) => {
    const child = spawn('promtool', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(stdin ?? '');
  });
}

/**
 * `promtool check metrics`: 0 when clean, 3 when it only has naming advice (lint), 1 when the
 * exposition cannot be parsed. Returns the lint lines, or throws on a parse error.
 */
export async function lintMetrics(exposition: string): Promise<string[]> {
  const { code, output } = await promtool(['check', 'metrics'], exposition);
  if (code !== 0 && code !== 3) throw new Error(`promtool could not read the exposition (exit ${code}):\n${output}`);
  return output.split('\n').filter((line) => line.trim() !== '');
}

/** One scrape's samples as promtool input series, each with the labels Prometheus would add. */
export interface Scrape {
  text: string;
  /** How many evaluation intervals (minutes) this scrape's values hold. */
  minutes: number;
}

/**
 * Builds a `promtool test rules` file whose input series are real scrapes laid end to end (a
 * series absent from a scrape is stale there), as Prometheus would have stored them scraping
 * `target` as job `job`.
 */
export function rulesTest(scrapes: Scrape[], target: { job: string; instance: string }, alertTests: unknown[]): object {
  const series = new Map<string, string[]>();
  let offset = 0;
  for (const scrape of scrapes) {
    for (const sample of parseText(scrape.text)) {
      const labels = { ...sample.labels, job: target.job, instance: target.instance };
      const key = `${sample.name}{${Object.entries(labels)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}}`;
      const values = series.get(key) ?? new Array<string>(offset).fill('_');
      const value = Number.isFinite(sample.value) ? String(sample.value) : sample.value > 0 ? 'Inf' : sample.value < 0 ? '-Inf' : 'NaN';
      for (let i = 0; i < scrape.minutes; i++) values.push(value);
      series.set(key, values);
    }
    offset += scrape.minutes;
    for (const values of series.values()) while (values.length < offset) values.push('_');
  }
  return {
    rule_files: [ETCD_ALERT_RULES],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: [...series].map(([name, values]) => ({ series: name, values: values.join(' ') })),
        alert_rule_test: alertTests,
      },
    ],
  };
}

/** `promtool test rules` on a test built by `rulesTest` (written as JSON, which is YAML). */
export async function testRules(test: object): Promise<PromtoolResult> {
  const dir = await mkdtemp(join(tmpdir(), 'edgecd-rules-'));
  try {
    const file = join(dir, 'test.yml');
    await writeFile(file, JSON.stringify(test, null, 1));
    return await promtool(['test', 'rules', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
