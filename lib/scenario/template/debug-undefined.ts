/**
 * Jinja's `DebugUndefined`, which apssh renders its templates with, for nunjucks: a name that the context does
 * not give is written back as `{{ name }}`, so that the scenario's own substitution and checks meet it. A
 * member that a value does not have (`foo.bar`, `foo['bar']`) is undefined too: false in a test, not
 * `defined`, replaced by `default()`; any other use of it, printing it included, is an error at its place.
 * @module
 */
import type { TemplateNode } from './nunjucks.js';
import { walkTemplate } from './nunjucks.js';

/** A name's first use that needs a value (`x.y`, `x | f`, `x()`), from 1. */
interface Use {
  readonly line: number;
  readonly column: number;
}

/** Thrown when a template uses more of an undefined value than a test or `default()` does. @internal */
export class UndefinedNameError extends Error {
  override readonly name = 'UndefinedNameError';
  readonly use: Use | undefined;
  constructor(message: string, use: Use | undefined) {
    super(message);
    this.use = use;
  }
}

/** The undefined values of the renderings, each with the error that its use needing a value is. */
const undefinedValues = new WeakMap<object, (use: Use | undefined) => UndefinedNameError>();

/** Whether a value is one of the undefined values of this module. @internal */
export const isUndefinedValue = (value: unknown): value is object =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && undefinedValues.has(value);

/** The error of a use of an undefined value that needs a value, at `use` (or where the value knows). @internal */
export const undefinedError = (value: object, use: Use | undefined): UndefinedNameError =>
  (undefinedValues.get(value) as (use: Use | undefined) => UndefinedNameError)(use);

/**
 * A value whose any use but a test throws: written as `{{ name }}` when `printed` is true (a name that the
 * context does not give), else printing it throws too (a missing member). A missing member is a function to
 * JavaScript, so that calling it (`foo.nosuch()`) throws this error and not nunjucks' own.
 */
const undefinedValue = (
  message: string,
  use: Use | undefined,
  thrown: (e: UndefinedNameError) => void,
  printed: string | undefined,
): object => {
  const error = (at: Use | undefined): UndefinedNameError => {
    const e = new UndefinedNameError(message, at ?? use);
    thrown(e);
    return e;
  };
  const target: object = printed === undefined ? () => undefined : (Object.create(null) as object);
  const value = new Proxy(target, {
    get(_target, key) {
      if (key === 'toString' || key === 'valueOf' || key === Symbol.toPrimitive)
        return () => {
          if (printed !== undefined) return printed;
          throw error(undefined);
        };
      if (typeof key === 'symbol') return undefined;
      throw error(undefined);
    },
  });
  undefinedValues.set(value, error);
  return value;
};

/** A name that the context does not give: `'name' is undefined`, printed as `{{ name }}`. */
const undefinedName = (name: string, use: Use | undefined, thrown: (e: UndefinedNameError) => void) =>
  undefinedValue(
    `'${name}' is undefined: give it a value with --var or --vars`,
    use,
    thrown,
    `{{ ${name} }}`,
  );

/**
 * The member `key` that the value of `owner` (a template expression's text) does not have, used at `use`.
 * @internal
 */
export const missingMember = (
  owner: string,
  key: string,
  text: string,
  use: Use,
  thrown: (e: UndefinedNameError) => void,
): object =>
  undefinedValue(
    `'${text}' is undefined: ${owner} has no member ${JSON.stringify(key)}; give it one with --vars FILE, ` +
      `or write ${text} | default(...)`,
    use,
    thrown,
    undefined,
  );

/** Names that nunjucks' Jinja compatibility gives when nothing else does. */
const JINJA_CONSTANTS = new Set(['True', 'False', 'None']);

/**
 * The names that a template reads (loop variables and `set` names among them; not filter names), each with
 * its first use that needs a value.
 */
const namesOf = (root: TemplateNode): Map<string, Use | undefined> => {
  const names = new Map<string, Use | undefined>();
  walkTemplate(root, (node, parent, field) => {
    if (node.typename !== 'Symbol' || typeof node.value !== 'string') return;
    if (parent?.typename === 'Filter' && field === 'name') return;
    const plain = parent === undefined || parent.typename === 'Output';
    const use = plain ? undefined : { line: node.lineno + 1, column: node.colno + 1 };
    if (!names.has(node.value) || (names.get(node.value) === undefined && use !== undefined))
      names.set(node.value, use);
  });
  return names;
};

/**
 * The context with a `{{ name }}` value for each name the template reads that neither the context nor the
 * environment's globals (`range`, `cycler`, `joiner`) give. Loop variables and `set` names shadow these.
 * `thrown` hears of each use of such a name that needed a value.
 * @internal
 */
export const withUndefinedNames = (
  root: TemplateNode,
  context: Readonly<Record<string, unknown>>,
  globals: Readonly<Record<string, unknown>>,
  thrown: (e: UndefinedNameError) => void = () => undefined,
): Record<string, unknown> => {
  const full: Record<string, unknown> = { ...context };
  for (const [name, use] of namesOf(root))
    if (!Object.hasOwn(full, name) && !Object.hasOwn(globals, name) && !JINJA_CONSTANTS.has(name))
      full[name] = undefinedName(name, use, thrown);
  return full;
};
