/**
 * The template step of loading a scenario: a `.j2` file is rendered before its YAML is read, and the problems
 * found in the rendered text are put back on the template's lines.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js';

import type { ScenarioProblem } from '../problems.js';
import { sortProblems } from '../problems.js';
import { onTemplateLines } from './map-problems.js';
import { isTemplateFile, renderTemplate } from './render-template.js';

/** The template options of `parseScenario`. @internal */
export interface TemplateOptions {
  /** Values for a `.j2` file's template (`--vars FILE`); `variables` (`--var`) go over them. */
  readonly templateValues?: Readonly<Record<string, unknown>> | undefined;
  readonly variables?: Readonly<Record<string, string>> | undefined;
  /** Called with the rendered text of a `.j2` file (`--save-rendered`), before its YAML is read. */
  readonly onRendered?: ((text: string) => void) | undefined;
}

/** The YAML text of a scenario, and how its problems find their lines in the file. @internal */
export interface YamlSource {
  readonly yaml: string;
  readonly onFileLines: (problems: readonly ScenarioProblem[]) => ScenarioProblem[];
}

/**
 * The YAML text of a scenario file: the file's text, or, for a name ending in `.j2`, its rendering (nunjucks,
 * Jinja's syntax) with `templateValues` then `variables`; a template error is a problem at its line.
 * @internal
 */
export const yamlSource = (
  text: string,
  file: string,
  options: TemplateOptions,
): E.Either<ScenarioProblem[], YamlSource> => {
  if (!isTemplateFile(file)) return E.right({ yaml: text, onFileLines: (p) => [...p] });
  const context = { ...options.templateValues, ...options.variables };
  const rendered = renderTemplate(text, file, context);
  if (E.isLeft(rendered)) return rendered;
  options.onRendered?.(rendered.right.text);
  return E.right({
    yaml: rendered.right.text,
    onFileLines: (problems) => sortProblems(onTemplateLines(problems, text, rendered.right)),
  });
};
