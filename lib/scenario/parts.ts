import type * as t from 'io-ts';

import { entryList, isRecord } from './codecs-combinators.js';
import type { NodeSpec } from './codecs-nodes.js';
import { NodeSpec as NodeCodec } from './codecs-nodes.js';
import { JobId, NodeId, VariableValues } from './codecs-values.js';
import { isMatrixJobSpec } from './codecs-jobs.js';
import type { JobSpec, ScenarioSpec } from './codecs.js';
import { JobSpec as JobCodec } from './codecs.js';
import type { DataPath } from './problems.js';

/**
 * One node or job of a scenario file, for the checks between them, whether or not it decodes as a whole:
 * its path, its raw mapping, its id when valid, and its decoded value when it has no problem.
 * @internal
 */
export interface Part<S> {
  readonly path: DataPath;
  readonly raw: Readonly<Record<string, unknown>>;
  readonly id: string | undefined;
  readonly spec: S | undefined;
}

/** The parts of a scenario file, each decoded on its own, so that the checks can run despite other problems. @internal */
export interface ScenarioParts {
  readonly nodes: readonly Part<NodeSpec>[];
  readonly jobs: readonly Part<JobSpec>[];
  /** The global variables that decode. */
  readonly variables: VariableValues;
}

/** The decoded value, or undefined when it does not decode. @internal */
export const decoded = <A>(codec: t.Decoder<unknown, A>, u: unknown): A | undefined => {
  const result = codec.decode(u);
  return result._tag === 'Right' ? result.right : undefined;
};

/**
 * The parts of a section. `spec(i)`, the i-th entry as the whole scenario decoded it (then every entry is a
 * mapping that decoded, in the same order), saves decoding each entry again.
 */
const partsOf = <S extends { readonly id: string }>(
  data: Readonly<Record<string, unknown>>,
  section: 'nodes' | 'jobs',
  codec: t.Decoder<unknown, S>,
  id: t.Decoder<unknown, string>,
  spec?: (i: number) => S | undefined,
): Part<S>[] =>
  entryList(data[section]).flatMap(({ path, value }, i) => {
    if (!isRecord(value)) return [];
    const one = spec === undefined ? decoded(codec, value) : spec(i);
    return [{ path: [section, ...path], raw: value, id: one?.id ?? decoded(id, value['id']), spec: one }];
  });

/** The variables that decode, one by one. @internal */
export const validVariables = (u: unknown): VariableValues =>
  Object.fromEntries(
    Object.entries(isRecord(u) ? u : {}).flatMap(([k, v]) => {
      const one = decoded(VariableValues, { [k]: v });
      return one === undefined ? [] : Object.entries(one);
    }),
  );

/**
 * The parts of a scenario file's data. `spec`: the same data as `ScenarioSpec` decoded it, when it did: its
 * entries are then the parts' specs (a matrix entry has none: it is no plain job), not decoded again.
 * @internal
 */
export const scenarioParts = (data: unknown, spec?: ScenarioSpec): ScenarioParts => {
  const top = isRecord(data) ? data : {};
  return {
    nodes: partsOf(top, 'nodes', NodeCodec, NodeId, spec && ((i) => spec.nodes[i])),
    jobs: partsOf(
      top,
      'jobs',
      JobCodec,
      JobId,
      spec &&
        ((i) => {
          const job = spec.jobs[i];
          return job === undefined || isMatrixJobSpec(job) ? undefined : job;
        }),
    ),
    variables: validVariables(top['variables']),
  };
};
