import type { Observable } from 'rxjs';
import { catchError, concat, defer, EMPTY, finalize, from, identity, lastValueFrom, throwError } from 'rxjs';

import type { Command } from '../commands/command.js';
import { Run } from '../commands/run.js';
import { Variables } from '../commands/variables.js';
import type { JobContext, ShutdownContext } from '../core/job.js';
import { Job } from '../core/job.js';
import { CommandFailedError } from '../errors/command-failed-error.js';
import { ConfigError } from '../errors/config-error.js';
import { badOption, is } from '../errors/option-keys.js';
import type { CommandEvent } from '../nodes/command-event.js';
import type { ExecOptions, Node, OutputMode } from '../nodes/node.js';
import { checkExecValues } from '../nodes/node-options.js';
import { isOutputMode } from '../nodes/output-sink.js';
import { failOnDisallowedExit } from './fail-on-exit.js';
import type { Commands, SshJobOptions } from './ssh-job-options.js';
import { describeValue, isCommand, isNode, objectOptions } from './ssh-job-options.js';

/**
 * Takes a hold on `node`'s connection; returns its release. A node of the user's own that implements the
 * published `Node` interface has no `hold` (it is internal): nothing to hold then.
 */
const holdNode = (node: Node): (() => Promise<void>) =>
  typeof (node as Partial<Node>).hold === 'function' ? node.hold() : () => Promise.resolve();

/** Resolves when `signal` aborts (never, if it never does). */
const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) resolve();
    else
      signal.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
  });

