import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goSort, goSortReverse } from '../../../src/server/v3/go-sort.ts';

/**
 * Go 1.19's own answers (testdata/go-sort.go, run with Debian's golang-1.19-go: `go run
 * go-sort.go > go-sort.json`): which order sort.Sort and sort.Reverse leave items with equal
 * values in, for inputs that reach insertion sort, heap sort, pattern breaking and the hints.
 */
const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, 'testdata', 'go-sort.json'), 'utf8')) as {
  input: number[];
  asc: number[];
  desc: number[];
}[];

describe("Go's sort.Sort, as etcd orders a range", () => {
  it(`leaves equal values in Go's order for ${fixtures.length} inputs, ascending and reversed`, () => {
    for (const f of fixtures) {
      const items = f.input.map((v, k) => ({ k, v }));
      expect(goSort([...items], (a, b) => a.v < b.v).map((x) => x.k)).toEqual(f.asc);
      expect(goSortReverse([...items], (a, b) => a.v < b.v).map((x) => x.k)).toEqual(f.desc);
    }
  });
});
