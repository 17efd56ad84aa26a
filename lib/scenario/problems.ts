/**
 * The problems found in a scenario file, and how they are written out.
 * @module
 */

/**
 * One problem of a scenario file: where it is (`path` in the data, such as `jobs[3].commands[0].type`, and
 * the line and column in the file, both from 1, when known) and what it is.
 * @category models
 */
export interface ScenarioProblem {
  /** The file, as it was named to `loadScenario` or `parseScenario`. */
  readonly file: string;
  /** The field at fault, `nodes[0].gateway`; `''` for the whole file. */
  readonly path: string;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
  readonly message: string;
}

/** A path in the data of a scenario file: keys and list indices. @category models */
export type DataPath = readonly (string | number)[];

/** A problem before it is located in the file: `at` says whether the key or its value is at fault. @internal */
export interface RawProblem {
  readonly path: DataPath;
  readonly message: string;
  readonly at: 'key' | 'value';
  /** A local file that a command reads is missing: a warning for a dry run or a graph, an error for a run. */
  readonly missingFile?: true;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * A data path as text: `jobs[3].commands[0].type`, `nodes.gw.hostname` (the map form), and
 * `variables["a b"]` for a key that is not a plain name.
 * @category combinators
 */
export const formatPath = (path: DataPath): string =>
  path
    .map((k, i) =>
      typeof k === 'number'
        ? `[${String(k)}]`
        : PLAIN_KEY.test(k)
          ? `${i === 0 ? '' : '.'}${k}`
          : `[${JSON.stringify(k)}]`,
    )
    .join('');

/** `file:line:column: path: message`, or without the parts that are not known. */
const formatProblem = (p: ScenarioProblem): string => {
  const where = p.line === undefined ? p.file : `${p.file}:${String(p.line)}:${String(p.column ?? 1)}`;
  return `${where}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`;
};

/**
 * The problems, one per line, as compilers write them (`scenario.yaml:12:7: jobs[3].commands[0].type:
 * expected one of Run, RunScript, RunString, Push, Pull`), so that editors can jump to them.
 * @example
 * pipe(loadScenario(file), E.getOrElseW((problems) => { console.error(formatProblems(problems)); process.exit(2); }));
 * @category combinators
 */
export const formatProblems = (problems: readonly ScenarioProblem[]): string =>
  problems.map(formatProblem).join('\n');

/** Problems sorted by position in the file (those without one last), stably. @internal */
export const sortProblems = (problems: readonly ScenarioProblem[]): ScenarioProblem[] =>
  problems
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) =>
        (a.p.line ?? Infinity) - (b.p.line ?? Infinity) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i,
    )
    .map(({ p }) => p);
