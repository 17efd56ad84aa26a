import type { Observable } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
import type { Node } from '../nodes/node.js';
import { shellJoin } from '../nodes/shell-quote.js';
import { captureInto } from './capture.js';
import type { Arg, Command, CommandContext } from './command.js';
import { checkArgs, evaluate, splitOptions } from './command.js';
import { runScript } from './remote-script.js';
import type { RunScriptOptions } from './run-script.js';
import type { Variables } from './variables.js';

/** Options of {@link RunString}. @category models */
export interface RunStringOptions extends RunScriptOptions {
  /** File name the script gets on the node (default `script`); shows in `ps` and in the script's `$0`. */
  readonly remoteName?: string | undefined;
}

/**
 * A script given as text (with its `#!` line, or run by `sh`), copied to the node and run there with the
 * given arguments, like {@link RunScript}. `{{name}}` in the text is replaced by the job's variables.
 * @example
 * new RunString('#!/bin/bash\nfor i in $(seq "$1"); do echo "$i"; done', 3, { remoteName: 'count.sh' })
 * @category constructors
 */
export class RunString implements Command {
  readonly script: string;
  readonly args: readonly Arg[];
  readonly options: RunStringOptions;

  constructor(script: string, ...rest: (Arg | RunStringOptions)[]) {
    const { args, options } = splitOptions<RunStringOptions>(rest);
    this.script = script;
    this.args = checkArgs('RunString', args);
    this.options = options;
  }

  get label(): string {
    return this.options.label ?? `RunString: ${this.describe()}`;
  }

  get allowedExits(): readonly (number | string)[] {
    return this.options.allowedExits ?? [];
  }

  /** The first meaningful line of the script (cut at 30 characters), then the arguments. */
  describe(variables?: Variables): string {
    const first =
      this.script
        .split('\n')
        .find((l) => l.trim() !== '' && !l.startsWith('#'))
        ?.trim() ?? '';
    const text = first.length > 30 ? `${first.slice(0, 30)}...` : first;
    const args = this.args.map((a) => (variables === undefined ? String(a) : evaluate(a, variables)));
    return [this.options.remoteName ?? text, shellJoin(args)].filter((s) => s !== '').join(' ');
  }

  run(node: Node, context: CommandContext): Observable<CommandEvent> {
    const body = context.variables.expand(this.script);
    return runScript(node, {
      body: body.startsWith('#!') ? body : `#!/bin/sh\n${body}`,
      name: this.options.remoteName ?? 'script',
      args: this.args.map((a) => evaluate(a, context.variables)),
      includes: this.options.includes ?? [],
      exec: { env: this.options.env, stdin: this.options.stdin, pty: this.options.pty },
    }).pipe(captureInto(this.options.capture, context.variables, this.allowedExits));
  }
}
