/**
 * Loading a scenario file: YAML, then the codecs, then the checks between its parts, every problem at once.
 * @module
 */
import path from 'node:path';

import * as E from 'fp-ts/lib/Either.js';

import type { ApsshDialect } from './apssh/translate.js';
import { translateApssh } from './apssh/translate.js';
import { checkFiles } from './check-files.js';
import { checkGroups } from './check-groups.js';
import { checkReferences } from './check-references.js';
import { ScenarioSpec } from './codecs.js';
import { scenarioParts } from './parts.js';
import type { RawProblem, ScenarioProblem } from './problems.js';
import { formatPath, sortProblems } from './problems.js';
import { reportErrors } from './reporter.js';
import type { VariableOverrides } from './substitute-nodes.js';
import { substituteNodes, withOverrides } from './substitute-nodes.js';
import type { TemplateOptions } from './template/steps.js';
import { yamlSource } from './template/steps.js';
import type { Locate } from './yaml-read.js';
import { readYaml } from './yaml-read.js';
import { readText } from './read-text.js';

/**
 * A scenario file that has no problem: its decoded content, ready for `buildScenario` or
 * `describeScenario`. Durations are still in seconds, as in the file; paths are still as written.
 * @category models
 */
export interface LoadedScenario {
  /** The file, as named to `loadScenario` or `parseScenario`. */
  readonly file: string;
  /** The absolute directory that the scenario's relative local paths are relative to. */
  readonly dir: string;
  readonly spec: ScenarioSpec;
  /** How the file was read when it uses keys of apssh's loader: its dialect and the notes of `--dry-run`. */
  readonly dialect?: ApsshDialect;
  /** Local files that commands read and that are missing, when `missingFiles` is `'warning'`. */
  readonly warnings?: readonly ScenarioProblem[];
}

/** Options of {@link parseScenario}. @category models */
export interface ParseScenarioOptions {
  /** The directory that relative local paths are relative to. Default: the directory of `file`. */
  readonly dir?: string | undefined;
  /**
   * Names that the caller sets in the built scenario's `variables` before the run: `{{name}}` in a command
   * must otherwise be a variable of the file, a built-in, or a capture of one of its commands.
   */
  readonly runtimeVariables?: readonly string[] | undefined;
  /**
   * Values over the file's global `variables` (added when the file has none of that name), as
   * `rxjobs run --var name=value` gives them: set before anything is substituted or checked.
   */
  readonly variables?: VariableOverrides | undefined;
  /**
   * Values for a template (a file whose name ends in `.j2`, rendered with nunjucks in Jinja's syntax before
   * its YAML is read), as `rxjobs run --vars FILE` gives them: any YAML values; `variables` go over them.
   */
  readonly templateValues?: Readonly<Record<string, unknown>> | undefined;
  /** Called with the rendered text of a template before its YAML is read (`rxjobs run --save-rendered`). */
  readonly onRendered?: ((text: string) => void) | undefined;
  /**
   * The directory that relative paths of commands written with apssh's loader keys (`local_script`,
   * `localpaths`, a RunScript's `command`...) are relative to, as apssh opens them. Default: the process's.
   */
  readonly cwd?: string | undefined;
  /**
   * `'warning'`: local files that commands read (scripts, includes, Push sources) may be missing; they are
   * then listed in the result's `warnings` (for a dry run or a graph). Default `'error'`: they are problems.
   */
  readonly missingFiles?: 'error' | 'warning' | undefined;
}

/** Options of {@link loadScenario}: those of {@link parseScenario} but `dir`. @category models */
export type LoadScenarioOptions = Omit<ParseScenarioOptions, 'dir'>;

