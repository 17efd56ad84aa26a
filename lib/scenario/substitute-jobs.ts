/**
 * `{{name}}` in the keys of group and matrix jobs that are not texts of commands (`maxFailures`,
 * `memberTimeout`, `where`, the values of `matrix` axes and of `exclude`), filled from the file's and the
 * command line's variables before they are decoded, as the fields of node entries are.
 * @module
 */
import { templateNamesIn, Variables } from '../commands/variables.js';
import { suggest } from '../errors/suggest.js';
import { isRecord } from './codecs-combinators.js';
import type { DataPath, RawProblem } from './problems.js';

/** Keys whose text is a number once filled in (`maxFailures: '{{n}}'` is the count n). */
const NUMERIC = new Set(['maxFailures', 'memberTimeout']);

const undefinedIn = (name: string, owner: string, field: string, known: Iterable<string>): string => {
  const near = suggest(name, known);
  return (
    `{{${name}}} in ${field} of ${owner} is not defined: no variable of the file gives it` +
    `${near === undefined ? '' : ` (did you mean {{${near}}}?)`}: define it under variables, or on the ` +
    `command line with rxjobs run --var ${name}=VALUE`
  );
};

/** One job entry, its group and matrix keys filled in. */
const substituteJob = (
  job: Readonly<Record<string, unknown>>,
  path: DataPath,
  variables: Variables,
  problems: RawProblem[],
): Record<string, unknown> => {
  const owner = typeof job['id'] === 'string' ? `job "${job['id']}"` : 'this job';
  const expand = (value: unknown, at: DataPath, field: string): unknown => {
    if (typeof value !== 'string' || !value.includes('{{')) return value;
    const text = variables.expand(value);
    const left = [...new Set(templateNamesIn(text))];
    for (const name of left)
      problems.push({ path: at, message: undefinedIn(name, owner, field, variables.keys()), at: 'value' });
    return left.length === 0 && NUMERIC.has(field) && /^\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  };
  const out: Record<string, unknown> = { ...job };
  for (const key of ['maxFailures', 'memberTimeout', 'where'])
    if (Object.hasOwn(job, key)) out[key] = expand(job[key], [...path, key], key);
  const matrix = job['matrix'];
  if (isRecord(matrix))
    out['matrix'] = Object.fromEntries(
      Object.entries(matrix).map(([axis, values]) => [
        axis,
        Array.isArray(values)
          ? values.map((v: unknown, i) => expand(v, [...path, 'matrix', axis, i], `matrix.${axis}`))
          : values,
      ]),
    );
  const exclude = job['exclude'];
  if (Array.isArray(exclude))
    out['exclude'] = exclude.map((entry: unknown, i) =>
      isRecord(entry)
        ? Object.fromEntries(
            Object.entries(entry).map(([k, v]) => [k, expand(v, [...path, 'exclude', i, k], 'exclude')]),
          )
        : entry,
    );
  return out;
};

/** The jobs section of a scenario's data, the group and matrix keys of its entries filled in. @internal */
export const substituteJobs = (
  section: unknown,
  globals: Readonly<Record<string, string>>,
  problems: RawProblem[],
): unknown => {
  const variables = new Variables(Object.entries(globals));
  const one = (job: unknown, path: DataPath): unknown =>
    isRecord(job) ? substituteJob(job, path, variables, problems) : job;
  if (Array.isArray(section)) return section.map((job: unknown, i) => one(job, ['jobs', i]));
  if (isRecord(section))
    return Object.fromEntries(Object.entries(section).map(([k, job]) => [k, one(job, ['jobs', k])]));
  return section;
};
