/**
 * Jinja's meaning of an undefined value in the places where a template may test it, for nunjucks: a rewrite
 * of the syntax tree before it is compiled. An undefined name or missing member is false in `{% if %}`,
 * `not`, `and`/`or` and `x if c else y`, not `defined` (or any other test), replaced by `default()`, holds
 * nothing (`x in foo` is false), and a loop over it makes no turn; a member lookup (`foo.bar`, `foo['bar']`) that finds nothing gives an undefined value
 * that names the expression, and not nunjucks' silent empty text.
 * @module
 */
import type * as Nunjucks from 'nunjucks';

import { isUndefinedValue, missingMember, undefinedError, UndefinedNameError } from './debug-undefined.js';
import type { TemplateNode } from './nunjucks.js';

/** The names of the helpers that the rewritten tree calls: globals of the environment. */
const MEMBER = '__rxjobs_member';
const TESTED = '__rxjobs_tested';
const CONTAINER = '__rxjobs_container';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The text of an expression, as a message may quote it (`foo.bar`, `foo['a b']`, `…` for the rest). */
const textOf = (node: TemplateNode): string => {
  switch (node.typename) {
    case 'Symbol':
      return String(node.value);
    case 'Literal':
      return typeof node.value === 'string' ? `'${node.value}'` : String(node.value);
    case 'LookupVal': {
      const val = node['val'] as TemplateNode;
      const target = textOf(node['target'] as TemplateNode);
      return val.typename === 'Literal' && typeof val.value === 'string' && IDENTIFIER.test(val.value)
        ? `${target}.${val.value}`
        : `${target}[${textOf(val)}]`;
    }
    case 'FunCall':
      return `${textOf(node['name'] as TemplateNode)}()`;
    default:
      return '…';
  }
};

/** The start of an expression: its innermost target's place (from 0). */
const startOf = (node: TemplateNode): TemplateNode => {
  let n = node;
  for (;;) {
    if (n.typename === 'LookupVal') n = n['target'] as TemplateNode;
    else if (n.typename === 'FunCall') n = n['name'] as TemplateNode;
    else return n;
  }
};

type NodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => TemplateNode;

/** The classes of nunjucks' `nodes` module that the rewrite makes. */
interface Nodes {
  readonly FunCall: NodeClass;
  readonly InlineIf: NodeClass;
  readonly Literal: NodeClass;
  readonly NodeList: NodeClass;
  readonly Symbol: NodeClass;
}

/**
 * Rewrites a parsed template in place (and returns its root) so that undefined values behave as in Jinja.
 * `nodes` is nunjucks' `nodes` module.
 * @internal
 */
