import path from 'node:path';

import type { Observable } from 'rxjs';
import { defer } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
import type { Node } from '../nodes/node.js';
import { shellJoin } from '../nodes/shell-quote.js';
import { captureInto } from './capture.js';
import type { Arg, Command, CommandContext } from './command.js';
import { checkArgs, evaluate, shown, splitOptions } from './command.js';
import { runScript } from './remote-script.js';
import type { RunScriptOptions } from './run-script.js';
import type { Variables } from './variables.js';

/** Options of {@link RunString}. @category models */
export interface RunStringOptions extends RunScriptOptions {
  /** File name the script gets on the node (its base name; default `script`); shows in `ps` and in `$0`. */
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

  /**
   * The remote name, or else the first meaningful line of the script (cut at 30 characters, its `{{name}}`
   * expanded when variables are given), then the arguments.
   */
  describe(variables?: Variables): string {
    const script = variables === undefined ? this.script : variables.expand(this.script);
    const first =
      script
        .split('\n')
        .find((l) => l.trim() !== '' && !l.startsWith('#'))
        ?.trim() ?? '';
    const text = first.length > 30 ? `${first.slice(0, 30)}...` : first;
    const args = this.args.map((a) => shown(a, variables));
    return [this.options.remoteName ?? text, shellJoin(args)].filter((s) => s !== '').join(' ');
  }

  run(node: Node, context: CommandContext): Observable<CommandEvent> {
    // deferred: the variables are read when the command runs, not when its Observable is made
    return defer(() => {
      const body = context.variables.expand(this.script);
      return runScript(node, {
        body: body.startsWith('#!') ? body : `#!/bin/sh\n${body}`,
        name: remoteFileName(this.options.remoteName),
        args: this.args.map((a) => evaluate(a, context.variables)),
        includes: this.options.includes ?? [],
        exec: {
          env: this.options.env,
          stdin: this.options.stdin,
          pty: this.options.pty,
          output: this.options.output ?? context.output,
        },
      });
    }).pipe(captureInto(this.options.capture, context.variables, this.allowedExits));
  }
}

/** The script's file name: the base name of `remoteName` (its directory is the run's own), else `script`. */
const remoteFileName = (remoteName: string | undefined): string => {
  const base = remoteName === undefined ? '' : path.posix.basename(remoteName);
  return base === '' || base === '.' || base === '..' ? 'script' : base;
};
