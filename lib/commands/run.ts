import type { Observable } from 'rxjs';
import { defer } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
import type { ExecOptions, Node, OutputMode } from '../nodes/node.js';
import { shellQuote } from '../nodes/shell-quote.js';
import { captureInto } from './capture.js';
import type { Arg, Command, CommandContext, CommandOptions } from './command.js';
import { checkArgs, shown, splitOptions } from './command.js';
import type { Variables } from './variables.js';

/** Options of {@link Run}. @category models */
export interface RunCommandOptions extends CommandOptions {
  /** Store the command's stdout in this variable of the job (one final newline removed). */
  readonly capture?: string | undefined;
  /** Environment variables for the command. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Bytes for the command's stdin. */
  readonly stdin?: string | Buffer | undefined;
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
export class Run implements Command {
  readonly args: readonly Arg[];
  readonly options: RunCommandOptions;

  constructor(command: Arg, ...rest: (Arg | RunCommandOptions)[]) {
    const { args, options } = splitOptions<RunCommandOptions>([command, ...rest]);
    this.args = checkArgs('Run', args);
    this.options = options;
  }

  get label(): string {
    return this.options.label ?? this.describe();
  }

  get allowedExits(): readonly (number | string)[] {
    return this.options.allowedExits ?? [];
  }

  /** The command line for these variables (a function argument is shown as `<fn>` without them). */
  describe(variables?: Variables): string {
    const [head, ...tail] = this.args.map((arg) => shown(arg, variables));
    return [head ?? '', ...tail.map(shellQuote)].join(' ');
  }

  run(node: Node, context: CommandContext): Observable<CommandEvent> {
    return defer(() => {
      const options: ExecOptions = {
        env: this.options.env,
        stdin: this.options.stdin,
        pty: this.options.pty,
        output: this.options.output ?? context.output,
      };
      return node
        .exec(this.describe(context.variables), options)
        .pipe(captureInto(this.options.capture, context.variables, this.allowedExits));
    });
  }
}
