import path from 'node:path';

import type { Observable } from 'rxjs';
import { defer } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
import type { Node } from '../nodes/node.js';
import { shellJoin } from '../nodes/shell-quote.js';
import type { Arg, CommandContext } from './command.js';
import { evaluate, shown } from './command.js';
import { runScript } from './remote-script.js';
import { ShellCommand } from './shell-command.js';
import type { RunScriptOptions } from './run-script.js';
import { RUN_SCRIPT_KEYS } from './run-script.js';
import { badOption, optionKeys } from '../errors/option-keys.js';
import type { Variables } from './variables.js';

/** Options of {@link RunString}. @category models */
export interface RunStringOptions extends RunScriptOptions {
  /** File name the script gets on the node (its base name; default `script`); shows in `ps` and in `$0`. */
  readonly remoteName?: string | undefined;
}

/** The keys of {@link RunStringOptions}. @internal */
const RUN_STRING_KEYS = optionKeys([...RUN_SCRIPT_KEYS, 'remoteName']);

/**
 * A script given as text (with its `#!` line, or run by `sh`), copied to the node and run there with the
 * given arguments, like {@link RunScript}. `{{name}}` in the text is replaced by the job's variables.
 * @example
 * new RunString('#!/bin/bash\nfor i in $(seq "$1"); do echo "$i"; done', 3, { remoteName: 'count.sh' })
 * @category constructors
 */
export class RunString extends ShellCommand<RunStringOptions> {
  readonly script: string;

  constructor(script: string, ...rest: (Arg | RunStringOptions)[]) {
    super('RunString', rest, RUN_STRING_KEYS);
    if (typeof script !== 'string') throw badOption('RunString', 'script', 'the text of a script', script);
    this.script = script;
  }

  protected defaultLabel(): string {
    return `RunString: ${this.describe()}`;
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
        exec: this.execOptions(context),
        command: this.describe(context.variables),
      });
    }).pipe(this.captured(context));
  }
}

/** The script's file name: the base name of `remoteName` (its directory is the run's own), else `script`. */
const remoteFileName = (remoteName: string | undefined): string => {
  const base = remoteName === undefined ? '' : path.posix.basename(remoteName);
  return base === '' || base === '.' || base === '..' ? 'script' : base;
};
