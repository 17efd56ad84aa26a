import type { Observable } from 'rxjs';
import { concat, defer, from, lastValueFrom } from 'rxjs';

import type { Command } from './commands/command.js';
import { Run } from './commands/run.js';
import { Variables } from './commands/variables.js';
import { ConfigError } from './core/errors/config-error.js';
import type { JobOptions } from './core/job.js';
import { Job } from './core/job.js';
import type { CommandEvent } from './nodes/command-event.js';
import type { Node } from './nodes/node.js';
import { throwOnFailure } from './nodes/operators.js';

/** Options of an {@link SshJob}: a job's options, plus its variables. @category models */
export interface SshJobOptions extends JobOptions {
  /** Where `capture` stores outputs and `{{name}}` reads them; share one between jobs to pass values on. */
  readonly variables?: Variables | undefined;
  /** Leave the node's connection open after the run (by default the run's shutdown closes it). */
  readonly keepConnection?: boolean | undefined;
  /** How many stderr lines a `CommandFailedError` keeps. Default 10. */
  readonly stderrTail?: number | undefined;
}

/** What `SshJob` accepts as commands: a command line, a command object, or a list of them. @category models */
export type Commands = string | Command | readonly (string | Command)[];

const isCommand = (x: unknown): x is Command =>
  typeof x === 'object' && x !== null && typeof (x as { run?: unknown }).run === 'function';

const isNode = (x: unknown): x is Node =>
  typeof x === 'object' && x !== null && typeof (x as { exec?: unknown }).exec === 'function';

/**
 * A job that runs commands, in order, on one node (an `SshNode` or a `LocalNode`). Every command event (each
 * output line, each exit) is a value of the job on the scheduler's stream. The job fails at the first exit
 * that is neither 0 nor allowed, with a `CommandFailedError` (node, command, exit code or signal, stderr
 * tail), and the commands after it do not run. Its `result()` is the last exit code.
 * @example
 * const node = new SshNode({ hostname: 'fit01' });
 * new SshJob(node, ['apt-get update', new Run('apt-get install -y', pkg)], { label: 'install', critical: true });
 * @category constructors
 */
export class SshJob extends Job<CommandEvent, number | null> {
  readonly node: Node;
  readonly commands: readonly Command[];
  readonly variables: Variables;
  readonly keepConnection: boolean;
  readonly #stderrTail: number | undefined;

  constructor(node: Node, commands: Commands, options: SshJobOptions = {}) {
    super({ ...options, requires: undefined, scheduler: undefined });
    if (!isNode(node))
      throw new ConfigError(`job "${this.label}"`, 'node', 'must be an SshNode or a LocalNode');
    const list = typeof commands === 'string' || isCommand(commands) ? [commands] : commands;
    if (!Array.isArray(list) || list.length === 0)
      throw new ConfigError(
        `job "${this.label}"`,
        'commands',
        'must be a command or a non-empty list of commands',
      );
    this.node = node;
    this.commands = list.map((c: unknown, i) => {
      if (typeof c === 'string') return new Run(c);
      if (isCommand(c)) return c;
      throw new ConfigError(
        `job "${this.label}"`,
        `commands[${String(i)}]`,
        'must be a command line or a command object (Run, RunScript, RunString, Push, Pull)',
      );
    });
    this.variables = options.variables ?? new Variables();
    this.keepConnection = options.keepConnection ?? false;
    this.#stderrTail = options.stderrTail;
    if (options.requires !== undefined) this.requires(options.requires);
    options.scheduler?.add(this);
  }

  protected override work(): Observable<CommandEvent> {
    const context = { variables: this.variables };
    return concat(
      ...this.commands.map((command) =>
        defer(() =>
          command.run(this.node, context).pipe(
            throwOnFailure({
              allowedExits: command.allowedExits,
              command: command.describe(this.variables),
              stderrTail: this.#stderrTail,
            }),
          ),
        ),
      ),
    );
  }

  /** The last exit code (`null` when the last command died of a signal). */
  protected override resultOf(last: CommandEvent | undefined): number | null | undefined {
    return last?.type === 'exit' ? last.code : undefined;
  }

  /** Closes the node's connection (unless `keepConnection`), after the `shutdown` option's hook. */
  override shutdown(): Promise<void> {
    const own = super.shutdown();
    return (async () => {
      if (own !== undefined) await lastValueFrom(from(own), { defaultValue: undefined });
      if (!this.keepConnection) await this.node.close();
    })();
  }

  /** The first command's label, and how many follow (`apt-get update .. + 2`). */
  protected override defaultLabel(): string | undefined {
    // called during construction too, by error messages, before the commands are set
    const commands = this.commands as readonly Command[] | undefined;
    if (commands === undefined) return undefined;
    const more = commands.length > 1 ? ` .. + ${String(commands.length - 1)}` : '';
    return `${commands[0]?.label ?? ''}${more}`;
  }

  /** The node and every command, one per line. */
  override details(): string {
    return [`on ${this.node.toString()}`, ...this.commands.map((c) => c.label)].join('\n');
  }

  override graphLabel(): string {
    return `${this.label}\n${this.node.label}`;
  }
}
