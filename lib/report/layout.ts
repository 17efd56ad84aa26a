/**
 * A layered layout of a dependency graph, for the report's SVG: each node's layer is the length of the longest
 * chain of requirements before it; within a layer, nodes are ordered by the barycentre of their neighbours in
 * the layers before (then after), a few sweeps each way. A layer taller than `maxRows` wraps into several
 * columns. O(nodes + edges) per sweep. Pure: no I/O.
 * @module
 */

/** Where a node goes: its column and row in the grid of the layout. @category models */
export interface Placed {
  readonly column: number;
  readonly row: number;
}

/** A layout: each node's place, and the grid's size. @category models */
export interface Layout {
  readonly places: readonly Placed[];
  readonly columns: number;
  readonly rows: number;
}

const SWEEPS = 4;

/**
 * Lays out `count` nodes with edges `[from, to]` (from a requirement to what requires it). An edge that
 * closes a cycle is ignored for the layers. `maxRows` (default 40) caps a column's height.
 */
export function layeredLayout(
  count: number,
  edges: readonly (readonly [number, number])[],
  maxRows = 40,
): Layout {
  const preds: number[][] = Array.from({ length: count }, () => []);
  const succs: number[][] = Array.from({ length: count }, () => []);
  for (const [from, to] of edges) {
    if (from === to || from < 0 || to < 0 || from >= count || to >= count) continue;
    preds[to]?.push(from);
    succs[from]?.push(to);
  }
  const layer = longestPathLayers(count, preds, succs);
  const layers: number[][] = [];
  for (let i = 0; i < count; i++) (layers[layer[i] ?? 0] ??= []).push(i);
  const dense = layers.filter((l) => l.length > 0);
  const position = new Float64Array(count);
  const setPositions = (): void => {
    for (const l of dense) l.forEach((n, i) => (position[n] = i));
  };
  setPositions();
  const sweep = (order: readonly number[][], neighbours: readonly number[][]): void => {
    for (const l of order) {
      const key = new Map<number, number>();
      for (const n of l) {
        const ns = neighbours[n] ?? [];
        key.set(
          n,
          ns.length === 0 ? (position[n] ?? 0) : ns.reduce((s, m) => s + (position[m] ?? 0), 0) / ns.length,
        );
      }
      l.sort((a, b) => (key.get(a) ?? 0) - (key.get(b) ?? 0) || a - b);
      l.forEach((n, i) => (position[n] = i));
    }
  };
  for (let s = 0; s < SWEEPS; s++) {
    sweep(dense, preds);
    sweep([...dense].reverse(), succs);
  }
  const places: Placed[] = new Array<Placed>(count);
  let column = 0;
  let rows = 0;
  for (const l of dense) {
    const height = Math.min(l.length, maxRows);
    rows = Math.max(rows, height);
    l.forEach((n, i) => (places[n] = { column: column + Math.floor(i / maxRows), row: i % maxRows }));
    column += Math.ceil(l.length / maxRows);
  }
  return { places, columns: column, rows };
}

/** Each node's layer: 0 without requirements, else 1 + the highest layer of its requirements. */
function longestPathLayers(count: number, preds: readonly number[][], succs: readonly number[][]): number[] {
  const layer = new Array<number>(count).fill(0);
  const waiting = preds.map((p) => p.length);
  const queue: number[] = [];
  for (let i = 0; i < count; i++) if (waiting[i] === 0) queue.push(i);
  const placed = new Uint8Array(count);
  let top = 0;
  for (;;) {
    for (let head = 0; head < queue.length; head++) {
      const n = queue[head] ?? 0;
      placed[n] = 1;
      top = Math.max(top, layer[n] ?? 0);
      for (const m of succs[n] ?? []) {
        layer[m] = Math.max(layer[m] ?? 0, (layer[n] ?? 0) + 1);
        const left = (waiting[m] ?? 0) - 1;
        waiting[m] = left;
        if (left === 0) queue.push(m);
      }
    }
    // a cycle (not in a valid plan): place its first node after the rest, and go on
    const stuck = placed.indexOf(0);
    if (stuck < 0) return layer;
    layer[stuck] = Math.max(layer[stuck] ?? 0, top + 1);
    waiting[stuck] = 0;
    queue.length = 0;
    queue.push(stuck);
  }
}
