/**
 * The small filter language of a matrix's `where`: comparisons of variables and literals with `==` and `!=`,
 * joined by `and`, `or`, `not` and parentheses. No template engine, no code: a filter reads variables, never
 * runs anything.
 * @module
 */
import { ConfigError } from '../errors/config-error.js';
import { suggest } from '../errors/suggest.js';

/**
 * A matrix instance's filter: true keeps the instance. It reads the instance's variables (each axis's value
 * as text, a node axis's as its host name, and `instance`).
 * @category models
 */
export type WherePredicate = (vars: Readonly<Record<string, string>>) => boolean;

/** Options of {@link parseWhere}. @category models */
export interface ParseWhereOptions {
  /** The variables the text may name: another name is an error at once (else when evaluated). */
  readonly names?: readonly string[] | undefined;
  /** Who is at fault in errors, such as `matrix "pairs"` or a file name. Default `where`. */
  readonly subject?: string | undefined;
}

type Token =
  | { readonly kind: 'word' | 'text' | 'op'; readonly value: string; readonly at: number }
  | { readonly kind: 'end'; readonly value: ''; readonly at: number };
/** A literal: its text, and whether it was quoted (a quoted literal is text, even `'01'`). */
type Operand = { readonly variable: string } | { readonly literal: string; readonly quoted: boolean };
type Expr =
  | { readonly op: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly op: 'not'; readonly operand: Expr }
  | { readonly op: '==' | '!='; readonly left: Operand; readonly right: Operand };

const KEYWORDS = new Set(['and', 'or', 'not']);
/** Bare words that are values, not variables: they compare with an axis of booleans. */
const BOOLEANS = new Set(['true', 'false']);
/** A decimal number as text: `1`, `-2`, `1.0`, `01`, `1e3` (not `0x10`, `Infinity`, `''`). */
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
/** Bounds that keep a filter from being a denial of service: its length, and how deep it nests. */
const MAX_WHERE_LENGTH = 10_000;
const MAX_WHERE_DEPTH = 100;

/** The filter in an error, quoted, cut after 80 characters (columns still count in the whole text). */
const quoted = (text: string): string => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

/**
 * Compiles a filter such as `sender != receiver and size == 100` into a predicate over an instance's
 * variables. A bare word is a variable (`sender`), unless it starts with a digit or `-` (`100`, `-1`: a
 * literal) or is `true` or `false`; quote other literals (`sender == 'fit01'`). Two sides that both read as
 * decimal numbers compare as numbers (`size == 1.0` and `size == 01` keep the instance of size 1), unless
 * one is a quoted literal (`size == '01'` compares text); anything else compares as text, so `true` and
 * `false` match an axis of booleans. `and` binds tighter than `or`; `not` and parentheses as usual.
 * @example
 * const keep = parseWhere('sender != receiver and size == 100');
 * keep({ sender: 'fit01', receiver: 'fit02', size: '100' }); // true
 * @throws {ConfigError} naming the column of a syntax error, or a name not among `names`.
 * @category constructors
 */
