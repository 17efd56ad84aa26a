const TEMPLATE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The names of the `{{name}}`s in `text`, as {@link Variables.expand} sees them. @internal */
export const templateNamesIn = (text: string): string[] =>
  Array.from(text.matchAll(TEMPLATE), (m) => m[1] as string);

/**
 * Named values shared by the commands of one or several jobs: a command's `capture` stores its stdout here,
 * and later commands use it as `{{name}}` in their text (or through a function argument).
 *
 * Scopes: variables made with a `parent` (`new Variables([], shared)`) read a name they do not hold from
 * their parent (and its parent...), while what is stored in them (a capture) stays theirs: give each member
 * of a group its own scope over the shared variables, and a capture made on one host is that host's, yet
 * every host still reads the shared values. `size`, `keys()` and iteration see only the own values.
 * @example
 * const vars = new Variables();
 * new SshJob(node, [new Run('hostname', { capture: 'host' }), new Run('echo {{host}}')], { variables: vars });
 * @category constructors
 */
export class Variables extends Map<string, string> {
  /** Where a name not held here is read: an enclosing scope, or undefined. */
  readonly parent: Variables | undefined;

  constructor(entries?: Iterable<readonly [string, string]> | null, parent?: Variables) {
    super(entries);
    this.parent = parent;
  }

  /** The value of `name` here, else in the parent scopes, innermost first. */
  override get(name: string): string | undefined {
    return super.get(name) ?? this.parent?.get(name);
  }

  /** Whether `name` has a value here or in a parent scope. */
  override has(name: string): boolean {
    return super.has(name) || this.parent?.has(name) === true;
  }

  /**
   * Replaces each `{{name}}` by the variable's value. Names not defined are left as they are, so that other
   * template languages (`{{.State}}`, `{{ x | y }}`) pass through.
   */
  expand(text: string): string {
    return text.replace(TEMPLATE, (whole, name: string) => this.get(name) ?? whole);
  }
}
