/**
 * Codecs of the jobs of a scenario: a job on a node or a group of nodes, and a matrix of jobs.
 * @module
 */
import * as t from 'io-ts';

import { isRecord, keyError, listOf, oneOrMany, recordOf, scalar, struct } from './codecs-combinators.js';
import { CommandSpec } from './codecs-commands.js';
import {
  Bool,
  integer,
  JobId,
  MaxFailures,
  NodeId,
  NonEmptyString,
  RESERVED_VARIABLES,
  RunIf,
  ScalarString,
  Seconds,
} from './codecs-values.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const Requires = oneOrMany(JobId, 'a job id or a list of job ids');
const Commands = listOf(CommandSpec, 'a non-empty list of commands', true);

/** `retries: 2`, or `{count, delay, backoff, maxDelay}` (seconds): how often a failed job is tried again. @category codecs */
export const RetriesSpec = new t.Type<RetriesSpec, RetriesSpec, unknown>(
  'a count of retries (a whole number, 0 or more) or {count, delay, backoff, maxDelay}',
  (u): u is RetriesSpec => validateRetries(u, [])._tag === 'Right',
  (u, c) => validateRetries(u, c),
  (a) => a,
);
const RetriesStruct = struct(
  'the retries of a job',
  { count: integer(0, 1000) },
  {
    delay: Seconds,
    backoff: scalar('a number, 1 or more', (u) =>
      typeof u === 'number' && Number.isFinite(u) && u >= 1 ? u : undefined,
    ),
    maxDelay: Seconds,
  },
);
/** @category codecs */
export type RetriesSpec = number | t.TypeOf<typeof RetriesStruct>;
const Count = integer(0, 1000);
function validateRetries(u: unknown, c: t.Context): t.Validation<RetriesSpec> {
  return isRecord(u) ? RetriesStruct.validate(u, c) : Count.validate(u, c);
}

/** The options of a job run on each member of a group (see {@link JobSpec}). */
const groupOptions = {
  maxFailures: MaxFailures,
  memberTimeout: Seconds,
  ignoreUnreachable: Bool,
  skipFailedMembers: Bool,
  jobsWindow: integer(1, Number.MAX_SAFE_INTEGER),
};

/** The optional keys of every job, on a node, a group or in a matrix's block. */
const jobOptions = {
  requires: Requires,
  label: NonEmptyString,
  critical: Bool,
  forever: Bool,
  timeout: Seconds,
  runIf: RunIf,
  retries: RetriesSpec,
};

/**
 * A job: commands run in order on one node, built as an `SshJob`; or, when `node` is a group, on each of
 * its members (one `SshJob` each, with its own `{{hostname}}`...), gathered as one job that `requires` waits
 * for. The group keys (`maxFailures`, `memberTimeout`, `ignoreUnreachable`, `skipFailedMembers`, `jobsWindow`)
 * are for a job on a group.
 * @category codecs
 */
export const JobSpec = struct(
  'a job',
  { id: JobId, node: NodeId, commands: Commands },
  { ...jobOptions, ...groupOptions },
);
/** @category codecs */
export type JobSpec = t.TypeOf<typeof JobSpec>;

/** A job of a matrix instance: `node` names an axis (over a group) or a node; `requires` names jobs of the block. @category codecs */
export const InstanceJobSpec = struct(
  'a job of a matrix instance',
  { id: JobId, node: NodeId, commands: Commands },
  jobOptions,
);
/** @category codecs */
export type InstanceJobSpec = t.TypeOf<typeof InstanceJobSpec>;

/** Names that JavaScript objects hold for themselves: an axis so named would be lost or misread. */
const OBJECT_KEYS = ['__proto__', 'constructor', 'prototype'];
const axisName = (name: string): string | undefined =>
  !NAME.test(name)
    ? 'not an axis name (letters, digits and "_", not starting with a digit): it is used as {{name}}'
    : OBJECT_KEYS.includes(name)
      ? `not an axis name: "${name}" is a name JavaScript objects keep for themselves; name the axis otherwise`
      : RESERVED_VARIABLES.includes(name)
        ? `"${name}" is a built-in variable: name the axis otherwise`
        : undefined;

/** The values of a list axis as strings, or undefined when one is not a scalar. */
const scalars = (list: readonly unknown[]): string[] | undefined => {
  const out: string[] = [];
  for (const v of list) {
    const one = ScalarString.decode(v);
    if (one._tag === 'Left') return undefined;
    out.push(one.right);
  }
  return out;
};

