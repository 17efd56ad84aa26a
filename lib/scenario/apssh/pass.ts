/**
 * The state of the pass that reads apssh's loader dialect: what it renamed (for problems to name the file's
 * keys), its own problems, and its notes for `--dry-run`.
 * @module
 */
import type { DataPath, RawProblem } from '../problems.js';

/**
 * Which dialect a file is written in: `apssh` when it uses keys of apssh's loader (`required`, `localnode`,
 * `local_script`...) and none of their rxjobs spellings, `mixed` when it uses both, `rxjobs` otherwise.
 * @category models
 */
export type Dialect = 'rxjobs' | 'apssh' | 'mixed';

/** Where a key of the rxjobs form comes from: the file's path, and whether the rest of the path is dropped. @internal */
export interface Origin {
  readonly original: DataPath;
  /** True when the key is made from a whole one (a RunScript `command` made `script` and `args`). */
  readonly collapse: boolean;
}

/** One note of the apssh pass for `--dry-run`: its text, what it is about, and how many of those it concerns. @category models */
export interface Note {
  readonly text: string;
  readonly what: 'node' | 'job' | 'command';
  count: number;
}

/** The mutable state of one pass over a file's data. @internal */
export interface Pass {
  readonly dialect: Dialect;
  /** The directory that relative paths of commands written with apssh's keys are relative to. */
  readonly cwd: string;
  readonly problems: RawProblem[];
  readonly origins: Map<string, Origin>;
  readonly notes: Map<string, Note>;
}

/** The key of a path in `origins`. @internal */
export const pathKey = (path: DataPath): string => JSON.stringify(path);

/** Records that `renamed` (a path of the rxjobs form) is `original` in the file. @internal */
export const renamed = (pass: Pass, renamedPath: DataPath, original: DataPath, collapse = false): void => {
  pass.origins.set(pathKey(renamedPath), { original, collapse });
};

/** Adds one to the note `key` (made with `text` the first time). @internal */
export const note = (pass: Pass, key: string, what: Note['what'], text: string): void => {
  const known = pass.notes.get(key);
  if (known === undefined) pass.notes.set(key, { text, what, count: 1 });
  else known.count++;
};

/** A problem of the pass, at a path of the file. @internal */
export const problem = (pass: Pass, path: DataPath, message: string, at: 'key' | 'value' = 'key'): void => {
  pass.problems.push({ path, message, at });
};

/** The path in the file of a path of the rxjobs form: the longest renamed prefix is put back. @internal */
export const originalPath = (origins: ReadonlyMap<string, Origin>, path: DataPath): DataPath => {
  if (origins.size === 0) return path;
  for (let i = path.length; i > 0; i--) {
    const origin = origins.get(pathKey(path.slice(0, i)));
    if (origin !== undefined)
      return origin.collapse ? origin.original : [...origin.original, ...path.slice(i)];
  }
  return path;
};
