import { describe, expect, it } from 'vitest';
import { exponentialBuckets, formatFloat, parseText, Registry, writeText } from '../../src/metrics/index.ts';

describe('the text exposition writer', () => {
  it("formats numbers as Go's strconv.FormatFloat(v, 'g', -1, 64) does", () => {
    const cases: [number, string][] = [
      [0, '0'],
      [5, '5'],
      [100000, '100000'],
      [1e6, '1e+06'],
      [2147483648, '2.147483648e+09'],
      [1234567.5, '1.2345675e+06'],
      [0.012836732, '0.012836732'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [3.3413e-5, '3.3413e-05'],
      [-2.5, '-2.5'],
      [1e21, '1e+21'],
      [1.5e-300, '1.5e-300'],
      [Infinity, '+Inf'],
      [-Infinity, '-Inf'],
      [NaN, 'NaN'],
    ];
    for (const [value, text] of cases) expect(formatFloat(value), String(value)).toBe(text);
  });

  it("writes etcd's bucket bounds as etcd 3.4's /metrics shows them", () => {
    expect(exponentialBuckets(0.0005, 2, 13).map(formatFloat)).toEqual([
      '0.0005', '0.001', '0.002', '0.004', '0.008', '0.016', '0.032', '0.064', '0.128', '0.256', '0.512', '1.024', '2.048',
    ]);
    expect(exponentialBuckets(0.001, 2, 14).map(formatFloat).slice(-3)).toEqual(['2.048', '4.096', '8.192']);
    expect(exponentialBuckets(0.0001, 2, 16).map(formatFloat).slice(-2)).toEqual(['1.6384', '3.2768']);
  });

  it('writes a histogram in the layout client_golang uses (cumulative buckets, +Inf, sum, count)', () => {
    const registry = new Registry();
    const fsync = registry.histogram({ name: 'etcd_disk_wal_fsync_duration_seconds', help: 'The latency distributions of fsync called by WAL.', buckets: [0.001, 0.002, 0.004] });
    fsync.observe(0.0005);
    fsync.observe(0.002);
    fsync.observe(0.003);
    fsync.observe(9);
    expect(writeText(registry.gather())).toBe(
      [
        '# HELP etcd_disk_wal_fsync_duration_seconds The latency distributions of fsync called by WAL.',
        '# TYPE etcd_disk_wal_fsync_duration_seconds histogram',
        'etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 1',
        'etcd_disk_wal_fsync_duration_seconds_bucket{le="0.002"} 2',
        'etcd_disk_wal_fsync_duration_seconds_bucket{le="0.004"} 3',
        'etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 4',
        'etcd_disk_wal_fsync_duration_seconds_sum 9.0055',
        'etcd_disk_wal_fsync_duration_seconds_count 4',
        '',
      ].join('\n'),
    );
  });

  it('sorts families by name, label pairs by name and samples by label values', () => {
    const registry = new Registry();
    const writes = registry.counter({ name: 'etcd_debugging_store_writes_total', help: 'w', labelNames: ['action'] });
    writes.labels('set').inc(3);
    writes.labels('create').inc();
    registry.gaugeFunction({ name: 'etcd_server_has_leader', help: 'h' }, () => 1);
    registry.gaugeFunction({ name: 'a_first', help: 'x', labelNames: ['z', 'a'] }, () => [{ labels: { z: '1', a: '2' }, value: 7 }]);
    const text = writeText(registry.gather());
    expect(text.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      'a_first{a="2",z="1"} 7',
      'etcd_debugging_store_writes_total{action="create"} 1',
      'etcd_debugging_store_writes_total{action="set"} 3',
      'etcd_server_has_leader 1',
      '',
    ]);
  });

  it('escapes help text and label values as the format requires, and reads them back', () => {
    const registry = new Registry();
    registry.gaugeFunction({ name: 'g', help: 'back\\slash\nnewline', labelNames: ['v'] }, () => [{ labels: { v: 'a"b\\c\nd' }, value: 0.25 }]);
    const text = writeText(registry.gather());
    expect(text).toContain('# HELP g back\\\\slash\\nnewline\n');
    expect(text).toContain('g{v="a\\"b\\\\c\\nd"} 0.25\n');
    expect(parseText(text)).toEqual([{ name: 'g', labels: { v: 'a"b\\c\nd' }, value: 0.25 }]);
  });

  it('reads a histogram exposition back sample by sample', () => {
    const registry = new Registry();
    const h = registry.histogram({ name: 'rtt', help: 'r', labelNames: ['To'], buckets: [0.1] });
    h.labels('b2').observe(0.05);
    const samples = parseText(writeText(registry.gather()));
    expect(samples).toEqual([
      { name: 'rtt_bucket', labels: { To: 'b2', le: '0.1' }, value: 1 },
      { name: 'rtt_bucket', labels: { To: 'b2', le: '+Inf' }, value: 1 },
      { name: 'rtt_sum', labels: { To: 'b2' }, value: 0.05 },
      { name: 'rtt_count', labels: { To: 'b2' }, value: 1 },
    ]);
  });
});
