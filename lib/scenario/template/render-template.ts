/**
 * Rendering a `.j2` scenario file with nunjucks (Jinja's syntax) before its YAML is read, as apssh does with
 * Jinja2: autoescape off, undefined names written back as `{{ name }}`, and a map from rendered lines back to
 * template lines so that problems found later still point at the user's line.
 * @module
 */
import path from 'node:path';

import * as E from 'fp-ts/lib/Either.js';

import type { ScenarioProblem } from '../problems.js';
import type { UndefinedNameError } from './debug-undefined.js';
import { withUndefinedNames } from './debug-undefined.js';
import { nodesOf, rewriteUndefined, undefinedHelpers } from './jinja-undefined.js';
import { hasMarkerCharacters, markLines, readLines } from './line-markers.js';
import type { LoadedNunjucks, TemplateNode } from './nunjucks.js';
import { loadNunjucks, walkTemplate } from './nunjucks.js';

/**
 * A rendered template: its text, and for each of its lines (index from 1) the template line it comes from
 * (0: none, as for the first line, the header that says where it comes from).
 * @internal
 */
export interface RenderedTemplate {
  readonly text: string;
  readonly lines: readonly number[];
  /** True when the lines could not be mapped (nunjucks' internals not as expected): each is then 0. */
  readonly unmapped: boolean;
}

/** Whether a scenario file is a template: its name ends in `.j2`. @internal */
export const isTemplateFile = (file: string): boolean => file.endsWith('.j2');

const POSITION = /\[Line (\d+), Column (\d+)\]/;
const NO_FILTER = /filter not found: ([A-Za-z_][A-Za-z0-9_]*)/;

interface Where {
  readonly line: number;
  readonly column: number;
}

/** The first use of a filter, from 1. */
const filterUse = (root: TemplateNode | undefined, name: string): Where | undefined => {
  let found: Where | undefined;
  if (root !== undefined)
    walkTemplate(root, (node, parent, field) => {
      if (found === undefined && parent?.typename === 'Filter' && field === 'name' && node.value === name)
        found = { line: node.lineno + 1, column: node.colno + 1 };
    });
  return found;
};

/**
 * Where an error of the template engine is: the parser's (from 1) in its fields; an undefined name's first
 * use that needs a value; a missing filter's first use; else the runtime's place in the message (from 0,
 * and only as good as nunjucks keeps it: it updates it at function calls).
 */
const whereOf = (
  e: unknown,
  text: string,
  root: TemplateNode | undefined,
  undef: UndefinedNameError | undefined,
): Where | undefined => {
  const { lineno, colno } = (e ?? {}) as { lineno?: unknown; colno?: unknown };
  if (typeof lineno === 'number' && typeof colno === 'number' && !POSITION.test(text))
    return { line: lineno, column: colno };
  if (undef !== undefined && text.includes(undef.message)) return undef.use;
  const filter = NO_FILTER.exec(text)?.[1];
  if (filter !== undefined) return filterUse(root, filter);
  const at = POSITION.exec(text);
  if (at !== null) return { line: Number(at[1]) + 1, column: Number(at[2]) + 1 };
  return undefined;
};

/** A problem of the template engine, at the template's line and column when they are known. */
const engineProblem = (
  source: string,
  file: string,
  e: unknown,
  root: TemplateNode | undefined,
  undef: UndefinedNameError | undefined,
): ScenarioProblem => {
  const text = e instanceof Error ? e.message : String(e);
  const message = text
    .replace(/^\([^)]*\)\s*/, '')
    .replace(POSITION, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(': ')
    .replace(/^(Error|UndefinedNameError): /, '');
  // the parser's "unexpected end of file" has no place: the last line is it
  const end = /end of file/.test(message)
    ? { line: source.replace(/\n$/, '').split('\n').length, column: 1 }
    : undefined;
  return { file, path: '', ...(whereOf(e, text, root, undef) ?? end), message: `template: ${message}` };
};

/** Template tags that read another file: a scenario template is one file (and nothing else may be read). */
const OTHER_FILES = new Set(['Include', 'Import', 'FromImport', 'Extends']);

