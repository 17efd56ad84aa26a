/**
 * io-ts combinators for scenario files whose errors stay short: one error per bad field, located at that field
 * (an unknown key at the key itself), with a message that reads after the field's path. io-ts's own `type`,
 * `union` and `intersection` would strip unknown keys silently, or add context entries for their members
 * (`0`, `1`) and report every member's failure; these do neither.
 * @module
 */
import * as t from 'io-ts';

import { suggest } from '../errors/suggest.js';

/** A plain mapping, as YAML gives it (not a list, not a Buffer from `!!binary`). @internal */
export const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => {
  if (typeof u !== 'object' || u === null) return false;
  const proto: unknown = Object.getPrototypeOf(u);
  return proto === Object.prototype || proto === null;
};

/**
 * The type of the context entry of an error about a key itself (unknown, or not a valid name): the reporter
 * locates such errors at the key rather than at its value.
 * @internal
 */
export const KeyEntry = new t.Type<never, never, unknown>(
  'a key',
  t.never.is,
  (u, c) => t.failure(u, c),
  (a) => a,
);

/** An error at `key` of the value in context `c`, about the key itself. @internal */
export const keyError = (c: t.Context, key: string, value: unknown, message: string): t.ValidationError => ({
  value,
  context: t.appendContext(c, key, KeyEntry, value),
  message,
});

/**
 * A codec of plain values: `parse` gives the decoded value, or undefined for a value that does not fit. The
 * message is then `explain(u)` when it gives one, else `expected <name>`.
 * @internal
 */
export const scalar = <A>(
  name: string,
  parse: (u: unknown) => A | undefined,
  explain?: (u: unknown) => string | undefined,
): t.Type<A, A> =>
  new t.Type<A, A, unknown>(
    name,
    (u): u is A => parse(u) !== undefined,
    (u, c) => {
      const a = parse(u);
      return a !== undefined ? t.success(a) : t.failure(u, c, explain?.(u));
    },
    (a) => a,
  );

/** Exactly `value`. @internal */
export const literal = <V extends string | boolean>(value: V): t.Type<V, V> =>
  scalar(JSON.stringify(value), (u) => (u === value ? value : undefined));

/** One of the given strings. @internal */
export const oneOf = <V extends string>(values: readonly V[]): t.Type<V, V> =>
  scalar(`one of ${values.join(', ')}`, (u) => values.find((v) => v === u));

type Flat<T> = { [K in keyof T]: T[K] };

/** The decoded type of a {@link struct}. @internal */
export type Struct<R extends t.Props, O extends t.Props> = Flat<
  { readonly [K in keyof R]: t.TypeOf<R[K]> } & { readonly [K in keyof O]?: t.TypeOf<O[K]> }
>;

/** What a struct says of a key it does not know. @internal */
export const unknownKeyMessage = (key: string, accepted: readonly string[]): string => {
  const near = suggest(key, accepted);
  return `unknown key${near === undefined ? '' : `, did you mean ${near}?`} (accepted: ${accepted.join(', ')})`;
};

/** A codec made of its `validate` alone: its guard is "validates", its encoding the identity. @internal */
const fromValidate = <A>(name: string, validate: t.Validate<unknown, A>): t.Type<A, A> =>
  new t.Type(
    name,
    (u): u is A => validate(u, [])._tag === 'Right',
    validate,
    (a) => a,
  );

/**
 * A mapping with `required` and `optional` keys and no other: each missing key, bad value and unknown key is
 * one error. `check` runs on a value whose fields all decoded, for rules between fields.
 * @internal
 */
export const struct = <R extends t.Props, O extends t.Props>(
  name: string,
  required: R,
  optional: O,
  check?: (a: Struct<R, O>, c: t.Context) => readonly t.ValidationError[],
): t.Type<Struct<R, O>, Struct<R, O>> => {
  const accepted = [...Object.keys(required), ...Object.keys(optional)];
  const known = new Set(accepted);
  // once per codec, not per value: a scenario decodes thousands of jobs through the same structs
  const fields: readonly (readonly [string, t.Mixed, boolean])[] = [
    ...Object.entries(required).map(([key, codec]) => [key, codec, true] as const),
    ...Object.entries(optional).map(([key, codec]) => [key, codec, false] as const),
  ];
  const validate = (u: unknown, c: t.Context): t.Validation<Struct<R, O>> => {
    if (!isRecord(u)) return t.failure(u, c);
    const errors: t.ValidationError[] = [];
    const out: Record<string, unknown> = {};
    const field = (key: string, codec: t.Mixed, isRequired: boolean): void => {
      const value = Object.hasOwn(u, key) ? u[key] : undefined;
      const context = t.appendContext(c, key, codec, value);
      if (value === undefined) {
        if (isRequired) errors.push({ value, context, message: `missing (expected ${codec.name})` });
        return;
      }
      const result = codec.validate(value, context);
      if (result._tag === 'Left') errors.push(...result.left);
      else out[key] = result.right;
    };
    for (const [key, codec, isRequired] of fields) field(key, codec, isRequired);
    for (const key of Object.keys(u))
      if (!known.has(key)) errors.push(keyError(c, key, u[key], unknownKeyMessage(key, accepted)));
    if (errors.length === 0 && check !== undefined) errors.push(...check(out as Struct<R, O>, c));
    return errors.length > 0 ? t.failures(errors) : t.success(out as Struct<R, O>);
  };
  return fromValidate<Struct<R, O>>(name, validate);
};

/**
 * `codec` on a mapping whose keys starting with `x-` are set aside: extension fields, as docker compose has
 * them, where a file keeps what it only refers to (`x-common: &common {...}`, then `<<: *common`).
 * @internal
 */
