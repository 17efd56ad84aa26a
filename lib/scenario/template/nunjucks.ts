/**
 * nunjucks, loaded on first use (a file that is no template never loads it), with Jinja compatibility on, and
 * the few of its internals that keep template lines: its parser, transformer and compiler.
 * @module
 */
import { createRequire } from 'node:module';

import type * as Nunjucks from 'nunjucks';

/** A node of nunjucks' syntax tree: the fields that its `fields` list names, and its place (from 0). @internal */
export interface TemplateNode {
  readonly typename: string;
  readonly fields?: readonly string[];
  readonly lineno: number;
  readonly colno: number;
  value?: unknown;
  readonly [field: string]: unknown;
}

/** nunjucks and the internals used for line numbers; `internals` is undefined when they are not as expected. @internal */
export interface LoadedNunjucks {
  readonly nunjucks: typeof Nunjucks;
  readonly internals:
    | {
        readonly parse: (source: string) => TemplateNode;
        /** The code of a syntax tree, as `new Template({type: 'code', obj})` takes it once evaluated. */
        readonly compile: (root: TemplateNode, name: string) => string;
      }
    | undefined;
}

let loaded: LoadedNunjucks | undefined;

interface CompilerInstance {
  compile(node: TemplateNode, frame?: unknown): void;
  getCode(): string;
}

const internalsOf = (require: NodeJS.Require, nunjucks: typeof Nunjucks): LoadedNunjucks['internals'] => {
  try {
    const parser = (nunjucks as unknown as { parser: { parse?: unknown } }).parser;
    const compiler = (nunjucks as unknown as { compiler: { Compiler?: unknown } }).compiler;
    const transformer = require('nunjucks/src/transformer') as { transform?: unknown };
    const { parse } = parser;
    const { Compiler } = compiler;
    const { transform } = transformer;
    if (typeof parse !== 'function' || typeof Compiler !== 'function' || typeof transform !== 'function')
      return undefined;
    return {
      parse: (source) => (parse as (s: string, e: unknown[], o: object) => TemplateNode)(source, [], {}),
      compile: (root, name) => {
        const c = new (Compiler as new (name: string, throwOnUndefined: boolean) => CompilerInstance)(
          name,
          false,
        );
        c.compile(
          (transform as (ast: TemplateNode, asyncFilters: string[], n: string) => TemplateNode)(
            root,
            [],
            name,
          ),
        );
        return c.getCode();
      },
    };
  } catch {
    return undefined;
  }
};

/** Keys through which a template could reach JavaScript's Function (and so run code) or change prototypes. */
const FORBIDDEN_KEYS = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

/**
 * nunjucks has no sandbox: `{{ "".constructor.constructor("code")() }}` runs code, even under --dry-run. Its
 * member lookups (`a.b`, `a[b]`, made by every template) go through `runtime.memberLookup`, which this wraps
 * once: a key of FORBIDDEN_KEYS, or any member of a function (`Object.getOwnPropertyDescriptor`...), is an
 * error of the template. Scenario templates need neither.
 */
const guardMembers = (nunjucks: typeof Nunjucks): void => {
  const runtime = (nunjucks as unknown as { runtime: { memberLookup: (...args: unknown[]) => unknown } })
    .runtime;
  const inner = runtime.memberLookup;
  runtime.memberLookup = function guarded(this: unknown, obj: unknown, val: unknown, ...rest: unknown[]) {
    if (FORBIDDEN_KEYS.has(String(val)) || typeof obj === 'function')
      throw new Error(`.${String(val)} is not allowed in a scenario template (it could run code)`);
    return inner.apply(this, [obj, val, ...rest]);
  };
};

/**
 * nunjucks, required on first use; `installJinjaCompat()` is called once (it patches nunjucks' runtime for
 * every user of nunjucks in the process: `dict.items()`, `True`/`False`, slices).
 * @internal
 */
export const loadNunjucks = (): LoadedNunjucks => {
  if (loaded !== undefined) return loaded;
  const require = createRequire(import.meta.url);
  const nunjucks = require('nunjucks') as typeof Nunjucks;
  nunjucks.installJinjaCompat();
  guardMembers(nunjucks);
  loaded = { nunjucks, internals: internalsOf(require, nunjucks) };
  return loaded;
};

/** Calls `visit` on each node of a syntax tree, with its parent and the parent's field that holds it. @internal */
export const walkTemplate = (
  root: TemplateNode,
  visit: (node: TemplateNode, parent: TemplateNode | undefined, field: string | undefined) => void,
): void => {
  const go = (x: unknown, parent: TemplateNode | undefined, field: string | undefined): void => {
    if (typeof x !== 'object' || x === null) return;
    if (Array.isArray(x)) {
      for (const item of x) go(item, parent, field);
      return;
    }
    const node = x as TemplateNode;
    visit(node, parent, field);
    for (const f of node.fields ?? []) go(node[f], node, f);
  };
  go(root, undefined, undefined);
};
