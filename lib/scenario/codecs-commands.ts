/**
 * Codecs of the commands of a scenario's jobs: `Run`, `RunScript`, `RunString`, `Push`, `Pull`, chosen by
 * their `type`, and the shorthand of a plain command line.
 * @module
 */
import * as t from 'io-ts';

import { isRecord, keyError, listOf, literal, oneOrMany, struct } from './codecs-combinators.js';
import {
  AllowedExit,
  Bool,
  EnvValues,
  NonEmptyString,
  ScalarString,
  Text,
  VariableName,
} from './codecs-values.js';

const Args = listOf(ScalarString, 'a list of arguments (strings, numbers or booleans)');
const Paths = listOf(NonEmptyString, 'a list of file paths');
const OneOrMorePaths = oneOrMany(NonEmptyString, 'a file path or a non-empty list of file paths', true);

/** The options of `Run`, `RunScript` and `RunString`. */
const shellOptions = {
  label: NonEmptyString,
  capture: VariableName,
  allowedExits: listOf(AllowedExit, 'a list of exit codes and signal names'),
  env: EnvValues,
  pty: Bool,
  stdin: Text,
};

/**
 * `Run`: a shell command line (`command`, shell text used as it is, with `args` quoted one by one), or a list
 * of words (`argv`, each quoted).
 * @category codecs
 */
export const RunSpec = struct(
  'a Run command',
  { type: literal('Run') },
  {
    command: NonEmptyString,
    argv: listOf(ScalarString, 'a non-empty list of words', true),
    args: Args,
    ...shellOptions,
  },
  (a, c) => {
    if (a.command === undefined && a.argv === undefined)
      return [keyError(c, 'command', undefined, 'missing (a Run needs a command, or an argv)')];
    if (a.command !== undefined && a.argv !== undefined)
      return [keyError(c, 'argv', a.argv, 'not allowed with command: give one of them')];
    if (a.argv !== undefined && a.args !== undefined)
      return [keyError(c, 'args', a.args, 'not allowed with argv: put the arguments in argv')];
    return [];
  },
);
/** @category codecs */
export type RunSpec = t.TypeOf<typeof RunSpec>;

/** `RunScript`: a local script (a path relative to the scenario file) copied to the node and run there. @category codecs */
export const RunScriptSpec = struct(
  'a RunScript command',
  { type: literal('RunScript'), script: NonEmptyString },
  { args: Args, includes: Paths, ...shellOptions },
);
/** @category codecs */
export type RunScriptSpec = t.TypeOf<typeof RunScriptSpec>;

/** `RunString`: a script given as text, copied to the node and run there. @category codecs */
export const RunStringSpec = struct(
  'a RunString command',
  { type: literal('RunString'), body: NonEmptyString },
  { args: Args, includes: Paths, remoteName: NonEmptyString, ...shellOptions },
);
/** @category codecs */
export type RunStringSpec = t.TypeOf<typeof RunStringSpec>;

/** `Push`: local files (relative to the scenario file) copied into a directory of the node. @category codecs */
export const PushSpec = struct(
  'a Push command',
  { type: literal('Push'), localPaths: OneOrMorePaths, remoteDir: NonEmptyString },
  { label: NonEmptyString, preserve: Bool },
);
/** @category codecs */
export type PushSpec = t.TypeOf<typeof PushSpec>;

/**
 * `Pull`: files of the node copied into a local directory (`localDir`, relative to the scenario file), or, as
 * `scp` and apssh's `localpath` do, to a local path (`localPath`): one remote file to a path that is neither
 * an existing directory nor ends with `/` is written as that file.
 * @category codecs
 */
export const PullSpec = struct(
  'a Pull command',
  { type: literal('Pull'), remotePaths: OneOrMorePaths },
  { localDir: NonEmptyString, localPath: NonEmptyString, label: NonEmptyString, preserve: Bool },
  (a, c) => {
    if (a.localDir === undefined && a.localPath === undefined)
      return [keyError(c, 'localDir', undefined, 'missing (a Pull needs a localDir, or a localPath)')];
    if (a.localDir !== undefined && a.localPath !== undefined)
      return [keyError(c, 'localPath', a.localPath, 'not allowed with localDir: give one of them')];
    return [];
  },
);
/** @category codecs */
export type PullSpec = t.TypeOf<typeof PullSpec>;

const MEMBERS = {
  Run: RunSpec,
  RunScript: RunScriptSpec,
  RunString: RunStringSpec,
  Push: PushSpec,
  Pull: PullSpec,
} as const;

/** The command types of a scenario, in the order error messages list them. @category models */
export const COMMAND_TYPES = Object.keys(MEMBERS) as readonly (keyof typeof MEMBERS)[];

/** One command of a job, decoded; a plain string in the file is decoded as `{ type: 'Run', command }`. @category codecs */
export type CommandSpec = RunSpec | RunScriptSpec | RunStringSpec | PushSpec | PullSpec;

const TypeTag = new t.Type<never, never, unknown>(
  'a command type',
  t.never.is,
  (u, c) => t.failure(u, c),
  (a) => a,
);

const validateCommand = (u: unknown, c: t.Context): t.Validation<CommandSpec> => {
  if (typeof u === 'string')
    return u.trim() === '' ? t.failure(u, c) : t.success({ type: 'Run', command: u } as const);
  if (!isRecord(u)) return t.failure(u, c);
  const type = u['type'];
  const expected = `one of ${COMMAND_TYPES.join(', ')}`;
  if (typeof type !== 'string' || !Object.hasOwn(MEMBERS, type)) {
    const context = t.appendContext(c, 'type', TypeTag, type);
    const message = type === undefined ? `missing (expected ${expected})` : `expected ${expected}`;
    return t.failures([{ value: type, context, message }]);
  }
  return (MEMBERS[type as keyof typeof MEMBERS] as t.Type<CommandSpec, CommandSpec>).validate(u, c);
};

/**
 * A command: a non-empty string (a shell command line, as `Run`), or a mapping whose `type` picks the codec
 * it is decoded with, so that errors are those of that command only.
 * @category codecs
 */
export const CommandSpec = new t.Type<CommandSpec, CommandSpec, unknown>(
  'a command line or a command mapping (with a type)',
  (u): u is CommandSpec => validateCommand(u, [])._tag === 'Right',
  validateCommand,
  (a) => a,
);
