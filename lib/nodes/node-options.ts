/**
 * Run-time checks of the options of a node's methods (`exec`, `push`, `pull`), for callers the types do not
 * reach: an unknown key or a bad value is a ConfigError naming the node, the method and the key.
 * @module
 */
import type { Observable } from 'rxjs';
import { throwError } from 'rxjs';

import { ConfigError } from '../errors/config-error.js';
import { checkOption, checkOptionKeys, is, optionKeys } from '../errors/option-keys.js';
import type { ExecOptions } from './node.js';
import { Flow } from './flow.js';
import { isOutputMode } from './output-sink.js';
import { isStdinStream } from './stdin-feed.js';

/**
 * Runs a check of a method's options: undefined when they are fine, else an Observable that errors with
 * what the check threw (node methods are cold: a bad option is an error when subscribed, before anything
 * runs, not a throw at the call).
 * @internal
 */
export const refusedOptions = (check: () => void): Observable<never> | undefined => {
  try {
    check();
    return undefined;
  } catch (e: unknown) {
    return throwError(() => e as Error);
  }
};

const EXEC_KEYS = optionKeys(['env', 'stdin', 'pty', 'output', 'maxLineBytes', 'flow']);
const TRANSFER_KEYS = optionKeys(['preserve', 'onRenamed']);

/**
 * Checks `node.exec(command, options)`: the command and the environment carry no NUL byte (no command line
 * can: sshd would drop the whole connection, under the other commands of the node, and Node.js's spawn
 * throws), and the options are known, with good values.
 * @throws {ConfigError} naming the node and the command, for a NUL byte, an unknown key or a bad value.
 * @internal
 */
export function checkExecOptions(node: { readonly label: string }, options: unknown, command = ''): void {
  const subject = (): string => `node "${node.label}"`;
  if (command.includes('\0'))
    throw new ConfigError(subject(), 'command', `${NUL_PROBLEM}: ${JSON.stringify(command)}`);
  if (options === undefined) return;
  checkOptionKeys(subject, 'exec', options, EXEC_KEYS, 'exec options', '{ env: { LC_ALL: "C" } }');
  checkExecValues(subject, options as object);
  const env = (options as ExecOptions).env;
  if (env !== undefined)
    for (const [name, value] of Object.entries(env))
      if (name.includes('\0') || value.includes('\0'))
        throw new ConfigError(
          subject(),
          `env.${name.replaceAll('\0', '\\0')}`,
          `${NUL_PROBLEM}, for ${JSON.stringify(command)}`,
        );
}

/** What to say of a NUL byte in a command line. */
const NUL_PROBLEM =
  'holds a NUL byte, which no command line can carry: nothing was sent; remove it (it often comes from ' +
  'binary output captured into a variable)';

/**
 * Checks the values of the exec options in `o` (`env`, `stdin`, `pty`, `output`), for `node.exec` and the
 * commands that pass them on.
 * @throws {ConfigError} naming `subject`, for a bad value.
 * @internal
 */
export function checkExecValues(subject: () => string, o: object): void {
  checkOption(subject, o, 'env', "an object of strings, e.g. { LC_ALL: 'C' }", is.stringRecord);
  checkOption(
    subject,
    o,
    'stdin',
    'a string, a Buffer, an Observable or an async iterable (a Readable) of strings or bytes',
    (v) => typeof v === 'string' || Buffer.isBuffer(v) || isStdinStream(v),
  );
  checkOption(subject, o, 'pty', 'true or false', is.boolean);
  checkOption(subject, o, 'output', "'lines' or 'chunks'", isOutputMode);
  checkOption(
    subject,
    o,
    'maxLineBytes',
    'a whole number of bytes, 4 or more (a UTF-8 character is up to 4)',
    isMaxLineBytes,
  );
  checkOption(subject, o, 'flow', 'a Flow (new Flow())', (v) => v instanceof Flow);
}

/** Whether `v` is a valid `maxLineBytes`: a whole number ≥ 4, so that a piece never cuts a character. @internal */
export const isMaxLineBytes = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 4;

/**
 * Checks the options of `node.push(...)` and `node.pull(...)`.
 * @throws {ConfigError} naming the node, for an unknown key or a bad value.
 * @internal
 */
export function checkTransferOptions(
  node: { readonly label: string },
  verb: 'push' | 'pull',
  options: unknown,
): void {
  if (options === undefined) return;
  const subject = (): string => `node "${node.label}"`;
  checkOptionKeys(subject, verb, options, TRANSFER_KEYS, `${verb} options`, '{ preserve: false }');
  checkOption(subject, options as object, 'preserve', 'true or false', is.boolean);
  checkOption(subject, options as object, 'onRenamed', 'a function', is.function);
}
