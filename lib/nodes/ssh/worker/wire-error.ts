/**
 * Errors across the thread boundary: a structured clone keeps only `Error`'s message, so an error is sent
 * as its class name and its own fields, and rebuilt as an instance of the same class (`instanceof`, `code`,
 * `name` and every field as thrown; its constructor is not run, so its message is not made twice).
 * @module
 */
import { ConfigError } from '../../../errors/config-error.js';
import { HostKeyError } from '../../../errors/host-key-error.js';
import { JobsError } from '../../../errors/jobs-error.js';
import { SshAuthError } from '../../../errors/ssh-auth-error.js';
import { SshConnectError } from '../../../errors/ssh-connect-error.js';
import { SshError } from '../../../errors/ssh-error.js';
import { SshTimeoutError } from '../../../errors/ssh-timeout-error.js';
import { TransferError } from '../../../errors/transfer-error.js';

/** An error as plain data. @internal */
export interface WireError {
  readonly class: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly fields: Readonly<Record<string, unknown>>;
  /** Fields keyed by a registered symbol (`Symbol.for`), such as the brand of `isJobsError`. */
  readonly symbols: Readonly<Record<string, unknown>>;
  readonly cause?: WireError | { readonly value: unknown } | undefined;
}

type ErrorClass = abstract new (...args: never[]) => Error;

const CLASSES: Readonly<Record<string, ErrorClass>> = {
  Error,
  TypeError,
  RangeError,
  JobsError,
  ConfigError,
  SshError,
  SshConnectError,
  SshAuthError,
  SshTimeoutError,
  HostKeyError,
  TransferError,
};

const cloneable = (value: unknown): boolean => {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
};

const classOf = (e: Error): string => {
  for (let proto: unknown = Object.getPrototypeOf(e); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && Object.hasOwn(CLASSES, name) && CLASSES[name]?.prototype === proto)
      return name;
  }
  return 'Error';
};

/** `e` as plain data (anything that is not an Error becomes one, with its text as the message). @internal */
export const toWire = (e: unknown): WireError => {
  const error = e instanceof Error ? e : new Error(String(e));
  const fields: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(error)) {
    if (key === 'message' || key === 'stack' || key === 'cause') continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (cloneable(value)) fields[key] = value;
  }
  const symbols: Record<string, unknown> = {};
  for (const symbol of Object.getOwnPropertySymbols(error)) {
    const key = Symbol.keyFor(symbol);
    const value = (error as unknown as Record<symbol, unknown>)[symbol];
    if (key !== undefined && cloneable(value)) symbols[key] = value;
  }
  const cause: unknown = error.cause;
  return {
    class: classOf(error),
    message: error.message,
    stack: error.stack,
    fields,
    symbols,
    cause:
      cause === undefined
        ? undefined
        : cause instanceof Error
          ? toWire(cause)
          : { value: cloneable(cause) ? cause : Object.prototype.toString.call(cause) },
  };
};

/** The error that `toWire` sent, as an instance of its class. @internal */
export const fromWire = (wire: WireError): Error => {
  // a real Error (what util.types.isNativeError and test libraries check) of the class, its constructor not run
  const error = Reflect.construct(Error, [], CLASSES[wire.class] ?? Error) as Error;
  const define = (key: string | symbol, value: unknown): void => {
    Object.defineProperty(error, key, { value, enumerable: true, writable: true, configurable: true });
  };
  Object.defineProperty(error, 'message', { value: wire.message, writable: true, configurable: true });
  if (wire.stack !== undefined)
    Object.defineProperty(error, 'stack', { value: wire.stack, writable: true, configurable: true });
  for (const [key, value] of Object.entries(wire.fields)) define(key, value);
  for (const [key, value] of Object.entries(wire.symbols)) define(Symbol.for(key), value);
  const cause = wire.cause;
  if (cause !== undefined)
    Object.defineProperty(error, 'cause', {
      value: 'value' in cause ? cause.value : fromWire(cause),
      writable: true,
      configurable: true,
    });
  return error;
};
