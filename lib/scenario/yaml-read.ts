/**
 * Reading the YAML of a scenario file: js-yaml for the data (ten times faster than `yaml` on a big file),
 * `yaml`'s Document only to place a problem in the file, or to read a file that js-yaml refuses or might
 * read otherwise (then its errors are the problems, as before the fast path).
 * @module
 */
import * as E from 'fp-ts/lib/Either.js';
import { constructFromEvents, parseEvents } from 'js-yaml';
import type { Document, LineCounter } from 'yaml';

import type { DataPath, ScenarioProblem } from './problems.js';
import { sortProblems } from './problems.js';
import type { AliasCount } from './yaml-aliases.js';
import { aliasProblem, countDocumentAliases, countEventAliases } from './yaml-aliases.js';
import { sameAsYaml, YAML_CORE_SCHEMA } from './yaml-core-schema.js';
import { yamlModule } from './yaml-lazy.js';
import { locate } from './yaml-locate.js';

/** Where a data path is in the file, as `locate` gives it. @internal */
export type Locate = (path: DataPath, at: 'key' | 'value') => { line: number; column: number } | undefined;

/** The data of a YAML text, and where its parts are. @internal */
export interface YamlRead {
  readonly data: unknown;
  /** The line and column of a path's value (or key); parses the text again with `yaml` on its first call. */
  readonly locate: Locate;
  /** Which parser gave `data`: js-yaml, or `yaml` when js-yaml refused the text or might read it otherwise. */
  readonly parser: 'js-yaml' | 'yaml';
}

interface Parsed {
  readonly doc: Document;
  readonly lineCounter: LineCounter;
}

/** `yaml`'s Document, with the options the scenario files have always been read with. */
const parse = (text: string): Parsed => {
  const { LineCounter, parseDocument } = yamlModule();
  const lineCounter = new LineCounter();
  return { doc: parseDocument(text, { lineCounter, prettyErrors: false, merge: true }), lineCounter };
};

const locator = (parsed: Parsed): Locate => {
  return (path, at) => locate(parsed.doc, parsed.lineCounter, path, at);
};

/** The line and column (from 1) of an offset of the text. */
const placeOf = (text: string, offset: number): { line: number; column: number } => {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
};

/** The problem of aliases that copy too much, at the alias past the budget. */
const aliasesProblem = (count: AliasCount & { over: true }, text: string, file: string): ScenarioProblem => ({
  file,
  path: '',
  ...placeOf(text, count.offset),
  message: aliasProblem(count.name, count.limit),
});

/** The data through js-yaml, its alias problem, or undefined when `yaml` must read the text. */
const fast = (text: string, file: string): { data: unknown } | { problem: ScenarioProblem } | undefined => {
  try {
    const events = parseEvents(text, {});
    const same = sameAsYaml(events);
    if (same === false) return undefined;
    if (same.aliases) {
      const aliases = countEventAliases(events, text);
      if (aliases === 'unsure') return undefined;
      if (aliases.over) return { problem: aliasesProblem(aliases, text, file) };
    }
    // merge keys are bounded by the alias count: `yaml` has no such limit, so js-yaml's must not refuse
    const [data] = constructFromEvents(events, {
      source: text,
      schema: YAML_CORE_SCHEMA,
      maxTotalMergeKeys: -1,
    });
    return { data };
  } catch {
    return undefined; // a syntax error, a duplicate key, a complex key...: `yaml` says what it is
  }
};

/** What `yaml` reads: its syntax errors and warnings, each at its place, or the data. */
const slow = (text: string, file: string): E.Either<ScenarioProblem[], YamlRead> => {
  const parsed = parse(text);
  const { doc, lineCounter } = parsed;
  const syntax = [...doc.errors, ...doc.warnings];
  if (syntax.length > 0)
    return E.left(
      sortProblems(
        syntax.map((e) => {
          const { line, col } = lineCounter.linePos(e.pos[0]);
          return { file, path: '', line, column: col, message: e.message };
        }),
      ),
    );
  const aliases = countDocumentAliases(doc);
  if (aliases.over) return E.left([aliasesProblem(aliases, text, file)]);
  try {
    const data: unknown = doc.toJS({ maxAliasCount: -1 });
    return E.right({ data, locate: locator(parsed), parser: 'yaml' });
  } catch (e: unknown) {
    return E.left([{ file, path: '', message: (e as Error).message }]);
  }
};

/**
 * The data of a scenario file's text, read as `yaml`'s `parseDocument(text, { merge: true }).toJS()` reads it
 * (YAML 1.2 core schema, merge keys, unique keys; aliases that copy at most 1 000 000 nodes,
 * or 10 times the file's own), or its YAML problems (syntax errors, then nothing else), each with its line
 * and column. js-yaml reads the data when it can; `yaml` reads the text when js-yaml refuses it (so its
 * errors are the problems) or when the text has what only `yaml` decides the same way as before
 * (directives, explicit tags, an alias of a node from within itself).
 * @example
 * const read = readYaml('jobs: []', 'x.yaml'); // E.right({ data: { jobs: [] }, locate, parser: 'js-yaml' })
 * @internal
 */
export const readYaml = (text: string, file: string): E.Either<ScenarioProblem[], YamlRead> => {
  const read = fast(text, file);
  if (read === undefined) return slow(text, file);
  if ('problem' in read) return E.left([read.problem]);
  let parsed: Parsed | undefined;
  return E.right({
    data: read.data,
    locate: (path, at) => locator((parsed ??= parse(text)))(path, at),
    parser: 'js-yaml',
  });
};
