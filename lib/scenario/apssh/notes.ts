/**
 * The lines that `--dry-run` adds for a file written with keys of apssh's loader: its dialect, then one note
 * per kind of translated key or differing default, with how many nodes, jobs or commands it concerns.
 * @module
 */
import type { ApsshDialect } from './translate.js';

const HEADS = {
  apssh: "read as apssh's loader file: the plan above is its rxjobs form, with rxjobs' defaults",
  mixed: "rxjobs' dialect with keys of apssh's loader: the plan above is its rxjobs form",
} as const;

/**
 * The dry-run lines of a file's dialect (none for a file in rxjobs' dialect):
 * `dialect: read as apssh's loader file ...` then `  note: required read as requires (7 jobs)`...
 * @internal
 */
export const dialectNotes = (dialect: ApsshDialect | undefined): string[] => {
  if (dialect === undefined || dialect.dialect === 'rxjobs') return [];
  return [
    `dialect: ${HEADS[dialect.dialect]}`,
    ...dialect.notes.map(
      (n) => `  note: ${n.text} (${String(n.count)} ${n.what}${n.count === 1 ? '' : 's'})`,
    ),
  ];
};