export const withExtensions = <A>(codec: t.Type<A, A>): t.Type<A, A> =>
  fromValidate<A>(codec.name, (u, c) => {
    if (!isRecord(u)) return codec.validate(u, c);
    let own: Record<string, unknown> | undefined;
    for (const key of Object.keys(u))
      if (key.startsWith('x-')) {
        own ??= { ...u };
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a copy of the file's own mapping
        delete own[key];
      }
    return codec.validate(own ?? u, c);
  });

/** A list of `item`s (at least one when `nonEmpty`). @internal */
export const listOf = <C extends t.Mixed>(
  item: C,
  name: string,
  nonEmpty = false,
): t.Type<readonly t.TypeOf<C>[], readonly t.TypeOf<C>[]> => {
  const validate = (u: unknown, c: t.Context): t.Validation<readonly t.TypeOf<C>[]> => {
    if (!Array.isArray(u) || (nonEmpty && u.length === 0)) return t.failure(u, c);
    const errors: t.ValidationError[] = [];
    const out: t.TypeOf<C>[] = [];
    u.forEach((v: unknown, i) => {
      const result = item.validate(v, t.appendContext(c, String(i), item, v));
      if (result._tag === 'Left') errors.push(...result.left);
      else out.push(result.right as t.TypeOf<C>);
    });
    return errors.length > 0 ? t.failures(errors) : t.success(out);
  };
  return fromValidate<readonly t.TypeOf<C>[]>(name, validate);
};

/** One `item` or a list of them (at least one when `nonEmpty`), decoded as a list. @internal */
export const oneOrMany = <C extends t.Mixed>(
  item: C,
  name: string,
  nonEmpty = false,
): t.Type<readonly t.TypeOf<C>[], readonly t.TypeOf<C>[]> => {
  const list = listOf(item, name, nonEmpty);
  const validate = (u: unknown, c: t.Context): t.Validation<readonly t.TypeOf<C>[]> => {
    if (Array.isArray(u)) return list.validate(u, c);
    const result = item.validate(u, c);
    return result._tag === 'Left' ? t.failure(u, c) : t.success([result.right]);
  };
  return fromValidate<readonly t.TypeOf<C>[]>(name, validate);
};

/**
 * A mapping from names to `value`s; `checkKey` gives the message for a bad name (located at the name).
 * @internal
 */
export const recordOf = <C extends t.Mixed>(
  value: C,
  name: string,
  checkKey: (key: string) => string | undefined,
): t.Type<Readonly<Record<string, t.TypeOf<C>>>, Readonly<Record<string, t.TypeOf<C>>>> => {
  type R = Readonly<Record<string, t.TypeOf<C>>>;
  const validate = (u: unknown, c: t.Context): t.Validation<R> => {
    if (!isRecord(u)) return t.failure(u, c);
    const errors: t.ValidationError[] = [];
    const out: Record<string, t.TypeOf<C>> = {};
    for (const [key, v] of Object.entries(u)) {
      const problem = checkKey(key);
      if (problem !== undefined) {
        errors.push(keyError(c, key, v, problem));
        continue;
      }
      const result = value.validate(v, t.appendContext(c, key, value, v));
      if (result._tag === 'Left') errors.push(...result.left);
      // an own property even for __proto__, which an assignment would take as the prototype
      else if (key === '__proto__')
        Object.defineProperty(out, key, { value: result.right, enumerable: true, writable: true });
      else out[key] = result.right as t.TypeOf<C>;
    }
    return errors.length > 0 ? t.failures(errors) : t.success(out);
  };
  return fromValidate<R>(name, validate);
};

/**
 * The entries of a `nodes:` or `jobs:` section, decoded as a non-empty list of `item`s: either a list of
 * mappings with an `id` (the canonical form), or a mapping from ids to mappings without one.
 * @internal
 */
export const entries = <C extends t.Mixed>(
  item: C,
  name: string,
): t.Type<readonly t.TypeOf<C>[], readonly t.TypeOf<C>[]> => {
  const list = listOf(item, name, true);
  const validate = (u: unknown, c: t.Context): t.Validation<readonly t.TypeOf<C>[]> => {
    if (Array.isArray(u)) return list.validate(u, c);
    if (!isRecord(u) || Object.keys(u).length === 0) return t.failure(u, c);
    const errors: t.ValidationError[] = [];
    const out: t.TypeOf<C>[] = [];
    for (const [key, v] of Object.entries(u)) {
      const context = t.appendContext(c, key, item, v);
      if (isRecord(v) && Object.hasOwn(v, 'id')) {
        errors.push(keyError(context, 'id', v['id'], `not allowed in the map form, where the key is the id`));
        continue;
      }
      const result = item.validate(isRecord(v) ? { id: key, ...v } : v, context);
      if (result._tag === 'Left') errors.push(...result.left);
      else out.push(result.right as t.TypeOf<C>);
    }
    return errors.length > 0 ? t.failures(errors) : t.success(out);
  };
  return fromValidate<readonly t.TypeOf<C>[]>(name, validate);
};

/** `{ id: key, ...value }` for each entry of a `nodes:` or `jobs:` section, with its path. @internal */
export const entryList = (section: unknown): { path: readonly (string | number)[]; value: unknown }[] => {
  if (Array.isArray(section)) return section.map((value: unknown, i) => ({ path: [i], value }));
  if (!isRecord(section)) return [];
  return Object.entries(section).map(([key, v]) => ({
    path: [key],
    value: isRecord(v) && !Object.hasOwn(v, 'id') ? { id: key, ...v } : v,
  }));
};
