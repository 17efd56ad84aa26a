/**
 * The filter of a matrix's instances, `sender != receiver`: a tiny language of names (the axes), quoted
 * values, `==`, `!=`, `and`, `or`, `not` and parentheses, compared as strings. No template engine runs it.
 * @module
 */
import { ConfigError } from '../errors/config-error.js';

/** A compiled filter: the names it reads, and its test on one instance's values. @category models */
export interface Where {
  /** The text it was compiled from. */
  readonly text: string;
  /** The names it reads (the axes it needs), in order of first use. */
  readonly names: readonly string[];
  /** Whether an instance with these values is kept; a name without a value compares as `''`. */
  test(values: Readonly<Record<string, unknown>>): boolean;
}

type Expr = (values: Readonly<Record<string, unknown>>) => unknown;
interface Token {
  readonly kind: 'name' | 'value' | 'op' | 'end';
  readonly text: string;
  readonly at: number;
}

const TOKEN = /\s*(?:(==|!=|\(|\))|'([^']*)'|"([^"]*)"|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_][A-Za-z0-9_]*))/y;
const KEYWORDS = new Set(['and', 'or', 'not']);

const tokenize = (text: string, fail: (at: number, what: string) => never): Token[] => {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (m === null) {
      const start = at + (/^\s*/.exec(text.slice(at))?.[0].length ?? 0);
      fail(start, `unexpected ${JSON.stringify(text.charAt(start))}`);
    }
    const start = m.index + m[0].length - m[0].trimStart().length;
    const [, op, single, double, number, name] = m;
    if (op !== undefined) tokens.push({ kind: 'op', text: op, at: start });
    else if (name !== undefined)
      tokens.push({ kind: KEYWORDS.has(name) ? 'op' : 'name', text: name, at: start });
    else tokens.push({ kind: 'value', text: single ?? double ?? number ?? '', at: start });
    at = TOKEN.lastIndex;
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
};

/**
 * Compiles a matrix filter: `a != b`, `a == 'x' or b == "y"`, `not (a == b) and c != 1`. `and` binds more
 * tightly than `or`; values are compared as strings (`1` and `'1'` are equal).
 * @throws {ConfigError} for text that is not such a test, naming the column (from 1) at fault.
 * @example
 * parseWhere('sender != receiver').test({ sender: 'fit01', receiver: 'fit02' }); // true
 * @category constructors
 */
export function parseWhere(text: string): Where {
  const fail = (at: number, what: string): never => {
    throw new ConfigError(
      'where',
      JSON.stringify(text),
      `${what} at column ${String(at + 1)} (write tests such as a != b, a == 'x', joined by and, or, not, ())`,
    );
  };
  const tokens = tokenize(text, fail);
  const names: string[] = [];
  let i = 0;
  const peek = (): Token => tokens[i] as Token;
  const next = (): Token => tokens[i++] as Token;
  const isOp = (t: Token, op: string) => t.kind === 'op' && t.text === op;
  const shown = (t: Token) => (t.kind === 'end' ? 'the end' : JSON.stringify(t.text));

  const operand = (): Expr => {
    const t = next();
    if (t.kind === 'name') {
      if (!names.includes(t.text)) names.push(t.text);
      return (v) => {
        const value = v[t.text];
        return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
          ? String(value)
          : '';
      };
    }
    if (t.kind === 'value') return () => t.text;
    return fail(t.at, `expected a name or a value, found ${shown(t)}`);
  };
  const comparison = (): Expr => {
    if (isOp(peek(), '(')) {
      next();
      const inner = or();
      const close = next();
      if (!isOp(close, ')')) fail(close.at, `expected ")", found ${shown(close)}`);
      return inner;
    }
    const left = operand();
    const op = next();
    if (!isOp(op, '==') && !isOp(op, '!='))
      return fail(op.at, `expected == or != after the first operand, found ${shown(op)}`);
    const right = operand();
    return op.text === '==' ? (v) => left(v) === right(v) : (v) => left(v) !== right(v);
  };
  const not = (): Expr => {
    if (!isOp(peek(), 'not')) return comparison();
    next();
    const inner = not();
    return (v) => !inner(v);
  };
  const and = (): Expr => {
    let left = not();
    while (isOp(peek(), 'and')) {
      next();
      const [l, r] = [left, not()];
      left = (v) => Boolean(l(v)) && Boolean(r(v));
    }
    return left;
  };
  function or(): Expr {
    let left = and();
    while (isOp(peek(), 'or')) {
      next();
      const [l, r] = [left, and()];
      left = (v) => Boolean(l(v)) || Boolean(r(v));
    }
    return left;
  }
  const expr = or();
  const rest = peek();
  if (rest.kind !== 'end') fail(rest.at, `unexpected ${shown(rest)}`);
  return { text, names, test: (values) => Boolean(expr(values)) };
}