/**
 * Decodes the text of a scenario file (see `ScenarioSpec` for its format), and reports every problem at once:
 * YAML syntax errors (then nothing else), then `{{name}}`s in node fields that no variable fills (those
 * fields are substituted first, `options.variables` over the file's variables), then each bad, missing or
 * unknown field, then the checks between fields (unique ids, references to nodes and jobs, gateway and
 * requirement cycles, local files that must exist, `{{name}}`s in job labels and commands). Each problem names the file, the field's path and its line and column.
 *
 * A file whose name ends in `.j2` is first rendered as a Jinja template (nunjucks; `options.templateValues`,
 * then `options.variables`; names it does not give are left as `{{ name }}`), and its problems name the
 * template's lines. The keys of apssh's YAML loader (`required`, `localnode`, `local_script`, `localpaths`...)
 * are read as their rxjobs spellings, and problems name the keys as written; `dialect` then says how.
 * @example
 * const loaded = parseScenario('nodes: [{id: here, local: true}]\njobs: [{id: hi, node: here, commands: [echo hi]}]', 'inline.yaml');
 * @category constructors
 */
export function parseScenario(
  text: string,
  file: string,
  options: ParseScenarioOptions = {},
): E.Either<ScenarioProblem[], LoadedScenario> {
  const dir = path.resolve(options.dir ?? path.dirname(file));
  const source = yamlSource(text, file, options satisfies TemplateOptions);
  if (E.isLeft(source)) return source;
  const { yaml, onFileLines } = source.right;
  const read = readYaml(yaml, file);
  if (E.isLeft(read)) return E.left(onFileLines(read.left));
  const { data, locate } = read.right;
  const apssh = translateApssh(data, options.cwd ?? process.cwd());
  const substituted = substituteNodes(withOverrides(apssh.data, options.variables));
  const decoded = ScenarioSpec.decode(substituted.data);
  const parts = scenarioParts(substituted.data, decoded._tag === 'Right' ? decoded.right : undefined);
  // a field whose {{name}} has no value is reported as such, not also as the bad value it is left with
  const unfilled = new Set(substituted.problems.map((p) => formatPath(p.path)));
  const all = [
    ...apssh.problems,
    ...substituted.problems,
    ...[
      ...(decoded._tag === 'Left' ? reportErrors(decoded.left) : []),
      ...checkReferences(parts),
      ...checkFiles(parts, dir, options.runtimeVariables),
      ...checkGroups(parts, dir, options.runtimeVariables),
    ].filter((p) => !unfilled.has(formatPath(p.path))),
  ].map((p) => ({ ...p, path: apssh.original(p.path) }));
  const warn = options.missingFiles === 'warning';
  const raw = warn ? all.filter((p) => p.missingFile !== true) : all;
  const at = (problems: readonly RawProblem[]) => onFileLines(located(problems, locate, file));
  if (raw.length > 0 || decoded._tag === 'Left') return E.left(at(all));
  const warnings = warn && raw.length < all.length ? at(all.filter((p) => p.missingFile === true)) : [];
  return E.right({
    file,
    dir,
    spec: decoded.right,
    ...(apssh.dialect.dialect === 'rxjobs' ? {} : { dialect: apssh.dialect }),
    ...(warnings.length > 0 ? { warnings } : {}),
  });
}

const located = (raw: readonly RawProblem[], locate: Locate, file: string): ScenarioProblem[] =>
  sortProblems(
    raw.map((p) => {
      const at = locate(p.path, p.at);
      return { file, path: formatPath(p.path), ...at, message: p.message };
    }),
  );

/**
 * Reads and decodes a scenario file (see {@link parseScenario}); relative local paths in it are relative to
 * its directory. `options.variables` override the file's global variables (`rxjobs run --var`).
 * @example
 * const loaded = loadScenario('deploy.yaml');
 * if (E.isLeft(loaded)) console.error(formatProblems(loaded.left));
 * else await buildScenario(loaded.right).scheduler.orchestrate();
 * @category constructors
 */
export function loadScenario(
  file: string,
  options: LoadScenarioOptions = {},
): E.Either<ScenarioProblem[], LoadedScenario> {
  const read = readText(file);
  if (E.isLeft(read)) return read;
  const text = read.right;
  return parseScenario(text, file, options);
}
