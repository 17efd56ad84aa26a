/**
 * `{{name}}` in the keys of job entries that are not texts of commands (`node`, `requires`, a matrix's
 * `label`, `maxFailures`, `memberTimeout`, `where`, the values of `matrix` axes and of `exclude`; in a
 * matrix's block, `node` and `requires`), filled from the file's and the command line's variables before
 * they are decoded and their references checked, as the fields of node entries are. The labels of jobs on
 * nodes, groups and in blocks take their node's (member's, instance's) values too: they are filled when built.
 * @module
 */
import { templateNamesIn, Variables } from '../commands/variables.js';
import { suggest } from '../errors/suggest.js';
import { isRecord } from './codecs-combinators.js';
import type { DataPath, RawProblem } from './problems.js';

/** Keys whose text is a number once filled in (`maxFailures: '{{n}}'` is the count n). */
const NUMERIC = new Set(['maxFailures', 'memberTimeout']);

/** `a, s and instance`: the names a matrix's block has of its own. @internal */
export const axesText = (axes: readonly string[]): string =>
  `the matrix's ${axes.length === 1 ? 'axis' : 'axes'} ${axes.join(', ')} and instance`;

const undefinedIn = (
  name: string,
  owner: string,
  field: string,
  known: Iterable<string>,
  axes: readonly string[],
): string => {
  if (axes.includes(name))
    return (
      `{{${name}}} in ${field} of ${owner} is an axis of the matrix, which ${field} cannot use: ` +
      (field === 'node'
        ? `write node: ${name} (or '{{${name}}}' alone) for the instance's member of an axis over a group`
        : `only the file's variables fill it`)
    );
  const near = suggest(name, [...known, ...axes]);
  const scope =
    axes.length === 0
      ? 'no variable of the file gives it'
      : `no variable of the file gives it (${axesText(axes)} are not known in ${field})`;
  return (
    `{{${name}}} in ${field} of ${owner} is not defined: ${scope}` +
    `${near === undefined ? '' : ` (did you mean {{${near}}}?)`}: define it under ` +
    `variables, or on the command line with rxjobs run --var ${name}=VALUE`
  );
};

/** `{{sender}}`, the whole text: the axis `sender`, as `node: sender` names it. */
const WHOLE = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

/** One job entry (or a job of a matrix's block: `axes` are then its matrix's), its keys filled in. */
const substituteJob = (
  job: Readonly<Record<string, unknown>>,
  path: DataPath,
  variables: Variables,
  problems: RawProblem[],
  axes: readonly string[] = [],
): Record<string, unknown> => {
  const owner = typeof job['id'] === 'string' ? `job "${job['id']}"` : 'this job';
  const matrix = job['matrix'];
  // a matrix's own keys do not take its axes either: the messages say so
  const scope = isRecord(matrix) ? Object.keys(matrix) : axes;
  const expand = (value: unknown, at: DataPath, field: string): unknown => {
    if (typeof value !== 'string' || !value.includes('{{')) return value;
    const axis = field === 'node' ? WHOLE.exec(value)?.[1] : undefined;
    if (axis !== undefined && axes.includes(axis)) return axis;
    const text = variables.expand(value);
    const left = [...new Set(templateNamesIn(text))];
    for (const name of left)
      problems.push({
        path: at,
        message: undefinedIn(name, owner, field, variables.keys(), scope),
        at: 'value',
      });
    return left.length === 0 && NUMERIC.has(field) && /^\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  };
  const out: Record<string, unknown> = { ...job };
  const keys = ['node', 'maxFailures', 'memberTimeout', 'where'];
  // a matrix's own label has no node: the file's variables are all it takes
  if (isRecord(matrix)) keys.push('label');
  for (const key of keys) if (Object.hasOwn(job, key)) out[key] = expand(job[key], [...path, key], key);
  const requires = job['requires'];
  // 10,000 jobs of 3 requires each: a list is copied only when it has something to fill
  if (Array.isArray(requires) && requires.some((r) => typeof r === 'string' && r.includes('{{')))
    out['requires'] = requires.map((r: unknown, i) => expand(r, [...path, 'requires', i], 'requires'));
  else if (typeof requires === 'string')
    out['requires'] = expand(requires, [...path, 'requires'], 'requires');
  if (isRecord(matrix)) {
    const entries = Object.entries(matrix);
    out['matrix'] = Object.fromEntries(
      entries.map(([axis, values]) => [
        axis,
        Array.isArray(values)
          ? values.map((v: unknown, i) => expand(v, [...path, 'matrix', axis, i], `matrix.${axis}`))
          : values,
      ]),
    );
    const block = job['jobs'];
    const names = entries.map(([axis]) => axis);
    if (Array.isArray(block))
      out['jobs'] = block.map((inner: unknown, k) =>
        isRecord(inner) ? substituteJob(inner, [...path, 'jobs', k], variables, problems, names) : inner,
      );
  }
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

/** The jobs section of a scenario's data, the keys of its entries that are not command texts filled in. @internal */
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
