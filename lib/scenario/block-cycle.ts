// The requirement cycles of a matrix's `jobs:` block, which the file's own cycle check does not see.

/**
 * A requirement cycle between the jobs of a matrix's block (a depth-first search), with the first job's index.
 */
export const blockCycle = (
  jobs: readonly { readonly id: string; readonly requires?: readonly string[] | undefined }[],
): { index: number; ids: string[] } | undefined => {
  const requires = new Map(jobs.map((j) => [j.id, j.requires ?? []]));
  const done = new Set<string>();
  const walk = (id: string, path: string[]): string[] | undefined => {
    const on = path.indexOf(id);
    if (on >= 0) return [...path.slice(on), id];
    if (done.has(id) || !requires.has(id)) return undefined;
    for (const next of requires.get(id) ?? []) {
      const found = walk(next, [...path, id]);
      if (found !== undefined) return found;
    }
    done.add(id);
    return undefined;
  };
  for (const job of jobs) {
    const ids = walk(job.id, []);
    if (ids !== undefined) return { index: jobs.findIndex((j) => j.id === ids[0]), ids };
  }
  return undefined;
};