/** An axis: a group id (its members), or a non-empty list of values. */
const Axis = scalar<string | readonly string[]>(
  'a group id, or a non-empty list of values (strings, numbers or booleans)',
  (u) =>
    typeof u === 'string' || typeof u === 'number'
      ? NodeId.is(u) || typeof u === 'number'
        ? String(u)
        : undefined
      : Array.isArray(u) && u.length > 0
        ? scalars(u as unknown[])
        : undefined,
);

/**
 * A matrix: the `jobs` block run once per instance of the product of the axes of `matrix` (group ids, whose
 * values are their members' host names, or lists of values), the instances kept by `where` (a test such as
 * `sender != receiver`) and not matched by an entry of `exclude`. `jobsWindow` bounds the instances at once,
 * `maxFailures` the failed instances.
 * @category codecs
 */
export const MatrixJobSpec = struct(
  'a matrix job',
  {
    id: JobId,
    matrix: recordOf(Axis, 'a mapping of axis names to group ids or lists of values', axisName),
    jobs: listOf(InstanceJobSpec, 'a non-empty list of jobs, run for each instance', true),
  },
  {
    where: NonEmptyString,
    exclude: listOf(
      recordOf(ScalarString, 'a mapping of axis names to values', () => undefined),
      'a list of mappings of axis names to values',
    ),
    requires: Requires,
    label: NonEmptyString,
    critical: Bool,
    timeout: Seconds,
    runIf: RunIf,
    maxFailures: MaxFailures,
    jobsWindow: integer(1, Number.MAX_SAFE_INTEGER),
  },
  (a, c) =>
    Object.keys(a.matrix).length === 0 ? [keyError(c, 'matrix', a.matrix, 'expected at least one axis')] : [],
);
/** @category codecs */
export type MatrixJobSpec = t.TypeOf<typeof MatrixJobSpec>;

/** The axis of a matrix that `name` names (own axes only: not `constructor`...), if any. @internal */
export const axisNamed = (
  matrix: MatrixJobSpec,
  name: string,
): MatrixJobSpec['matrix'][string] | undefined =>
  Object.hasOwn(matrix.matrix, name) ? matrix.matrix[name] : undefined;

/** An entry of `jobs:`, decoded. @category codecs */
export type ScenarioJobSpec = JobSpec | MatrixJobSpec;

/** Whether a decoded job entry is a matrix. @category models */
export const isMatrixJobSpec = (job: ScenarioJobSpec): job is MatrixJobSpec => 'matrix' in job;

const validateJob = (u: unknown, c: t.Context): t.Validation<ScenarioJobSpec> => {
  if (!isRecord(u)) return t.failure(u, c);
  if (Object.hasOwn(u, 'matrix')) {
    const { node, commands, ...rest } = u;
    const conflicts = Object.entries({ node, commands })
      .filter(([, v]) => v !== undefined)
      .map(([key, v]) =>
        keyError(c, key, v, 'not allowed with matrix: give the commands in the jobs of the matrix'),
      );
    const result = MatrixJobSpec.validate(rest, c);
    if (conflicts.length === 0) return result;
    return t.failures([...conflicts, ...(result._tag === 'Left' ? result.left : [])]);
  }
  if (Object.hasOwn(u, 'jobs') && !Object.hasOwn(u, 'matrix')) {
    const { jobs, ...rest } = u;
    const result = JobSpec.validate(rest, c);
    const conflict = keyError(
      c,
      'jobs',
      jobs,
      'only for a matrix: add a matrix, or give commands and a node',
    );
    return t.failures([conflict, ...(result._tag === 'Left' ? result.left : [])]);
  }
  return JobSpec.validate(u, c);
};

/**
 * An entry of `jobs:`: a mapping with `matrix` is a {@link MatrixJobSpec}, any other a {@link JobSpec}.
 * @category codecs
 */
export const ScenarioJobSpec = new t.Type<ScenarioJobSpec, ScenarioJobSpec, unknown>(
  'a job (a mapping with an id, a node and commands, or a matrix and jobs)',
  (u): u is ScenarioJobSpec => validateJob(u, [])._tag === 'Right',
  validateJob,
  (a) => a,
);
