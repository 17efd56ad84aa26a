/**
 * The shell text that runs a command over SSH: its shell prints its pid first (for the group kill), reads
 * the command's environment from stdin when it has one, then runs the command.
 *
 * Environment values never go on the command line: sshd runs it as `$SHELL -c '<text>'`, whose argv any
 * user of the host can read with `ps`. They go first on the session's stdin, as `export NAME='value'`
 * lines that the shell reads with `read -r` (which reads a pipe byte by byte, so the command's own stdin
 * that follows is left for it) and `eval`s. With a pty, stdin is a terminal that would echo those lines
 * (and act on control characters): the shell first turns echo and every input processing off
 * (`stty raw -echo -iexten`), then prints its pid line, the sign that the header may come; it restores the
 * terminal before the command starts.
 * @module
 */
import { SshError } from '../../errors/ssh-error.js';
import { shellQuote } from '../shell-quote.js';
import type { StdinStream, StdinTarget } from '../stdin-feed.js';
import { dropStdin, feedStdin } from '../stdin-feed.js';

/** The wrapped command, and what to write on its stdin before the command's own. @internal */
export interface WrappedCommand {
  /** The command line sent to sshd. */
  readonly line: string;
  /** Written to stdin first: the environment's export lines (empty when none). */
  readonly header: string;
  /** The header may be written only once the pid line arrived (pty: echo is off from then on). */
  readonly headerAfterPid: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `export A='1'` lines, each ending with a newline, and how many lines; a bad name is refused. @internal */
export const envExports = (
  env: Readonly<Record<string, string>> | undefined,
): { readonly text: string; readonly lines: number } => {
  let text = '';
  for (const [name, value] of Object.entries(env ?? {})) {
    if (!NAME.test(name)) throw new TypeError(`env: "${name}" is not a variable name`);
    text += `export ${name}=${shellQuote(value)}\n`;
  }
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return { text, lines };
};

// the reader's variables, unset before the command runs
const N = '__rxjobs_n';
const H = '__rxjobs_h';
const L = '__rxjobs_l';
const T = '__rxjobs_t';

/** Reads `lines` lines from stdin and evals them; a stdin that ends first stops the shell (status 125). */
const reader = (lines: number): string =>
  `${N}=${String(lines)}; ${H}=; ` +
  `while [ "$${N}" -gt 0 ] && IFS= read -r ${L}; do ${H}="$${H}$${L}\n"; ${N}=$((${N} - 1)); done; ` +
  `[ "$${N}" = 0 ] || { echo 'rxjobs: the environment did not arrive on stdin' >&2; exit 125; }; ` +
  `eval "$${H}"; `;

/**
 * The command line for `command` with `env`, whose pid line (`<mark><pid>`) goes to stderr, or to stdout
 * with a pty (which merges them).
 * @internal
 */
export const wrapCommand = (
  command: string,
  env: Readonly<Record<string, string>> | undefined,
  pty: boolean,
  mark: string,
): WrappedCommand => {
  const pidLine = `printf '${mark}%s\\n' "$$"${pty ? '' : ' >&2'}; `;
  const { text, lines } = envExports(env);
  if (lines === 0) return { line: `${pidLine}${command}`, header: '', headerAfterPid: false };
  if (!pty)
    return {
      line: `${pidLine}${reader(lines)}unset ${N} ${H} ${L}; ${command}`,
      header: text,
      headerAfterPid: false,
    };
  return {
    line:
      `${T}=$(stty -g) && stty raw -echo -iexten || exit 125; ${pidLine}${reader(lines)}` +
      `stty "$${T}"; unset ${N} ${H} ${L} ${T}; ${command}`,
    header: text,
    headerAfterPid: true,
  };
};

/**
 * Starts the stdin of a wrapped command on its channel: the header, then `stdin`; at once, or (pty with
 * env) once the first line of the pid stream came, through `onHead` (called with whether it was the pid
 * line: if not, a login script printed first, the header could be echoed, and `fail` gets an error
 * instead). `stop` stops it (idempotent); `fail` gets a stream's error too.
 * @internal
 */
export function startStdin(
  channel: StdinTarget,
  wrapped: WrappedCommand,
  stdin: string | Buffer | StdinStream | undefined,
  fail: (e: unknown) => void,
  who: { readonly host: string; readonly command: string },
): { readonly stop: () => void; readonly onHead: ((marked: boolean) => void) | undefined } {
  let stopped = false;
  let stopFeed: (() => void) | undefined;
  const feed = (): void => {
    stopFeed = feedStdin(channel, wrapped.header, stdin, fail);
  };
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    // the feed never started (the pid line never came): the stream is ended all the same, as promised
    if (stopFeed === undefined) dropStdin(stdin);
    else stopFeed();
  };
  if (!wrapped.headerAfterPid) {
    feed();
    return { stop, onHead: undefined };
  }
  const onHead = (marked: boolean): void => {
    if (stopped) return;
    if (marked) feed();
    else
      fail(
        new SshError(
          who.host,
          `env not sent: with a pty, the shell printed something before the command ` +
            `(a login script's output?), so it could be echoed: ${who.command}`,
        ),
      );
  };
  return { stop, onHead };
}
