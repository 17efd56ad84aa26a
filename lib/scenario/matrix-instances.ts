/**
 * The instances of a matrix job: the product of its axes, kept by `where`, not matched by `exclude`.
 * @module
 */
import type { WherePredicate } from '../fleet/where.js';
import { maxHostRangeExpansion } from '../hosts/host-ranges.js';
import type { MatrixJobSpec } from './codecs-jobs.js';

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