/**
 * A job that runs commands, in order, on one node (an `SshNode` or a `LocalNode`). Every command event (each
 * output line, or chunk with `output: 'chunks'`; each exit) is a value of the job on the scheduler's stream.
 * A command fails when its exit is neither 0 nor allowed. What follows depends on whether the job is
 * critical in this run (its own `critical`, else its scheduler's), as in apssh:
 * - critical: the job fails at the first failing command, with its `CommandFailedError` (node, command, exit
 *   code or signal, stderr tail), and the commands after it do not run;
 * - not critical: every command runs, and the job then fails with the `CommandFailedError` of the LAST
 *   failing command (its `exitCode` is apssh's result: the last failing code).
 *
 * A transport failure (connection lost, transfer error) stops the job either way. Its `result()`, when it
 * succeeds, is the last exit code. The job holds its node's connection open from the start of its work until
 * its run's shutdown (see `keepConnection`).
 * Unlike a plain `Job`, it is critical unless it or an enclosing scheduler says otherwise (as in apssh).
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
  readonly #output: OutputMode | undefined;
  readonly #exec: Pick<ExecOptions, 'maxLineBytes' | 'flow'>; // passed on to the commands' execs
  /** The keys of {@link SshJobOptions} beyond those of a job (see {@link Job.extraOptions}). */
  protected static override readonly extraOptions: readonly string[] = [
    'variables',
    'keepConnection',
    'stderrTail',
    'output',
    'maxLineBytes',
    'flow',
  ];
  /** The node holds taken by runs of the work, in order; a shutdown releases the first whose work ended. */
  readonly #holds: { readonly release: () => Promise<void>; ended: boolean }[] = [];

  constructor(node: Node, commands: Commands, options: SshJobOptions = {}) {
    super({ ...objectOptions(options), requires: undefined, scheduler: undefined });
    // the commands first: without a label of its own, the job is named after them in the node's error
    const subject = (): string => `job "${this.label}"`;
    const list: unknown = typeof commands === 'string' || isCommand(commands) ? [commands] : commands;
    if (!Array.isArray(list) || list.length === 0)
      throw new ConfigError(
        subject(),
        'commands',
        `must be a command or a non-empty list of commands, got ${describeValue(list)}`,
      );
    this.commands = list.map((c: unknown, i) => {
      if (typeof c === 'string') return new Run(c);
      if (isCommand(c)) return c;
      throw new ConfigError(
        subject(),
        `commands[${String(i)}]`,
        `must be a command line or a command object (Run, RunScript, RunString, Push, Pull), got ${describeValue(c)}`,
      );
    });
    if (!isNode(node))
      throw new ConfigError(
        subject(),
        'node',
        `must be an SshNode or a LocalNode, got ${describeValue(node)}`,
      );
    this.node = node;
    if (options.variables !== undefined && !(options.variables instanceof Variables))
      throw badOption(subject(), 'variables', 'a Variables (new Variables())', options.variables);
    if (options.keepConnection !== undefined && typeof options.keepConnection !== 'boolean')
      throw badOption(subject(), 'keepConnection', 'true or false', options.keepConnection);
    if (options.stderrTail !== undefined && !is.naturalInteger(options.stderrTail))
      throw badOption(subject(), 'stderrTail', 'a number of lines, 0 or more', options.stderrTail);
    this.variables = options.variables ?? new Variables();
    this.keepConnection = options.keepConnection ?? false;
    this.#stderrTail = options.stderrTail;
    if (options.output !== undefined && !isOutputMode(options.output))
      throw new ConfigError(
        subject(),
        'output',
        `must be 'lines' or 'chunks', not ${JSON.stringify(options.output)}`,
      );
    this.#output = options.output;
    this.#exec = { maxLineBytes: options.maxLineBytes, flow: options.flow };
    checkExecValues(subject, this.#exec);
    if (options.requires !== undefined) this.requires(options.requires);
    options.scheduler?.add(this);
  }

  protected override work({ critical }: JobContext): Observable<CommandEvent> {
    const context = { variables: this.variables, output: this.#output, ...this.#exec };
    return defer(() => {
      const hold = { release: holdNode(this.node), ended: false };
      if (!this.keepConnection) this.#holds.push(hold);
      // not critical: a failing command is remembered, and the next one runs
      let failure: CommandFailedError | undefined;
      const goOn = critical
        ? identity
        : catchError<CommandEvent, Observable<never>>((e: unknown) => {
            if (!(e instanceof CommandFailedError)) throw e;
            failure = e;
            return EMPTY;
          });
      return concat(
        ...this.commands.map((command) =>
          defer(() =>
            command
              .run(this.node, context)
              .pipe(failOnDisallowedExit(command, this.variables, this.#stderrTail), goOn),
          ),
        ),
        defer(() => (failure === undefined ? EMPTY : throwError(() => failure))),
      ).pipe(
        finalize(() => {
          hold.ended = true;
        }),
      );
    });
  }

  /** The last exit code (`null` when the last command died of a signal). */
  protected override resultOf(last: CommandEvent | undefined): number | null | undefined {
    return last?.type === 'exit' ? last.code : undefined;
  }

  /** An `SshJob` is critical unless it, or an enclosing scheduler, says otherwise (as in apssh). */
  override get _criticalByDefault(): boolean {
    return true;
  }

  /**
   * After the `shutdown` option's hook, releases the node's connection (unless `keepConnection`): it closes
   * at once if nothing else uses it (another run, a command, a job of another scheduler), once the kills of
   * the commands cancelled are done. It never stops what others run on the node. The release happens however
   * the hook ends: done, thrown, rejected, or still running when `context.signal` aborts (`shutdownTimeout`).
   */
  override shutdown(context: ShutdownContext): Promise<void> {
    const index = this.#holds.findIndex((h) => h.ended);
    const hold = index === -1 ? undefined : this.#holds.splice(index, 1)[0];
    // without a hold of this run's, one taken now and released at the end waits for the kills at least
    const release = hold === undefined ? holdNode(this.node) : hold.release;
    return (async () => {
      try {
        const own = super.shutdown(context);
        if (own !== undefined)
          await Promise.race([
            lastValueFrom(from(own), { defaultValue: undefined }),
            aborted(context.signal),
          ]);
      } finally {
        await release();
      }
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