export const rewriteUndefined = (root: TemplateNode, nodes: Nodes): TemplateNode => {
  const { FunCall, InlineIf, Literal, NodeList, Symbol: Sym } = nodes;
  const call = (at: TemplateNode, name: string, args: readonly unknown[]): TemplateNode =>
    new FunCall(
      at.lineno,
      at.colno,
      new Sym(at.lineno, at.colno, name),
      new NodeList(
        at.lineno,
        at.colno,
        args.map((a) => (typeof a === 'object' && a !== null ? a : new Literal(at.lineno, at.colno, a))),
      ),
    );
  const tested = (n: TemplateNode): TemplateNode => call(n, TESTED, [n]);
  const set = (n: TemplateNode, field: string, value: unknown): void => {
    (n as Record<string, unknown>)[field] = value;
  };

  const go = (node: TemplateNode, called: boolean): TemplateNode => {
    // a member's text is the template's: take it before the children are rewritten
    const member =
      node.typename === 'LookupVal' && (node['val'] as TemplateNode).typename !== 'Slice'
        ? {
            owner: textOf(node['target'] as TemplateNode),
            text: textOf(node),
            start: startOf(node),
          }
        : undefined;
    for (const field of node.fields ?? []) {
      const value = node[field];
      const into = (child: TemplateNode) =>
        go(child, node.typename === 'FunCall' && field === 'name' && child.typename === 'LookupVal');
      if (Array.isArray(value))
        set(
          node,
          field,
          value.map((c: unknown) => (typeof c === 'object' && c !== null ? into(c as TemplateNode) : c)),
        );
      else if (typeof value === 'object' && value !== null) set(node, field, into(value as TemplateNode));
    }
    switch (node.typename) {
      case 'LookupVal':
        if (member === undefined) return node;
        return call(node, MEMBER, [
          node['target'],
          node['val'],
          member.owner,
          member.text,
          member.start.lineno + 1,
          member.start.colno + 1,
          called,
        ]);
      case 'If':
      case 'IfAsync':
      case 'InlineIf':
        set(node, 'cond', tested(node['cond'] as TemplateNode));
        return node;
      case 'Not':
        set(node, 'target', tested(node['target'] as TemplateNode));
        return node;
      case 'Is':
        set(node, 'left', tested(node['left'] as TemplateNode));
        return node;
      case 'In':
        set(node, 'right', call(node, CONTAINER, [node['right']]));
        return node;
      case 'For':
      case 'AsyncEach':
      case 'AsyncAll':
        set(node, 'arr', tested(node['arr'] as TemplateNode));
        return node;
      case 'Compare': {
        set(node, 'expr', tested(node['expr'] as TemplateNode));
        for (const op of node['ops'] as TemplateNode[]) set(op, 'expr', tested(op['expr'] as TemplateNode));
        return node;
      }
      case 'Filter': {
        const name = (node['name'] as TemplateNode).value;
        const args = (node['args'] as TemplateNode)['children'] as TemplateNode[];
        if ((name === 'default' || name === 'd') && args[0] !== undefined) args[0] = tested(args[0]);
        return node;
      }
      case 'Or':
      case 'And': {
        // Jinja: `a or b` is a when a is true, else b; `a and b` is b when a is true, else a
        const left = node['left'] as TemplateNode;
        const right = node['right'] as TemplateNode;
        const [body, otherwise] = node.typename === 'Or' ? [left, right] : [right, left];
        return new InlineIf(node.lineno, node.colno, tested(left), body, otherwise);
      }
      default:
        return node;
    }
  };
  return go(root, false);
};

/**
 * The globals that a rewritten template calls: `memberLookup` is nunjucks' runtime lookup (read at each
 * call, as a guard may wrap it); `thrown` hears of each use of an undefined value that needed one.
 * @internal
 */
export const undefinedHelpers = (
  runtime: () => (obj: unknown, key: unknown) => unknown,
  thrown: (e: UndefinedNameError) => void,
): Record<string, (...args: never[]) => unknown> => ({
  [TESTED]: (value: unknown): unknown => (isUndefinedValue(value) ? undefined : value),
  // `x in y`: an undefined y holds nothing
  [CONTAINER]: (value: unknown): unknown => (isUndefinedValue(value) ? [] : value),
  [MEMBER]: (
    target: unknown,
    key: unknown,
    owner: string,
    text: string,
    line: number,
    column: number,
    called: boolean,
  ): unknown => {
    const use = { line, column };
    if (isUndefinedValue(target)) throw undefinedError(target, use);
    if (isUndefinedValue(key)) throw undefinedError(key, use);
    const value = runtime()(target, key);
    if (value === undefined) return missingMember(owner, String(key), text, use, thrown);
    if (called && typeof value !== 'function') {
      const e = new UndefinedNameError(`${text} is not a function: it cannot be called`, use);
      thrown(e);
      throw e;
    }
    return value;
  },
});

/** nunjucks' `nodes` module, as {@link rewriteUndefined} takes it, or undefined when it is not as expected. @internal */
export const nodesOf = (nunjucks: typeof Nunjucks): Nodes | undefined => {
  const nodes = (nunjucks as unknown as { nodes?: Partial<Nodes> }).nodes;
  const names = ['FunCall', 'InlineIf', 'Literal', 'NodeList', 'Symbol'] as const;
  return nodes !== undefined && names.every((n) => typeof nodes[n] === 'function')
    ? (nodes as Nodes)
    : undefined;
};
