/**
 * Run-time checks of options objects, for callers the types do not reach (plain JavaScript, `as never`,
 * JSON): an unknown key is a ConfigError naming the class, the key and the nearest known one, with a precise
 * hint for the habits of Python's asynciojobs and apssh (`required`, snake_case, `verbose`).
 * @module
 */
import { ConfigError } from './config-error.js';
import { suggest } from './suggest.js';

/** The keys an options object may hold: a frozen Set, so that checking a key is one lookup. @internal */
export type OptionKeys = ReadonlySet<string>;

/** Makes an {@link OptionKeys} from lists of keys. @internal */
export const optionKeys = (...groups: readonly (readonly string[])[]): OptionKeys =>
  Object.freeze(new Set(groups.flat()));

/**
 * Python keywords with no camelCase spelling in {@link suggest}'s reach, or no equivalent key at all: what to
 * write instead: `key` when that key is among the known ones, and a hint.
 */
const PYTHON_HINTS: Readonly<Record<string, { readonly key?: string; readonly hint: string }>> = {
  required: { key: 'requires', hint: "asynciojobs' required= is requires here" },
  user: { key: 'username', hint: 'the remote user' },
  host: { key: 'hostname', hint: 'the host to connect to' },
  verbose: {
    hint:
      'output is shown by renderers, not by jobs or nodes: pipe the run through one, ' +
      'e.g. scheduler.run().pipe(writeLines())',
  },
  formatter: {
    hint: 'output is shown by renderers (writeLines, writeHostFiles, toJsonLines), not by nodes',
  },
  debug: { hint: 'output is shown by renderers (writeLines, toJsonLines), not by jobs or nodes' },
  recurse: { hint: 'Push and Pull always copy directories recursively' },
  x11: { hint: 'X11 forwarding is not supported' },
  command: { hint: 'commands are the second argument: new SshJob(node, commands, options)' },
  commands: { hint: 'commands are the second argument: new SshJob(node, commands, options)' },
  jobs: { hint: 'jobs are the first argument: new Scheduler([job1, job2], options)' },
};

/** Keys that belong to another class: where to write them. */
const COMMAND_OPTION = "is an option of each command, e.g. new Run('cmd', { allowedExits: [1] })";
const ELSEWHERE: Readonly<Record<string, string>> = {
  allowedExits: COMMAND_OPTION,
  capture: COMMAND_OPTION,
  env: COMMAND_OPTION,
  stdin: COMMAND_OPTION,
  pty: COMMAND_OPTION,
  includes: "is an option of RunScript and RunString, e.g. new RunScript('x.sh', { includes: ['lib.sh'] })",
  remoteName: "is an option of RunString, e.g. new RunString(text, { remoteName: 'setup.sh' })",
  jobsWindow: 'is an option of Scheduler: new Scheduler(jobs, { jobsWindow: 4 })',
  shutdownTimeout: 'is an option of Scheduler: new Scheduler(jobs, { shutdownTimeout: 5000 })',
  keepConnection: 'is an option of SshJob: new SshJob(node, commands, { keepConnection: true })',
  variables: 'is an option of SshJob: new SshJob(node, commands, { variables })',
  stderrTail: 'is an option of SshJob: new SshJob(node, commands, { stderrTail: 20 })',
  hostname: "is an option of SshNode: new SshNode({ hostname: 'host', username: 'user' })",
  username: "is an option of SshNode: new SshNode({ hostname: 'host', username: 'user' })",
  gateway: "is an option of SshNode: new SshNode({ hostname: 'host', gateway: otherNode })",
};

const camelCase = (key: string): string => key.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());

/** `string "x"`, `number 42`, `an object (Object)`: a value as error messages show it. @internal */
export const describeValue = (x: unknown): string => {
  if (x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return x.length === 0 ? 'an empty list' : `a list of ${String(x.length)}`;
  if (typeof x === 'string') return `string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x)}`;
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint')
    return `${typeof x} ${String(x)}`;
  if (typeof x === 'object' || typeof x === 'function') {
    const maker = (Object.getPrototypeOf(x) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return `${typeof x === 'function' ? 'a function' : 'an object'} (${maker === undefined || maker === '' ? 'no prototype' : maker})`;
  }
  return typeof x;
};

/**
 * What is wrong with `key` in the options of `owner` (a class name): the problem part of a ConfigError whose
 * field is the key.
 * @internal
 */
export const unknownOptionProblem = (owner: string, key: string, known: Iterable<string>): string => {
  const accepted = [...known];
  const list = ` (accepted: ${accepted.join(', ')})`;
  const head = `is not an option of ${owner}`;
  const python = Object.hasOwn(PYTHON_HINTS, key) ? PYTHON_HINTS[key] : undefined;
  if (python?.key === undefined) {
    if (python !== undefined) return `${head}: ${python.hint}${list}`;
  } else if (accepted.includes(python.key)) return `${head}: write ${python.key} (${python.hint})${list}`;
  const camel = camelCase(key);
  if (camel !== key && accepted.includes(camel))
    return `${head}: options are camelCase here, write ${camel} (not Python's ${key})${list}`;
  const elsewhere = Object.hasOwn(ELSEWHERE, camel) ? ELSEWHERE[camel] : undefined;
  if (elsewhere !== undefined) return `${head}: ${camel} ${elsewhere}${list}`;
  const near = suggest(camel, accepted);
  return `${head}${near === undefined ? '' : `, did you mean ${near}?`}${list}`;
};

/**
 * Throws a ConfigError unless `options` is undefined or an object whose keys are all in `known`.
 * `subject` is called only on error (the label may not be known before). Cost when all is well: one
 * `for...in` over the keys given, one Set lookup each.
 * @internal
 */
export function checkOptionKeys(
  subject: () => string,
  owner: string,
  options: unknown,
  known: OptionKeys,
  field = 'options',
  example?: string,
): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new ConfigError(
      subject(),
      field,
      `of ${owner} must be an object${example === undefined ? '' : ` such as ${example}`}, got ${describeValue(options)}`,
    );
  for (const key in options) if (!known.has(key)) throw unknownOption(subject(), owner, key, known);
}

/** The ConfigError for an unknown `key`. @internal */
export const unknownOption = (
  subject: string,
  owner: string,
  key: string,
  known: Iterable<string>,
): ConfigError => new ConfigError(subject, key, unknownOptionProblem(owner, key, known));

/** A ConfigError for a known key of the wrong type: `what` says what to write. @internal */
export const badOption = (subject: string, key: string, what: string, given: unknown): ConfigError =>
  new ConfigError(subject, key, `must be ${what}, got ${describeValue(given)}`);

/** Checks the type of one option (undefined passes); `ok` tells a good value. @internal */
export function checkOption(
  subject: () => string,
  options: object,
  key: string,
  what: string,
  ok: (value: unknown) => boolean,
): void {
  const value = (options as Record<string, unknown>)[key];
  if (value !== undefined && !ok(value)) throw badOption(subject(), key, what, value);
}

/** Value tests for {@link checkOption}. @internal */
export const is = {
  string: (v: unknown): boolean => typeof v === 'string',
  boolean: (v: unknown): boolean => typeof v === 'boolean',
  function: (v: unknown): boolean => typeof v === 'function',
  strings: (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string'),
  stringOrStrings: (v: unknown): boolean =>
    typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string')),
  stringRecord: (v: unknown): boolean =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((s) => typeof s === 'string'),
  naturalInteger: (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0,
} as const;
