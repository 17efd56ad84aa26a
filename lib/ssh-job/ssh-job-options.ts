/**
 * What an SshJob takes: its options, its commands, and the checks of what it is given.
 * @module
 */
import type { Command } from '../commands/command.js';
import type { Variables } from '../commands/variables.js';
import type { JobOptions } from '../core/job.js';
import { ConfigError } from '../errors/config-error.js';
import type { ExecOptions, Node, OutputMode } from '../nodes/node.js';

/** Options of an {@link SshJob}: a job's options, plus its variables. @category models */
export interface SshJobOptions extends JobOptions, Pick<ExecOptions, 'maxLineBytes' | 'flow'> {
  /** Where `capture` stores outputs and `{{name}}` reads them; share one between jobs to pass values on. */
  readonly variables?: Variables | undefined;
  /**
   * Hold the node's connection open after the run, until `node.close()` (by default the run's shutdown
   * releases the job's hold: the connection then closes at once if nothing else uses it).
   */
  readonly keepConnection?: boolean | undefined;
  /** How many stderr lines a `CommandFailedError` keeps. Default 10. */
  readonly stderrTail?: number | undefined;
  /**
   * How the job's commands deliver their output, unless a command's own `output` option says otherwise:
   * `'lines'` (default), a line event per line; `'chunks'`, a chunk event per piece of output as it arrives
   * (see `ExecOptions.output`), the fast path for big outputs, e.g. to `writeHostFiles`.
   */
  readonly output?: OutputMode | undefined;
}

/** What `SshJob` accepts as commands: a command line, a command object, or a list of them. @category models */
export type Commands = string | Command | readonly (string | Command)[];

/** `options` itself when it is an object (a string would be spread into keys `0`, `1`...). @internal */
export const objectOptions = (options: unknown): SshJobOptions => {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new ConfigError(
      'job (a new SshJob)',
      'options',
      `must be an object such as { label: 'x', requires: other }, got ${describeValue(options)}`,
    );
  return options;
};

/** Whether `x` is a command object (it has `run`). @internal */
export const isCommand = (x: unknown): x is Command =>
  typeof x === 'object' && x !== null && typeof (x as { run?: unknown }).run === 'function';

/** Whether `x` is a node (it has `exec`). @internal */
export const isNode = (x: unknown): x is Node =>
  typeof x === 'object' && x !== null && typeof (x as { exec?: unknown }).exec === 'function';

/**
 * `an empty list`, `number 42`, `null`, `an object (Object)`: what was given instead, for error messages.
 * @internal
 */
export const describeValue = (x: unknown): string => {
  if (x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return x.length === 0 ? 'an empty list' : `a list of ${String(x.length)}`;
  if (typeof x === 'string') return `string ${JSON.stringify(x.slice(0, 40))}`;
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint')
    return `${typeof x} ${String(x)}`;
  if (typeof x === 'object' || typeof x === 'function') {
    const maker = (Object.getPrototypeOf(x) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return `${typeof x === 'function' ? 'a function' : 'an object'} (${maker ?? 'no prototype'})`;
  }
  return typeof x;
};
