/**
 * `{{name}}` in the node entries of a scenario file, replaced before the file is decoded, so that the checks
 * of each field see its final value.
 * @module
 */
import { templateNamesIn, Variables } from '../commands/variables.js';
import { suggest } from '../errors/suggest.js';
import { isRecord } from './codecs-combinators.js';
import { NodeId } from './codecs-values.js';
import { localUsername } from './node-variables.js';
import { decoded, validVariables } from './parts.js';
import type { DataPath, RawProblem } from './problems.js';
import { axesText, substituteJobs } from './substitute-jobs.js';

/** Names to values, as `--var name=value` gives them. @category models */
export type VariableOverrides = Readonly<Record<string, string>>;

/** Fields that are not texts: the id names the node, and variables are values, not templates. */
const NOT_TEXTS = new Set(['id', 'variables']);
/** The fields that give the built-ins `hostname` and `username`: neither may use either. */
const DEFINING = ['hostname', 'username'] as const;

/** The data with `overrides` over its global variables (unless `variables` is not a mapping: decoding says so). */
export const withOverrides = (data: unknown, overrides: VariableOverrides | undefined): unknown => {
  if (overrides === undefined || Object.keys(overrides).length === 0 || !isRecord(data)) return data;
  const own = data['variables'];
  if (own !== undefined && own !== null && !isRecord(own)) return data;
  return { ...data, variables: { ...(own ?? {}), ...overrides } };
};

/** `{{x}}` that no variable gives, in a field of a node or a job, with the nearest known name. */
export const undefinedInField = (
  name: string,
  owner: string,
  field: string,
  known: Iterable<string>,
  axes: readonly string[] = [],
): string => {
  const near = suggest(name, [...known, ...axes]);
  const matrix = axes.length === 0 ? '' : `${axesText(axes)}, `;
  return (
    `{{${name}}} in ${field} of ${owner} is not defined: no variable (global, the node's, ${matrix}or ` +
    `node, hostname, username) gives it${near === undefined ? '' : ` (did you mean {{${near}}}?)`}: define it ` +
    `under variables, or on the command line with rxjobs run --var ${name}=VALUE`
  );
};

/** One node entry, substituted, and its problems. */
const substituteNode = (
  entry: Readonly<Record<string, unknown>>,
  id: string | undefined,
  path: DataPath,
  globals: Readonly<Record<string, string>>,
  problems: RawProblem[],
): Record<string, unknown> => {
  const owner = id === undefined ? 'this node' : `node "${id}"`;
  const variables = new Variables([
    ...Object.entries(globals),
    ...Object.entries(validVariables(entry['variables'])),
    ...(id === undefined ? [] : [['node', id] as [string, string]]),
  ]);
  const unfilled = new Set<string>();
  let group = false;
  const expand = (text: string, at: DataPath, field: string): string => {
    const value = variables.expand(text);
    for (const name of new Set(templateNamesIn(value))) {
      if (unfilled.has(name)) continue;
      const message =
        group && name === 'hostname'
          ? `{{hostname}} cannot be used in ${field} of group "${id ?? ''}": its members have a host name ` +
            'each, and the fields of the entry are the same for all'
          : (DEFINING as readonly string[]).includes(field)
            ? (DEFINING as readonly string[]).includes(name)
              ? `{{${name}}} cannot be used in ${field} of ${owner}: hostname and username are what give ` +
                `{{hostname}} and {{username}}`
              : undefinedInField(name, owner, field, variables.keys())
            : name === 'username'
              ? `{{username}} in ${field} of ${owner} has no value yet: the node has no username of its own ` +
                `(a default one is known only when the nodes are built); set username on the node`
              : undefinedInField(name, owner, field, variables.keys());
      problems.push({ path: at, message, at: 'value' });
    }
    return value;
  };
  const field = (key: string, value: unknown): unknown =>
    typeof value === 'string'
      ? expand(value, [...path, key], key)
      : Array.isArray(value)
        ? value.map((v: unknown, i) => (typeof v === 'string' ? expand(v, [...path, key, i], key) : v))
        : value;
  const out: Record<string, unknown> = { ...entry };
  // first what defines the built-ins, then the other fields with them
  for (const key of DEFINING) if (Object.hasOwn(entry, key)) out[key] = field(key, entry[key]);
  const local = Object.hasOwn(entry, 'local');
  // a group (a list or a range of host names): no single {{hostname}} for the other fields
  const hostname = out['hostname'];
  group =
    !local && (Array.isArray(hostname) || (typeof hostname === 'string' && /\[[^:\]]*\]/.test(hostname)));
  const builtIns = {
    hostname: local ? 'localhost' : group ? undefined : hostname,
    username: local ? localUsername() : out['username'],
  };
  for (const [name, value] of Object.entries(builtIns))
    if (typeof value === 'string')
      // a field left with a {{name}} is reported once, not again in each field that uses it
      if (templateNamesIn(value).length === 0) variables.set(name, value);
      else unfilled.add(name);
  for (const [key, value] of Object.entries(entry))
    if (!NOT_TEXTS.has(key) && !(DEFINING as readonly string[]).includes(key)) out[key] = field(key, value);
  return out;
};

/**
 * The data of a scenario file with `{{name}}` replaced in every text of its node entries (`hostname`,
 * `username`, `keys`, `gateway`, `label`, ...; not `id` nor `variables`), and the problems: names that no
 * variable gives, and a built-in used where it is defined. The values are the global variables, then the
 * node's own over them, then `{{node}}` (the id); `{{hostname}}` and `{{username}}` (the substituted fields)
 * in the fields other than those two. The data keeps its shape, so problems locate in the file.
 * @internal
 */
export const substituteNodes = (data: unknown): { data: unknown; problems: RawProblem[] } => {
  const problems: RawProblem[] = [];
  if (!isRecord(data)) return { data, problems };
  const section = data['nodes'];
  const globals = validVariables(data['variables']);
  const one = (value: unknown, path: DataPath, key?: string): unknown =>
    isRecord(value)
      ? substituteNode(
          value,
          decoded(NodeId, Object.hasOwn(value, 'id') ? value['id'] : key),
          path,
          globals,
          problems,
        )
      : value;
  const nodes = Array.isArray(section)
    ? section.map((v: unknown, i) => one(v, ['nodes', i]))
    : isRecord(section)
      ? Object.fromEntries(Object.entries(section).map(([k, v]) => [k, one(v, ['nodes', k], k)]))
      : section;
  const withNodes = section === undefined ? data : { ...data, nodes };
  if (!Object.hasOwn(data, 'jobs')) return { data: withNodes, problems };
  return { data: { ...withNodes, jobs: substituteJobs(data['jobs'], globals, problems) }, problems };
};
