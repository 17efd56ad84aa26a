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
