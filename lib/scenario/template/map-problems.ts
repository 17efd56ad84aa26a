/**
 * Problems found in a rendered template, put back on the template's lines.
 * @module
 */
import type { ScenarioProblem } from '../problems.js';
import type { RenderedTemplate } from './render-template.js';

/**
 * Each problem at the template line its rendered line comes from, with ` (rendered line N)` added; the column
 * is kept when the two lines agree up to it, else it is 1. A rendered line that no template line made (the
 * header; every line when nunjucks' internals were not usable) keeps no line: its message names the
 * rendered line, which `--save-rendered` writes out.
 * @internal
 */
export const onTemplateLines = (
  problems: readonly ScenarioProblem[],
  source: string,
  rendered: RenderedTemplate,
): ScenarioProblem[] => {
  const templateLines = source.split('\n');
  const renderedLines = rendered.text.split('\n');
  return problems.map((p) => {
    if (p.line === undefined) return p;
    const line = rendered.lines[p.line] ?? 0;
    if (line === 0) {
      return {
        file: p.file,
        path: p.path,
        message: `${p.message} (rendered line ${String(p.line)}: see --save-rendered)`,
      };
    }
    const column = p.column ?? 1;
    const same =
      (templateLines[line - 1] ?? '').slice(0, column - 1) ===
      (renderedLines[p.line - 1] ?? '').slice(0, column - 1);
    return {
      ...p,
      line,
      column: same ? column : 1,
      message: `${p.message} (rendered line ${String(p.line)})`,
    };
  });
};
