/**
 * Quotes one argument for a POSIX shell: left alone when it holds only safe characters, otherwise in single
 * quotes (a `'` inside becomes `'\''`).
 * @example
 * shellQuote("it's") // 'it'\''s'
 * @category combinators
 */
export const shellQuote = (arg: string): string =>
  arg !== '' && /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;

/** Quotes each argument and joins them with spaces. @category combinators */
export const shellJoin = (args: readonly string[]): string => args.map(shellQuote).join(' ');

/** `export A='1'; export B='2'; ` for the given variables; a bad name is refused. @internal */
export const envPrefix = (env: Readonly<Record<string, string>> | undefined): string => {
  if (env === undefined) return '';
  let prefix = '';
  for (const [name, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`env: "${name}" is not a variable name`);
    prefix += `export ${name}=${shellQuote(value)}; `;
  }
  return prefix;
};
