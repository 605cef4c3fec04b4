import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkArchitecture, readSourceTree, type SourceTree } from '../helpers/architecture.ts';

const projectRoot = join(import.meta.dirname, '..', '..');

describe('the source tree', () => {
  it('follows the layering and purity rules of DESIGN.md section 2', () => {
    const violations = checkArchitecture(readSourceTree(join(projectRoot, 'src')));
    expect(violations).toEqual([]);
  });
});

describe('the architecture check itself', () => {
  const tree = (files: Record<string, string>): SourceTree => new Map(Object.entries(files));

  it('rejects an import edge the design does not allow', () => {
    const found = checkArchitecture(tree({ 'raft/raft.ts': "import { Store } from '../store/index.ts';" }));
    expect(found).toMatchObject([{ rule: 'edge', file: 'raft/raft.ts' }]);
  });

  it('rejects reaching past a folder\'s index.ts', () => {
    const found = checkArchitecture(tree({ 'server/apply.ts': "import { Node } from '../store/node.ts';" }));
    expect(found).toMatchObject([{ rule: 'index' }]);
  });

  it('accepts an allowed edge through index.ts and imports inside a folder', () => {
    const found = checkArchitecture(
      tree({
        'server/apply.ts': "import { Store } from '../store/index.ts';\nimport { x } from './x.ts';",
        'worker/index.ts': "import { Hono } from 'hono';\nexport { Member } from '../member/index.ts';",
      }),
    );
    expect(found).toEqual([]);
  });

  it('rejects a file from outside src/ unless it is a build artifact the layer is given', () => {
    expect(checkArchitecture(tree({ 'http/x.ts': "import page from '../../dist/ui/console.html.txt';" }))).toMatchObject([{ rule: 'artifact' }]);
    expect(checkArchitecture(tree({ 'worker/console.ts': "import page from '../../dist/ui/console.html.txt';" }))).toEqual([]);
  });

  it('rejects packages a layer may not use', () => {
    const found = checkArchitecture(tree({ 'store/store.ts': "import { Hono } from 'hono';" }));
    expect(found).toMatchObject([{ rule: 'package' }]);
  });

  it('rejects clocks, randomness, timers, fetch and console in the pure core', () => {
    const found = checkArchitecture(
      tree({
        'raft/raft.ts': [
          'const a = Date.now();',
          'const b = Math.random();',
          'const c = new Date();',
          'setTimeout(() => {}, 1);',
          "void fetch('http://x');",
          "console.log('x');",
        ].join('\n'),
      }),
    );
    expect(found.map((v) => v.detail.split(' at ')[0])).toEqual([
      'Date.now', 'Math.random', 'new Date()', 'setTimeout', 'fetch', 'console',
    ]);
  });

  it('allows those names where they are not the globals: properties, parameters, dated values', () => {
    const found = checkArchitecture(
      tree({
        'store/ttl.ts': [
          'interface Clock { now(): number }',
          'function f(clock: Clock, fetch: number) { return new Date(clock.now() + 1); }',
          'const o = { console: 1 }; o.console;',
        ].join('\n'),
      }),
    );
    expect(found).toEqual([]);
  });

  it('allows the platform in the shells', () => {
    const found = checkArchitecture(tree({ 'member/ticker.ts': 'setTimeout(() => {}, Date.now());' }));
    expect(found).toEqual([]);
  });
});
