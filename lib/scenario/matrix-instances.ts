/**
 * The instances of a matrix job: the product of its axes, kept by `where`, not matched by `exclude`.
 * @module
 */
import type { WherePredicate } from '../fleet/where.js';
import { maxHostRangeExpansion } from '../hosts/host-ranges.js';
import type { MatrixJobSpec } from './codecs-jobs.js';
import type { DataPath, RawProblem } from './problems.js';

/** One axis of a matrix: its values, and the group they are the members of, when they are. @internal */
export interface MatrixAxis {
  readonly name: string;
  readonly values: readonly string[];
  /** The group id whose members' host names the values are; undefined for a list of values. */
  readonly group: string | undefined;
}

/** One instance: the value of each axis, its key (`fit01,fit02`) and its `{{instance}}` (`fit01-fit02`). @internal */
export interface MatrixInstance {
  readonly values: Readonly<Record<string, string>>;
  readonly key: string;
  readonly name: string;
}

/** The most instances a matrix may have before its filter: as many as a host range may expand to. @internal */
export const maxMatrixInstances = maxHostRangeExpansion;

/** The axes of a matrix, a group id resolved to its members' host names (undefined: not a group). @internal */
export const axesOf = (
  matrix: MatrixJobSpec['matrix'],
  hostsOf: (group: string) => readonly string[] | undefined,
): MatrixAxis[] =>
  Object.entries(matrix).map(([name, axis]) =>
    typeof axis === 'string'
      ? { name, values: hostsOf(axis) ?? [], group: axis }
      : { name, values: axis, group: undefined },
  );

/** How many instances the product of the axes has, before any filter. @internal */
export const productSize = (axes: readonly MatrixAxis[]): number =>
  axes.reduce((n, axis) => n * axis.values.length, 1);

/**
 * The instances, first axis slowest; `undefined` when the product has more than {@link maxMatrixInstances}.
 * @internal
 */
export const instancesOf = (
  axes: readonly MatrixAxis[],
  where: WherePredicate | undefined,
  exclude: MatrixJobSpec['exclude'],
): MatrixInstance[] | undefined => {
  if (productSize(axes) > maxMatrixInstances) return undefined;
  // as lib/fleet's matrix names its instances: safe in a file name
  const nameOf = (row: Readonly<Record<string, string>>) =>
    axes.map((a) => (row[a.name] ?? '').replace(/[^A-Za-z0-9._-]/g, '_')).join('-');
  let rows: Record<string, string>[] = [{}];
  for (const axis of axes) rows = rows.flatMap((row) => axis.values.map((v) => ({ ...row, [axis.name]: v })));
  const excluded = (row: Readonly<Record<string, string>>) =>
    (exclude ?? []).some((entry) => Object.entries(entry).every(([k, v]) => row[k] === v));
  return rows
    .filter((row) => !excluded(row) && (where === undefined || where({ ...row, instance: nameOf(row) })))
    .map((values) => {
      const list = axes.map((a) => values[a.name] ?? '');
      return { values, key: list.join(','), name: nameOf(values) };
    });
};

/**
 * The problems of the entries of a matrix's `exclude`: an empty one (it would exclude every instance), a key
 * that is no axis, a value that is not one of its axis's. `at` gives a path under the matrix's entry.
 * @internal
 */
export const excludeProblems = (
  exclude: MatrixJobSpec['exclude'],
  axes: readonly MatrixAxis[],
  at: (...keys: (string | number)[]) => DataPath,
): RawProblem[] => {
  const problems: RawProblem[] = [];
  const names = axes.map((a) => a.name);
  (exclude ?? []).forEach((entry, i) => {
    if (Object.keys(entry).length === 0)
      problems.push({
        path: at('exclude', i),
        message: 'is empty: name at least one axis (an empty entry would exclude every instance)',
        at: 'value',
      });
    for (const [key, value] of Object.entries(entry)) {
      const known = axes.find((a) => a.name === key)?.values;
      if (known === undefined)
        problems.push({
          path: at('exclude', i, key),
          message: `"${key}" is not an axis of this matrix (axes: ${names.join(', ')})`,
          at: 'key',
        });
      else if (!known.includes(value))
        problems.push({
          path: at('exclude', i, key),
          message: `"${value}" is not a value of axis ${key} (values: ${known.slice(0, 5).join(', ')}${known.length > 5 ? ', ...' : ''})`,
          at: 'value',
        });
    }
  });
  return problems;
};
