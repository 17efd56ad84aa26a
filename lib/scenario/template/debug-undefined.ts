/**
 * Jinja's `DebugUndefined`, which apssh renders its templates with, for nunjucks: a name that the context does
 * not give is written back as `{{ name }}`, so that the scenario's own substitution and checks meet it.
 * @module
 */
import type { TemplateNode } from './nunjucks.js';
import { walkTemplate } from './nunjucks.js';

/** A name's first use that needs a value (`x.y`, `x | f`, `x()`), from 1. */
interface Use {
  readonly line: number;
  readonly column: number;
}

/** Thrown when a template uses more of an undefined name than its text: `x.y`, `x | upper`, `x()`. @internal */
export class UndefinedNameError extends Error {
  override readonly name = 'UndefinedNameError';
  readonly use: Use | undefined;
  constructor(message: string, use: Use | undefined) {
    super(message);
    this.use = use;
  }
}

/** A value that is written as `{{ name }}`, and whose any other use throws, as Jinja's undefined values do. */
const undefinedValue = (
  name: string,
  use: Use | undefined,
  thrown: (e: UndefinedNameError) => void,
): object => {
  const text = `{{ ${name} }}`;
  return new Proxy(Object.create(null) as object, {
    get(_target, key) {
      if (key === 'toString' || key === 'valueOf' || key === Symbol.toPrimitive) return () => text;
      if (typeof key === 'symbol') return undefined;
      const e = new UndefinedNameError(`'${name}' is undefined: give it a value with --var or --vars`, use);
      thrown(e);
      throw e;
    },
  });
};

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
      full[name] = undefinedValue(name, use, thrown);
  return full;
};
