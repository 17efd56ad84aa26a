import type { Observable } from 'rxjs';
import { defer } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
import type { Node } from '../nodes/node.js';
import { shellQuote } from '../nodes/shell-quote.js';
import type { Arg, CommandContext } from './command.js';
import { RUN_KEYS, shown } from './command.js';
import type { RunCommandOptions } from './shell-command.js';
import { ShellCommand } from './shell-command.js';
import type { Variables } from './variables.js';

/** Declared beside ShellCommand, which is generic over it; exported from here as before. */
export type { RunCommandOptions } from './shell-command.js';

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
