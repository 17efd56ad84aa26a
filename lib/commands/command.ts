import type { Observable } from 'rxjs';

import { ConfigError } from '../errors/config-error.js';
import { checkOption, checkOptionKeys, is, optionKeys } from '../errors/option-keys.js';
import type { OptionKeys } from '../errors/option-keys.js';
import { checkExecValues } from '../nodes/node-options.js';
import type { CommandEvent } from '../nodes/command-event.js';
import type { ExecOptions, Node, OutputMode } from '../nodes/node.js';
import type { Variables } from './variables.js';

/**
 * What a command sees when it runs: the variables of its job, and its job's defaults (`output`, and the
 * `maxLineBytes` and `flow` that its execs get).
 * @category models
 */
export interface CommandContext extends Pick<ExecOptions, 'maxLineBytes' | 'flow'> {
  readonly variables: Variables;
  /**
   * How commands that do not choose (no `output` option of their own) deliver their output: the `output`
   * option of their `SshJob`. Undefined: line events.
   */
  readonly output?: OutputMode | undefined;
}

/** An argument of a command: text, a number, or a function of the variables called at run time. @category models */
export type Arg = string | number | ((variables: Variables) => string | number);

/** Options every command takes, as its last argument. @category models */
export interface CommandOptions {
  /** Shown in listings and errors instead of the command. */
  readonly label?: string | undefined;
  /** Exits that count as success besides 0: codes, or signal names such as `'TERM'`. */
  readonly allowedExits?: readonly (number | string)[] | undefined;
}

/**
 * One step of an `SshJob`: something that runs on a node and yields a command stream (line events, then one
 * exit event). `Run`, `RunScript`, `RunString`, `Push`, `Pull` implement it; so can you.
 * @category models
 */
export interface Command {
  /** For listings: the command line, or the label given. */
  readonly label: string;
  /** Exits that count as success besides 0. */
  readonly allowedExits: readonly (number | string)[];
  /** The command as it runs with these variables, for error messages. */
  describe(variables: Variables): string;
  /** The command stream on `node`: cold, cancelled by unsubscribing. */
  run(node: Node, context: CommandContext): Observable<CommandEvent>;
}

const isOptions = (x: unknown): x is object =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !Buffer.isBuffer(x);

/** Splits `(...args, options?)`. @internal */
export const splitOptions = <O extends object>(
  items: readonly unknown[],
): { args: unknown[]; options: Partial<O> } => {
  const last = items.at(-1);
  return isOptions(last) ? { args: items.slice(0, -1), options: last } : { args: [...items], options: {} };
};

/** Evaluates an argument (a function, a template) against the variables. @internal */
export const evaluate = (arg: Arg, variables: Variables): string =>
  typeof arg === 'function' ? String(arg(variables)) : variables.expand(String(arg));

/**
 * An argument as listings and errors show it: evaluated against the variables when given, else as written
 * (`{{name}}` left as it is, a function shown as `<fn>`, since calling it before the run would be wrong).
 * @internal
 */
export const shown = (arg: Arg, variables?: Variables): string =>
  variables !== undefined ? evaluate(arg, variables) : typeof arg === 'function' ? '<fn>' : String(arg);

/** Checks that every argument is an Arg; a TypeError names the command and the position. @internal */
export const checkArgs = (what: string, args: readonly unknown[]): Arg[] =>
  args.map((arg, i) => {
    if (typeof arg === 'string' || typeof arg === 'number' || typeof arg === 'function') return arg as Arg;
    throw new ConfigError(
      what,
      `argument ${String(i + 1)}`,
      `must be a string, a number or a function, got ${typeof arg}`,
    );
  });

/** The keys of {@link CommandOptions}. @internal */
export const COMMAND_KEYS = ['label', 'allowedExits'] as const;
/** The keys of `RunCommandOptions`. @internal */
export const RUN_KEYS = optionKeys(COMMAND_KEYS, ['capture', 'env', 'stdin', 'pty', 'output']);

/**
 * Checks a command's options: no unknown key, and the types of those every command may take. Throws a
 * ConfigError naming the command (`Run`, `Push`...).
 * @internal
 */
export function checkCommandOptions(what: string, options: unknown, keys: OptionKeys): void {
  const subject = (): string => what;
  checkOptionKeys(subject, what, options, keys, 'options', "{ label: 'x' }");
  if (options === undefined) return;
  const o = options as object;
  checkOption(subject, o, 'label', 'a string', is.string);
  checkOption(subject, o, 'allowedExits', "a list of exit codes or signal names, e.g. [1, 'TERM']", (v) =>
    Array.isArray(v) ? v.every((x) => typeof x === 'number' || typeof x === 'string') : false,
  );
  checkOption(subject, o, 'capture', 'the name of a variable', is.string);
  checkExecValues(subject, o);
  checkOption(subject, o, 'includes', 'a list of local file names', is.strings);
  checkOption(subject, o, 'remoteName', 'a file name', is.string);
  checkOption(subject, o, 'preserve', 'true or false', is.boolean);
}