/** Throws, at its place, on the first tag that would read another file. */
const refuseOtherFiles = (root: TemplateNode): void => {
  walkTemplate(root, (node) => {
    if (!OTHER_FILES.has(node.typename)) return;
    const tag = node.typename.replace('FromImport', 'from … import').toLowerCase();
    throw Object.assign(new Error(`{% ${tag} %} is not supported: a scenario template is one file`), {
      lineno: node.lineno + 1,
      colno: node.colno + 1,
    });
  });
};

/** At most this many numbers from `range()`: as many as a host range may name. */
const MAX_RANGE = 100_000;

/** nunjucks' `range`, refusing more than MAX_RANGE numbers (a loop of 10^8 used gigabytes before failing). */
const boundedRange =
  (range: unknown) =>
  (start: number, stop?: number, step = 1): unknown => {
    const [from, to] = stop === undefined ? [0, start] : [start, stop];
    const count = step === 0 ? Infinity : Math.ceil((to - from) / step);
    if (!(count <= MAX_RANGE))
      throw new Error(`range() of ${String(count)} numbers: at most ${String(MAX_RANGE)} are allowed`);
    return (range as (...a: unknown[]) => unknown)(start, stop, step);
  };

interface Rendering {
  root?: TemplateNode | undefined;
  undef?: UndefinedNameError | undefined;
}

const render = (
  loaded: LoadedNunjucks,
  source: string,
  file: string,
  context: Readonly<Record<string, unknown>>,
  state: Rendering,
): { output: string; mapped: boolean } => {
  const { nunjucks, internals } = loaded;
  const env = new nunjucks.Environment(null, { autoescape: false });
  const globals = (env as unknown as { globals?: Record<string, unknown> }).globals ?? {};
  const thrown = (e: UndefinedNameError) => {
    state.undef ??= e;
  };
  const root = internals?.parse(source);
  state.root = root;
  if (root !== undefined) refuseOtherFiles(root);
  env.addGlobal('range', boundedRange(globals['range']));
  const full = root === undefined ? context : withUndefinedNames(root, context, globals, thrown);
  if (internals === undefined || root === undefined)
    return { output: env.renderString(source, full), mapped: false };
  const runtime = (nunjucks as unknown as { runtime: { memberLookup: (o: unknown, k: unknown) => unknown } })
    .runtime;
  for (const [name, helper] of Object.entries(undefinedHelpers(() => runtime.memberLookup, thrown)))
    env.addGlobal(name, helper);
  const nodes = nodesOf(nunjucks);
  const tree = nodes === undefined ? root : rewriteUndefined(root, nodes);
  const mapped = !hasMarkerCharacters(source);
  if (mapped) markLines(tree);
  // the compiled code, made a template as nunjucks itself does it
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const code = new Function(internals.compile(tree, file)) as () => object;
  const template = new nunjucks.Template({ type: 'code', obj: code() } as unknown as string, env, file);
  return { output: template.render(full), mapped };
};

/**
 * Renders a template with `context` (the values of `--vars FILE`, then those of `--var`): the rendered text
 * starts with a line that says where it comes from. A syntax or rendering error is a problem at the
 * template's line and column when nunjucks knows them.
 * @internal
 */
export const renderTemplate = (
  source: string,
  file: string,
  context: Readonly<Record<string, unknown>>,
): E.Either<ScenarioProblem[], RenderedTemplate> => {
  let result: { output: string; mapped: boolean };
  const state: Rendering = {};
  try {
    result = render(loadNunjucks(), source, file, context, state);
  } catch (e: unknown) {
    return E.left([engineProblem(source, file, e, state.root, state.undef)]);
  }
  const header = `# rendered from ${path.basename(file)} by rxjobs: edit that file, not this one\n`;
  if (!result.mapped) {
    const text = header + result.output;
    return E.right({ text, lines: text.split('\n').map(() => 0), unmapped: true });
  }
  const { text, lines } = readLines(result.output);
  return E.right({ text: header + text, lines: [0, 0, ...lines.slice(1)], unmapped: false });
};
