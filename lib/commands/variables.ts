const TEMPLATE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The names of the `{{name}}`s in `text`, as {@link Variables.expand} sees them. @internal */
export const templateNamesIn = (text: string): string[] =>
  Array.from(text.matchAll(TEMPLATE), (m) => m[1] as string);

/**
 * Named values shared by the commands of one or several jobs: a command's `capture` stores its stdout here,
 * and later commands use it as `{{name}}` in their text (or through a function argument).
 * @example
 * const vars = new Variables();
 * new SshJob(node, [new Run('hostname', { capture: 'host' }), new Run('echo {{host}}')], { variables: vars });
 * @category constructors
 */
export class Variables extends Map<string, string> {
  /**
   * Replaces each `{{name}}` by the variable's value. Names not defined are left as they are, so that other
   * template languages (`{{.State}}`, `{{ x | y }}`) pass through.
   */
  expand(text: string): string {
    return text.replace(TEMPLATE, (whole, name: string) => this.get(name) ?? whole);
  }
}
