/**
 * A LocalNode's exec: `shell -c command` as the leader of a new process group, its output as command events.
 * @module
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { Observable } from 'rxjs';

import { ConfigError } from '../../errors/config-error.js';
import { JobsError } from '../../errors/jobs-error.js';
import type { ChunkEvent, CommandEvent, LineEvent, NodeRef } from '../command-event.js';
import { exitEvent } from '../command-event.js';
import type { ExecOptions } from '../node.js';
import type { OutputSink } from '../output-sink.js';
import { outputSink } from '../output-sink.js';
import { feedStdin } from '../stdin-feed.js';
import { killGroup } from './process-group.js';

/** What {@link localExec} needs of its LocalNode. @internal */
export interface LocalExecHost {
  /** The node, in events. */
  readonly node: NodeRef;
  /** The node in errors: `LocalNode "label"`. */
  readonly subject: string;
  readonly shell: string;
  readonly killGrace: number;
  /** Keeps a kill going until it ends: the node's `close()` waits for it. */
  track(pending: Promise<unknown>): Promise<void>;
}

/** The error of a shell that cannot be started: a `ConfigError` naming `shell` when it is missing or not runnable. */
const spawnError = (host: LocalExecHost, command: string, e: Error): JobsError => {
  const problem = `cannot run ${JSON.stringify(command)}: ${e.message}`;
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EACCES'
    ? new ConfigError(host.subject, 'shell', `(${host.shell}) ${problem}`, { cause: e })
    : new JobsError(`${host.node.label}: ${problem}`, { cause: e });
};

/**
 * Runs `shell -c command` (see `LocalNode.exec`); unsubscribing before the exit kills the command's process
 * group (SIGTERM, then SIGKILL after `killGrace` ms).
 * @internal
 */
export function localExec(
  host: LocalExecHost,
  command: string,
  options: ExecOptions,
): Observable<CommandEvent> {
  return new Observable<CommandEvent>((subscriber) => {
    if (options.pty === true) {
      subscriber.error(
        new ConfigError(host.subject, 'pty', 'is not available: LocalNode runs commands without a pty'),
      );
      return undefined;
    }
    const emit = (event: LineEvent | ChunkEvent) => {
      subscriber.next(event);
    };
    let sink: OutputSink; // line events, or chunk events
    try {
      sink = outputSink(options.output, host.node, emit, host.subject, options.maxLineBytes);
    } catch (e: unknown) {
      subscriber.error(e);
      return undefined;
    }
    const { env, stdin } = options;
    // stdout and stderr are pipes, whatever overload the union of stdin modes picks
    const child = spawn(host.shell, ['-c', command], {
      detached: true, // its own process group, killed as a whole
      env: env === undefined ? process.env : { ...process.env, ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
    let running = true;
    let stopStdin = (): void => undefined; // stops reading a stdin stream
    const outputs = [
      [child.stdout, 'stdout'],
      [child.stderr, 'stderr'],
    ] as const;
    for (const [stream, name] of outputs) {
      stream.on('data', (chunk: Buffer) => {
        sink.push(name, chunk);
      });
      stream.on('end', () => {
        sink.end(name);
      });
      stream.on('error', () => undefined); // the child's 'close' follows
    }
    // a held flow stops reading the pipes: the child blocks on its writes once they are full
    const detach = options.flow?.attach(
      {
        pause: () => {
          for (const [stream] of outputs) stream.pause();
        },
        resume: () => {
          for (const [stream] of outputs) stream.resume();
        },
      },
      host.node.label,
    );
    child.on('error', (e) => {
      // a failed spawn (no pid, nothing to kill); the teardown kills the group in any other case
      subscriber.error(spawnError(host, command, e));
    });
    child.on('close', (code, signal) => {
      running = false;
      stopStdin();
      detach?.();
      for (const [, name] of outputs) sink.end(name); // no-op when 'end' came
      subscriber.next(exitEvent(host.node, code, signal, command));
      subscriber.complete();
    });
    if (child.stdin !== null) {
      child.stdin.on('error', () => undefined); // EPIPE: the command did not read it all
      stopStdin = feedStdin(child.stdin, '', stdin, (e) => {
        subscriber.error(e); // the teardown kills the command
      });
    }
    return () => {
      stopStdin();
      detach?.();
      if (running && child.pid !== undefined) void host.track(killGroup(child.pid, host.killGrace));
      for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
    };
  });
}
