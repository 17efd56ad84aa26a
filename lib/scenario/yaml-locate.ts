import type { Document, LineCounter, Node as YamlNode } from 'yaml';

import type { DataPath } from './problems.js';
import { yamlModule } from './yaml-lazy.js';

/**
 * Where a data path is in a YAML document: the line and column (from 1) of its value, or of its key when
 * `at` is `'key'` (or when the value is empty); of the nearest parent that exists when it does not (a missing
 * key is reported at the mapping that misses it).
 * @internal
 */
export const locate = (
  doc: Document,
  lineCounter: LineCounter,
  path: DataPath,
  at: 'key' | 'value',
): { line: number; column: number } | undefined => {
  const { isAlias, isMap, isScalar, isSeq } = yamlModule();
  const keyOf = (n: unknown): string | undefined => (isScalar(n) ? String(n.value) : undefined);
  const resolve = (n: unknown): unknown => (isAlias(n) ? n.resolve(doc) : n);
  let node = resolve(doc.contents) as YamlNode | null | undefined;
  let found: YamlNode | null | undefined = node;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    let next: unknown;
    let key: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyOf(p.key) === String(segment));
      if (pair === undefined) break;
      key = pair.key;
      next = resolve(pair.value);
    } else if (isSeq(node) && typeof segment === 'number') {
      next = resolve(node.items[segment]);
    } else break;
    const value = next as YamlNode | null | undefined;
    const range = value?.range;
    const useKey = (last && at === 'key') || range == null || range[0] === range[1];
    found = useKey && key !== undefined ? (key as YamlNode) : (value ?? found);
    node = value;
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
};
