/**
 * Codecs of the plain values of a scenario file: names, durations, numbers, variables.
 * @module
 */
import os from 'node:os';

import type * as t from 'io-ts';

import { normalizeSignal } from '../nodes/command-event.js';
import { oneOf, recordOf, scalar } from './codecs-combinators.js';

/**
 * The variables every node has, whose values the scenario cannot set: `node` (the node's id), `hostname`
 * (`localhost` for a local node) and `username`.
 * @category models
 */
export const BUILT_IN_VARIABLES = ['node', 'hostname', 'username'] as const;

/**
 * The variables that a member of a group, or an instance of a matrix, adds to the built-ins: `index` (the
 * member's rank in its group, from 0), `group` (the group's id) and `instance` (a matrix instance's values,
 * `fit01-fit02`). Their values hide file variables of the same names in those jobs.
 * @category models
 */
export const MEMBER_VARIABLES = ['index', 'group', 'instance'] as const;

/**
 * The names no file variable and no `--var` may take: the built-ins and a member's or instance's own (a
 * value set under one of them would be silently hidden where it is used).
 * @category models
 */
export const RESERVED_VARIABLES: readonly string[] = [...BUILT_IN_VARIABLES, ...MEMBER_VARIABLES];

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** A string with something else than blanks. @category codecs */
export const NonEmptyString = scalar('a non-empty string', (u) =>
  typeof u === 'string' && u.trim() !== '' ? u : undefined,
);
/** @category codecs */
export type NonEmptyString = t.TypeOf<typeof NonEmptyString>;

/** Any string, possibly empty. @category codecs */
export const Text = scalar('a string', (u) => (typeof u === 'string' ? u : undefined));

/** `true` or `false`. @category codecs */
export const Bool = scalar('true or false', (u) => (typeof u === 'boolean' ? u : undefined));

/** A string, a finite number or a boolean, decoded as a string (`1.5` as `'1.5'`, `true` as `'true'`). @category codecs */
export const ScalarString = scalar('a string, a number or a boolean', (u) =>
  typeof u === 'string' || typeof u === 'boolean' || (typeof u === 'number' && Number.isFinite(u))
    ? String(u)
    : undefined,
);

/**
 * An id of a node or a job, or a reference to one: letters, digits, `_`, `-` and `.`, not starting with `-`
 * or `.`; a whole number in the file (`id: 1`) is the id `'1'`.
 * @category codecs
 */
export const idOf = (what: string): t.Type<string, string> =>
  scalar(
    what,
    (u) =>
      typeof u === 'string' && ID.test(u)
        ? u
        : typeof u === 'number' && Number.isSafeInteger(u) && u >= 0
          ? String(u)
          : undefined,
    (u) =>
      typeof u === 'string'
        ? `expected ${what}: letters, digits, "_", "-" and "." only, not starting with "-" or "."`
        : undefined,
  );

/** A node id. @category codecs */
export const NodeId = idOf('a node id');
/** A job id. @category codecs */
export const JobId = idOf('a job id');

/** A name usable as `{{name}}`: letters, digits and `_`, not starting with a digit. @category codecs */
export const VariableName = scalar(
  'a variable name (letters, digits and "_", not starting with a digit)',
  (u) => (typeof u === 'string' && NAME.test(u) ? u : undefined),
);

/** A number of seconds, finite and 0 or more (the scenario's unit; the library's is milliseconds). @category codecs */
export const Seconds = scalar('a duration in seconds (a number, 0 or more)', (u) =>
  typeof u === 'number' && Number.isFinite(u) && u >= 0 ? u : undefined,
);
/** @category codecs */
export type Seconds = t.TypeOf<typeof Seconds>;

/** A whole number from `min` to `max`. @category codecs */
export const integer = (min: number, max: number): t.Type<number, number> =>
  scalar(
    max === Number.MAX_SAFE_INTEGER
      ? `a whole number, ${String(min)} or more`
      : `a whole number from ${String(min)} to ${String(max)}`,
    (u) => (typeof u === 'number' && Number.isSafeInteger(u) && u >= min && u <= max ? u : undefined),
  );

/** A TCP port. @category codecs */
export const Port = integer(1, 65535);

/** How an SSH node checks host keys (see `SshNodeOptions.hostKeyPolicy`). @category codecs */
export const HostKeyPolicy = oneOf(['strict', 'accept-new', 'off'] as const);

/** When a job runs after a failed requirement (see `JobOptions.runIf`). @category codecs */
export const RunIf = oneOf(['all-done', 'all-success', 'always', 'one-failed'] as const);

/**
 * How many members of a group (or instances of a matrix) may fail without failing it: a count (`3`) or a
 * percentage of its size (`10%`, from 0% to 100%, rounded down).
 * @category codecs
 */
export const MaxFailures = scalar<number | `${number}%`>(
  "a count (a whole number, 0 or more) or a percentage ('10%', from 0% to 100%)",
  (u) =>
    typeof u === 'number' && Number.isSafeInteger(u) && u >= 0
      ? u
      : typeof u === 'string' && /^\d+(\.\d+)?%$/.test(u) && Number.parseFloat(u) <= 100
        ? (u as `${number}%`)
        : undefined,
);
/** @category codecs */
export type MaxFailures = t.TypeOf<typeof MaxFailures>;

/** An exit that counts as success besides 0: a code from 0 to 255, or a signal name (`TERM`, `SIGKILL`). @category codecs */
export const AllowedExit = scalar<number | string>(
  'an exit code (0 to 255) or a signal name (TERM, SIGKILL, ...)',
  (u) =>
    (typeof u === 'number' && Number.isInteger(u) && u >= 0 && u <= 255) ||
    (typeof u === 'string' && Object.hasOwn(os.constants.signals, normalizeSignal(u)))
      ? u
      : undefined,
);

/** A local file: a path, or `false` for none (`sshConfig`). @category codecs */
export const PathOrFalse = scalar<string | false>('a file path or false', (u) =>
  u === false || (typeof u === 'string' && u.trim() !== '') ? u : undefined,
);

/** The ssh-agent to use: a socket path, `true` for `$SSH_AUTH_SOCK`, `false` for none. @category codecs */
export const Agent = scalar<string | boolean>('a socket path, true or false', (u) =>
  typeof u === 'boolean' || (typeof u === 'string' && u.trim() !== '') ? u : undefined,
);

const badName = (name: string): string | undefined =>
  NAME.test(name) ? undefined : 'not a variable name (letters, digits and "_", not starting with a digit)';

/**
 * Variables of the scenario or of a node: names to strings, numbers or booleans, decoded as strings. The
 * built-in names are refused.
 * @category codecs
 */
export const VariableValues = recordOf(ScalarString, 'a mapping of variable names to values', (name) =>
  RESERVED_VARIABLES.includes(name)
    ? `"${name}" is a built-in variable, which the scenario cannot set` +
      ((MEMBER_VARIABLES as readonly string[]).includes(name)
        ? ` (each member of a group, or instance of a matrix, has its own)`
        : '')
    : badName(name),
);
/** @category codecs */
export type VariableValues = t.TypeOf<typeof VariableValues>;

/** Environment variables of a command: names to strings, numbers or booleans, decoded as strings. @category codecs */
export const EnvValues = recordOf(
  ScalarString,
  'a mapping of environment variable names to values',
  (name) => (NAME.test(name) ? undefined : 'not an environment variable name (letters, digits and "_")'),
);
