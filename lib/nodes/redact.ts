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
