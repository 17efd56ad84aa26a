import type { MonoTypeOperatorFunction } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
import type { ExecOptions, OutputMode } from '../nodes/node.js';
import type { StdinStream } from '../nodes/stdin-feed.js';
import { captureInto } from './capture.js';
import type { Arg, Command, CommandContext, CommandOptions } from './command.js';
import { checkArgs, checkCommandOptions, splitOptions } from './command.js';
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
 * What Run, RunScript and RunString share: arguments and options taken as `(...args, options?)`, the label,
 * the allowed exits, the options passed to `exec`, and the capture of stdout. Not exported from the package,
 * yet kept in the declarations (never mark it internal): those of Run, RunScript and RunString extend it.
 */
export abstract class ShellCommand<O extends RunCommandOptions> implements Command {
  readonly args: readonly Arg[];
  readonly options: O;

  protected constructor(what: string, items: readonly unknown[], keys: ReadonlySet<string>) {
    const { args, options } = splitOptions<O>(items);
    checkCommandOptions(what, options, keys);
    this.args = checkArgs(what, args);
    this.options = options as O;
  }

  get label(): string {
    return this.options.label ?? this.defaultLabel();
  }

  get allowedExits(): readonly (number | string)[] {
    return this.options.allowedExits ?? [];
  }

  abstract describe(variables?: Variables): string;
  abstract run(node: Parameters<Command['run']>[0], context: CommandContext): ReturnType<Command['run']>;

  /** The label when none is given. */
  protected abstract defaultLabel(): string;

  /** The options of `exec`: this command's, its `output` defaulting to the job's; the job's line limit and flow. */
  protected execOptions(context: CommandContext): ExecOptions {
    return {
      env: this.options.env,
      stdin: this.options.stdin,
      pty: this.options.pty,
      output: this.options.output ?? context.output,
      maxLineBytes: context.maxLineBytes,
      flow: context.flow,
    };
  }

  /** Stores stdout in the `capture` variable, when asked, once the command exits successfully. */
  protected captured(context: CommandContext): MonoTypeOperatorFunction<CommandEvent> {
    return captureInto(this.options.capture, context.variables, this.allowedExits);
  }
}
