import { expect } from 'chai';

import { layeredLayout } from '../../lib/report/layout.js';

describe('layeredLayout', () => {
  it('puts each node one layer after its latest requirement (longest path)', () => {
    // 0 -> 1 -> 2, and 0 -> 2: 2 goes after 1
    const { places, columns } = layeredLayout(3, [
      [0, 1],
      [1, 2],
      [0, 2],
    ]);
    expect(places.map((p) => p.column)).to.deep.equal([0, 1, 2]);
    expect(columns).to.equal(3);
  });

  it('orders a layer by the barycentre of the requirements: no crossing in two parallel chains', () => {
    // a0 -> a1, b0 -> b1, given in crossed order
    const { places } = layeredLayout(4, [
      [0, 3],
      [1, 2],
    ]);
    expect(places[0]?.row).to.equal(places[3]?.row);
    expect(places[1]?.row).to.equal(places[2]?.row);
  });

  it('wraps a layer taller than maxRows into more columns', () => {
    const { places, columns, rows } = layeredLayout(25, [], 10);
    expect(columns).to.equal(3);
    expect(rows).to.equal(10);
    expect(new Set(places.map((p) => `${String(p.column)},${String(p.row)}`)).size).to.equal(25);
  });

  it('survives a cycle (not in a valid plan) and ignores edges to unknown nodes', () => {
    const { places } = layeredLayout(3, [
      [0, 1],
      [1, 2],
      [2, 1],
      [5, 0],
      [0, 0],
    ]);
    expect(places).to.have.length(3);
    expect(places.every((p) => Number.isInteger(p.column) && Number.isInteger(p.row))).to.equal(true);
  });

  it('lays out 10,000 nodes in a chain quickly (no recursion)', () => {
    const edges = Array.from({ length: 9999 }, (_, i) => [i, i + 1] as const);
    const started = Date.now();
    const { columns } = layeredLayout(10_000, edges);
    expect(columns).to.equal(10_000);
    expect(Date.now() - started).to.be.below(2000);
  });
});
