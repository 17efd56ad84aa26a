import type * as t from 'io-ts';

import { KeyEntry } from './codecs-combinators.js';
import type { RawProblem } from './problems.js';

/**
 * An io-ts reporter for the codecs of this directory: one problem per validation error, its path made of the
 * context's keys (list indices as numbers), its message the error's own or `expected <the codec's name>`.
 * Repeated problems (same path and message) are given once.
 * @internal
 */
export const reportErrors = (errors: t.Errors): RawProblem[] => {
  const seen = new Set<string>();
  const problems: RawProblem[] = [];
  for (const error of errors) {
    const entries = error.context;
    // entries[0] is the root (key ''); a key is an index when its parent value is a list
    const path = entries
      .slice(1)
      .map((entry, i) => (Array.isArray(entries[i]?.actual) ? Number(entry.key) : entry.key));
    const last = entries.at(-1);
    const message = error.message ?? `expected ${last?.type.name ?? 'something else'}`;
    const id = JSON.stringify([path, message]);
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push({ path, message, at: last?.type === KeyEntry ? 'key' : 'value' });
  }
  return problems;
};
