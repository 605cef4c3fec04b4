import { describe, expect, it } from 'vitest';
import { mergeFamilies, Registry, withLabels, writeText } from '../../src/metrics/index.ts';

describe('a metrics registry', () => {
  it('shows an unlabeled counter at zero from the start, and a labeled one only once used', () => {
    const registry = new Registry();
    registry.counter({ name: 'plain_total', help: 'p' });
    const vec = registry.counter({ name: 'vec_total', help: 'v', labelNames: ['method'] });
    expect(registry.gather().map((f) => f.name)).toEqual(['plain_total']);
    vec.labels('GET').inc();
    expect(registry.gather().map((f) => f.name)).toEqual(['plain_total', 'vec_total']);
  });

  it('refuses a counter going down, a second family of one name, and wrong label counts', () => {
    const registry = new Registry();
    const c = registry.counter({ name: 'c_total', help: 'c', labelNames: ['a'] });
    expect(() => c.labels('x').inc(-1)).toThrow(/cannot decrease/);
    expect(() => registry.gauge({ name: 'c_total', help: 'again' })).toThrow(/already registered/);
    expect(() => c.labels()).toThrow(/expected 1 label values/);
  });

  it('counts an observation equal to a bound into that bound\'s bucket', () => {
    const registry = new Registry();
    const h = registry.histogram({ name: 'h', help: 'h', buckets: [1, 2] });
    h.observe(1);
    h.observe(2);
    h.observe(2.5);
    const [family] = registry.gather();
    expect(family).toMatchObject({ type: 'histogram', samples: [{ cumulative: [1, 2], count: 3, sum: 5.5 }] });
  });

  it('reads function-backed values when gathered, not when registered', () => {
    const registry = new Registry();
    let commit = 1;
    registry.gaugeFunction({ name: 'etcd_server_proposals_committed_total', help: 'c' }, () => commit);
    commit = 42;
    expect(writeText(registry.gather())).toContain('etcd_server_proposals_committed_total 42\n');
  });

  it("merges members' families into one family per name, each sample labeled with its member", () => {
    const member = (name: string, leader: number) => {
      const registry = new Registry();
      registry.gaugeFunction({ name: 'etcd_server_is_leader', help: 'l' }, () => leader);
      return withLabels(registry.gather(), { member: name });
    };
    const { families, conflicts } = mergeFamilies([member('node1', 0), member('node2', 1)]);
    expect(conflicts).toEqual([]);
    const text = writeText(families);
    expect(text.match(/# TYPE etcd_server_is_leader/g)).toHaveLength(1);
    expect(text).toContain('etcd_server_is_leader{member="node1"} 0\netcd_server_is_leader{member="node2"} 1\n');
  });

  it('leaves out, and names, a family whose type differs between sources', () => {
    const a = new Registry();
    a.counter({ name: 'x', help: 'x' });
    const b = new Registry();
    b.gauge({ name: 'x', help: 'x' });
    const { families, conflicts } = mergeFamilies([a.gather(), b.gather()]);
    expect(families).toHaveLength(1);
    expect(families[0]!.type).toBe('counter');
    expect(conflicts).toEqual(['x']);
  });
});
