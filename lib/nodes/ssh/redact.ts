/**
 * Keeping secrets out of logs: what `console.log`, `util.inspect` and `JSON.stringify` show of objects that
 * hold a password or a passphrase.
 * @module
 */

/** Node's `util.inspect.custom`, without importing `node:util`. @internal */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** How a secret is shown. @internal */
export const REDACTED = '[redacted]';

/** The inspect function Node passes as the third argument of `[util.inspect.custom]`. @internal */
export type Inspect = (value: unknown, options?: object) => string;

const SECRETS = ['password', 'passphrase'] as const;

/**
 * A copy of `options` with its secrets (`password`, `passphrase`) shown as `[redacted]`, and `gateway` (a
 * node) as its `toJSON()`: what a node shows of its options.
 * @internal
 */
export const redactOptions = (options: object): Record<string, unknown> => {
  const shown: Record<string, unknown> = { ...options };
  for (const key of SECRETS) if (shown[key] !== undefined) shown[key] = REDACTED;
  const gateway = shown['gateway'] as { toJSON?: () => unknown } | null | undefined;
  if (typeof gateway?.toJSON === 'function') shown['gateway'] = gateway.toJSON();
  return shown;
};

/**
 * A copy of a node's `options` that keeps every field (secrets included, for the node's own use) but never
 * shows a secret: `password` and `passphrase` are non-enumerable, so spread, `Object.entries`,
 * `structuredClone` and `postMessage` copies leave them out; `console.log`, `util.inspect` and
 * `JSON.stringify` show them `[redacted]` (non-enumerable `toJSON` and `[util.inspect.custom]`).
 * @internal
 */
export const redactingOptions = <O extends object>(options: O): O => {
  const copy = { ...options } as Record<string, unknown>;
  for (const key of SECRETS)
    if (copy[key] !== undefined)
      Object.defineProperty(copy, key, { value: copy[key], enumerable: false, writable: false });
  Object.defineProperties(copy, {
    toJSON: { value: () => redactOptions(shownOf(copy)) },
    [INSPECT]: {
      value: (_depth: number, o: object, inspect: Inspect) => inspect(redactOptions(shownOf(copy)), o),
    },
  });
  return copy as O;
};

/** The enumerable fields of `copy`, and its secrets (which redactOptions then redacts). */
const shownOf = (copy: Record<string, unknown>): Record<string, unknown> => {
  const shown: Record<string, unknown> = { ...copy };
  for (const key of SECRETS) if (copy[key] !== undefined) shown[key] = copy[key];
  return shown;
};
