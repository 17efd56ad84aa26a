/**
 * Run-time checks of the options of a node's methods (`exec`, `push`, `pull`), for callers the types do not
 * reach: an unknown key or a bad value is a ConfigError naming the node, the method and the key.
 * @module
 */
import type { Observable } from 'rxjs';
import { throwError } from 'rxjs';

import { checkOption, checkOptionKeys, is, optionKeys } from '../internal/option-keys.js';
import { isOutputMode } from './output-sink.js';

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

const EXEC_KEYS = optionKeys(['env', 'stdin', 'pty', 'output']);
const TRANSFER_KEYS = optionKeys(['preserve']);

/**
 * Checks the options of `node.exec(command, options)`.
 * @throws {ConfigError} naming the node, for an unknown key or a bad value.
 * @internal
 */
export function checkExecOptions(node: { readonly label: string }, options: unknown): void {
  if (options === undefined) return;
  const subject = (): string => `node "${node.label}"`;
  checkOptionKeys(subject, 'exec', options, EXEC_KEYS, 'exec options', '{ env: { LC_ALL: "C" } }');
  checkExecValues(subject, options as object);
}

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
    'a string or a Buffer',
    (v) => typeof v === 'string' || Buffer.isBuffer(v),
  );
  checkOption(subject, o, 'pty', 'true or false', is.boolean);
  checkOption(subject, o, 'output', "'lines' or 'chunks'", isOutputMode);
}

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
}
