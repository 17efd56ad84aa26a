// What the CLIs may write to a terminal besides text: bold headers (-b), the live view or the progress line.
// NO_COLOR (any non-empty value, no-color.org) and TERM=dumb are honoured; FORCE_COLOR as Node.js reads it;
// RXJOBS_LIVE=0 keeps the one progress line instead of the live view.

/** What a CLI run may draw. */
export interface TerminalStyle {
  /** Bold headers of the `-b` blocks on stdout. */
  readonly color: boolean;
  /**
   * The progress line on stderr: `live` redrawn in place with escapes (`\r\e[K`), `plain` redrawn with `\r`
   * and spaces only (NO_COLOR: no escape sequence at all), `none` (not both a terminal, `-q`, or TERM=dumb:
   * a terminal that cannot redraw a line, such as Emacs's shell).
   */
  readonly progress: 'live' | 'plain' | 'none';
  /**
   * Whether a run's progress may be the live view (a block of lines redrawn with cursor moves) rather than
   * one line: a `live` progress, unless RXJOBS_LIVE is `0`, `false`, `no` or `off`.
   */
  readonly live: boolean;
}

/** The environment variables read here. */
type StyleEnv = Readonly<Record<string, string | undefined>>;

const isSet = (value: string | undefined): value is string => value !== undefined && value !== '';

/**
 * The style of a run writing to `stdout` and `stderr` in environment `env`. `FORCE_COLOR` (as Node.js takes
 * it: `0` or `false` for none, any other value for colors) decides colors first, even on a pipe; then
 * NO_COLOR or TERM=dumb turn them off; then colors go to a terminal only.
 */
export function terminalStyle(
  stdout: { readonly isTTY?: boolean | undefined },
  stderr: { readonly isTTY?: boolean | undefined },
  quiet: boolean,
  env: StyleEnv = process.env,
): TerminalStyle {
  const dumb = env['TERM'] === 'dumb';
  const noColor = isSet(env['NO_COLOR']);
  const force = env['FORCE_COLOR'];
  const color =
    force !== undefined ? force !== '0' && force !== 'false' : !noColor && !dumb && stdout.isTTY === true;
  const terminals = stdout.isTTY === true && stderr.isTTY === true;
  const progress = quiet || !terminals || dumb ? 'none' : noColor ? 'plain' : 'live';
  const live = progress === 'live' && !/^(0|false|no|off)$/i.test(env['RXJOBS_LIVE'] ?? '');
  return { color, progress, live };
}
