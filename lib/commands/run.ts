import type { Observable } from 'rxjs';
import { defer } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
import type { Node, OutputMode } from '../nodes/node.js';
import type { StdinStream } from '../nodes/stdin-feed.js';
import { shellQuote } from '../nodes/shell-quote.js';
import type { Arg, CommandContext, CommandOptions } from './command.js';
import { RUN_KEYS, shown } from './command.js';
import { ShellCommand } from './shell-command.js';
import type { Variables } from './variables.js';

/** Options of {@link Run}. @category models */
export interface RunCommandOptions extends CommandOptions {
  /** Store the command's stdout in this variable of the job (one final newline removed). */
  readonly capture?: string | undefined;
  /** Environment variables for the command. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /**
   * The command's stdin: bytes, or a stream (an Observable, a Node.js `Readable`, an async iterable; see
   * `StdinStream`), read once per run.
   */
  readonly stdin?: string | Buffer | StdinStream | undefined;
  /** Run it in a pseudo-terminal. */
  readonly pty?: boolean | undefined;
  /**
   * `'chunks'`: the output as chunk events, as it arrives, instead of a line event per line (see
   * `ExecOptions.output`): the fast path for big outputs. Default: the `output` option of the `SshJob`, else
   * `'lines'`. `capture` and the stderr tail of a failure work the same either way.
   */
  readonly output?: OutputMode | undefined;
}

/**
 * A shell command. The first argument is shell text, used as it is (pipes, redirections, `$VAR`); each further
 * argument is one word, quoted safely. `{{name}}` in any argument is replaced, at run time, by the variable
 * `name` of the job (see {@link Variables}); a function argument is called at run time.
 * @example
 * new Run('tail -n 20', '/var/log/my app.log')       // tail -n 20 '/var/log/my app.log'
 * new Run('hostname', { capture: 'host' })           // stores stdout in the job's variables
 * new Run('grep', '-c', (v) => v.get('pattern') ?? '.', 'data.txt', { allowedExits: [1] })
 * @category constructors
 */
export class Run extends ShellCommand<RunCommandOptions> {
  constructor(command: Arg, ...rest: (Arg | RunCommandOptions)[]) {
    super('Run', [command, ...rest], RUN_KEYS);
  }

  protected defaultLabel(): string {
    return this.describe();
  }

  /** The command line for these variables (a function argument is shown as `<fn>` without them). */
  describe(variables?: Variables): string {
    const [head, ...tail] = this.args.map((arg) => shown(arg, variables));
    return [head ?? '', ...tail.map(shellQuote)].join(' ');
  }

  run(node: Node, context: CommandContext): Observable<CommandEvent> {
    return defer(() =>
      node.exec(this.describe(context.variables), this.execOptions(context)).pipe(this.captured(context)),
    );
  }
}