export function parseWhere(text: string, options: ParseWhereOptions = {}): WherePredicate {
  const subject = options.subject ?? 'where';
  if (typeof text !== 'string' || text.trim() === '')
    throw new ConfigError(subject, 'where', 'must be a non-empty filter such as "sender != receiver"');
  if (text.length > MAX_WHERE_LENGTH)
    throw new ConfigError(
      subject,
      'where',
      `is ${String(text.length)} characters long, more than the ${String(MAX_WHERE_LENGTH)} allowed: ` +
        'filter with exclude, or with a function from TypeScript',
    );
  const tokens = tokenize(text, subject);
  let i = 0;
  const peek = (): Token => tokens[i] ?? { kind: 'end', value: '', at: text.length };
  const fail = (token: Token, what: string): never => {
    const found = token.kind === 'end' ? 'the end' : `"${token.value}"`;
    throw new ConfigError(
      subject,
      'where',
      `${quoted(text)}: ${what} at column ${String(token.at + 1)}, found ${found}`,
    );
  };
  const names = options.names === undefined ? undefined : new Set(options.names);
  const operand = (): Operand => {
    const token = peek();
    if (token.kind === 'text') {
      i++;
      return { literal: token.value, quoted: true };
    }
    if (token.kind !== 'word' || KEYWORDS.has(token.value))
      return fail(token, 'expected a variable or a value');
    i++;
    if (/^[-0-9]/.test(token.value) || BOOLEANS.has(token.value))
      return { literal: token.value, quoted: false };
    if (names !== undefined && !names.has(token.value)) {
      const near = suggest(token.value, [...names]);
      throw new ConfigError(
        subject,
        'where',
        `${quoted(text)}: "${token.value}" at column ${String(token.at + 1)} is not a variable` +
          `${near === undefined ? '' : ` (did you mean "${near}"?)`}; known: ${[...names].join(', ')}; ` +
          `quote a value: '${token.value}'`,
      );
    }
    return { variable: token.value };
  };
  let depth = 0; // of parentheses and nots: the parser and the evaluation recurse that deep
  const nested = <T>(token: Token, inner: () => T): T => {
    if (++depth > MAX_WHERE_DEPTH)
      fail(token, `more than ${String(MAX_WHERE_DEPTH)} nested parentheses or nots`);
    const result = inner();
    depth--;
    return result;
  };
  const comparison = (): Expr => {
    const token = peek();
    if (token.kind === 'op' && token.value === '(') {
      i++;
      const inner = nested(token, or);
      const close = peek();
      if (close.kind !== 'op' || close.value !== ')') fail(close, 'expected ")"');
      i++;
      return inner;
    }
    if (token.kind === 'word' && token.value === 'not') {
      i++;
      return { op: 'not', operand: nested(token, comparison) };
    }
    const left = operand();
    const op = peek();
    if (op.kind !== 'op' || (op.value !== '==' && op.value !== '!=')) return fail(op, 'expected == or !=');
    i++;
    return { op: op.value, left, right: operand() };
  };
  const and = (): Expr => {
    let left = comparison();
    while (peek().kind === 'word' && peek().value === 'and') {
      i++;
      left = { op: 'and', left, right: comparison() };
    }
    return left;
  };
  const or = (): Expr => {
    let left = and();
    while (peek().kind === 'word' && peek().value === 'or') {
      i++;
      left = { op: 'or', left, right: and() };
    }
    return left;
  };
  const expr = or();
  if (peek().kind !== 'end') fail(peek(), 'expected and, or, or the end');
  return (vars) => evaluate(expr, vars, subject, text);
}

/** An operand's value in an instance: its text, and whether it may compare as a number. */
const valueOf = (
  o: Operand,
  vars: Readonly<Record<string, string>>,
  subject: string,
  text: string,
): { readonly text: string; readonly numeric: boolean } => {
  if ('literal' in o) return { text: o.literal, numeric: !o.quoted && NUMBER.test(o.literal) };
  const value = Object.hasOwn(vars, o.variable) ? vars[o.variable] : undefined;
  if (value === undefined)
    throw new ConfigError(
      subject,
      'where',
      `${quoted(text)}: "${o.variable}" is not a variable (known: ${Object.keys(vars).join(', ')})`,
    );
  return { text: value, numeric: NUMBER.test(value) };
};

/** Whether two operands are equal: as numbers when both read as numbers, else as text. */
function equal(
  left: Operand,
  right: Operand,
  vars: Readonly<Record<string, string>>,
  subject: string,
  text: string,
): boolean {
  const a = valueOf(left, vars, subject, text);
  const b = valueOf(right, vars, subject, text);
  if (a.text === b.text) return true;
  if (!a.numeric || !b.numeric) return false;
  const x = Number(a.text);
  return Number.isFinite(x) && x === Number(b.text);
}

function evaluate(e: Expr, vars: Readonly<Record<string, string>>, subject: string, text: string): boolean {
  switch (e.op) {
    case 'and':
      return evaluate(e.left, vars, subject, text) && evaluate(e.right, vars, subject, text);
    case 'or':
      return evaluate(e.left, vars, subject, text) || evaluate(e.right, vars, subject, text);
    case 'not':
      return !evaluate(e.operand, vars, subject, text);
    case '==':
      return equal(e.left, e.right, vars, subject, text);
    case '!=':
      return !equal(e.left, e.right, vars, subject, text);
  }
}

function tokenize(text: string, subject: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: 'op', value: c, at: i });
      i++;
    } else if ((c === '=' || c === '!') && text.charAt(i + 1) === '=') {
      tokens.push({ kind: 'op', value: `${c}=`, at: i });
      i += 2;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end === -1)
        throw new ConfigError(
          subject,
          'where',
          `${quoted(text)}: the quote at column ${String(i + 1)} is never closed`,
        );
      tokens.push({ kind: 'text', value: text.slice(i + 1, end), at: i });
      i = end + 1;
    } else {
      const word = /^[A-Za-z0-9_.:@-]+/.exec(text.slice(i))?.[0];
      if (word === undefined)
        throw new ConfigError(
          subject,
          'where',
          `${quoted(text)}: unexpected "${c}" at column ${String(i + 1)}` +
            (c === '=' ? ' (compare with ==)' : c === '&' || c === '|' ? ' (write and, or)' : ''),
        );
      tokens.push({ kind: 'word', value: word, at: i });
      i += word.length;
    }
  }
  return tokens;
}
