/**
 * A command of a node that lives in a worker thread, seen from the main thread: the same Observable of
 * events as `sshExec`'s. The worker sends the output as chunks, cut into lines here (so a message is a
 * chunk, never a line); the caller's flow and a credit of unacknowledged bytes bound the output in flight;
 * a stdin stream is forwarded at the pace the command takes it; unsubscribing cancels the command in the
 * worker, which kills it as `sshExec` does.
 * @module
 */
import { EventEmitter } from 'node:events';

import { Observable } from 'rxjs';

import type { ChunkEvent, CommandEvent, LineEvent, NodeRef } from '../../command-event.js';
import { exitEvent } from '../../command-event.js';
import type { ExecOptions } from '../../node.js';
import type { OutputSink } from '../../output-sink.js';
import { outputSink } from '../../output-sink.js';
import type { StdinChunk, StdinTarget } from '../../stdin-feed.js';
import { dropStdin, feedStdin } from '../../stdin-feed.js';
import type { SshWorker } from './pool.js';
import type { FromWorker, WireExec } from './protocol.js';
import { ACK_BYTES, STDIN_CREDIT } from './protocol.js';
import { fromWire } from './wire-error.js';

/** Where a command of a worker's node runs: the worker and the node's number in it. @internal */
export interface WorkerHome {
  readonly worker: SshWorker;
  readonly node: number;
}

/** The error of a command or transfer whose worker died. @internal */
export type CrashError = (e: Error) => Error;

/** The stdin of the worker's command, as a target for `feedStdin`: chunks go out while the credit lasts. */
class StdinSender extends EventEmitter implements StdinTarget {
  #unacked = 0;
  readonly #send: (chunk: StdinChunk | undefined) => void;

  constructor(send: (chunk: StdinChunk | undefined) => void) {
    super();
    this.#send = send;
  }

  write(chunk: StdinChunk): boolean {
    const copy = typeof chunk === 'string' ? chunk : new Uint8Array(chunk); // the caller may reuse its buffer
    this.#unacked += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    this.#send(copy);
    return this.#unacked < STDIN_CREDIT;
  }

  end(): void {
    this.#send(undefined);
  }

  taken(bytes: number): void {
    const full = this.#unacked >= STDIN_CREDIT;
    this.#unacked -= bytes;
    if (full && this.#unacked < STDIN_CREDIT) this.emit('drain');
  }
}

/** {@link Node.exec} of a node that lives in a worker. @internal */
export function workerExec(
  home: () => WorkerHome,
  node: NodeRef,
  name: string,
  command: string,
  options: ExecOptions,
  crash: CrashError,
): Observable<CommandEvent> {
  return new Observable<CommandEvent>((subscriber) => {
    const emit = (event: LineEvent | ChunkEvent): void => {
      subscriber.next(event);
    };
    let sink: OutputSink;
    let where: WorkerHome;
    try {
      sink = outputSink(options.output, node, emit, name, options.maxLineBytes);
      where = home();
    } catch (e: unknown) {
      subscriber.error(e);
      return undefined;
    }
    const { worker } = where;
    const stdin = options.stdin;
    const streamed = stdin !== undefined && typeof stdin !== 'string' && !Buffer.isBuffer(stdin);
    const exec: WireExec = {
      env: options.env,
      pty: options.pty,
      stdin: streamed ? undefined : stdin,
      stdinStream: streamed,
    };
    let finished = false;
    let toAck = 0;
    let sender: StdinSender | undefined;
    let stopStdin: () => void = () => undefined;
    let startFeed: (() => void) | undefined; // set for a stdin stream, until the worker's feed starts
    const flowTaps: (() => void)[] = []; // what detaches the command from the caller's flow
    const isFinished = (): boolean => finished; // set by the callbacks
    const finish = (): void => {
      finished = true;
      worker.end(op);
      for (const detach of flowTaps) detach();
      stopStdin();
      sender?.emit('close');
    };
    const message = (m: FromWorker): void => {
      switch (m.t) {
        case 'chunk':
          sink.push(m.stream, Buffer.from(m.data));
          toAck += m.data.byteLength;
          if (toAck >= ACK_BYTES && !finished) {
            worker.post({ t: 'ack', op, bytes: toAck });
            toAck = 0;
          }
          return;
        case 'exit':
          sink.end('stdout');
          sink.end('stderr');
          subscriber.next(exitEvent(node, m.code, m.signal, command));
          return;
        case 'stdin-ack':
          if (startFeed !== undefined) {
            startFeed();
            startFeed = undefined;
          }
          sender?.taken(m.bytes);
          return;
        case 'done':
          finish();
          subscriber.complete();
          return;
        case 'error':
          finish();
          subscriber.error(fromWire(m.error));
          return;
        case 'renamed':
          return;
      }
    };
    const op = worker.start((id) => ({ t: 'exec', op: id, node: where.node, command, exec }), {
      message,
      crashed: (e) => {
        if (finished) return;
        finish();
        subscriber.error(crash(e));
      },
    });
    if (isFinished()) return undefined; // the worker was dead already
    // with the node's label, as in the main thread: a hold of that label's view stops this command only
    const detach = options.flow?.attach(
      {
        pause: () => {
          worker.post({ t: 'pause', op });
        },
        resume: () => {
          worker.post({ t: 'resume', op });
        },
      },
      node.label,
    );
    if (detach !== undefined) flowTaps.push(detach);
    if (streamed) {
      const target = new StdinSender((chunk) => {
        if (finished) return;
        worker.post(chunk === undefined ? { t: 'stdin-end', op } : { t: 'stdin', op, chunk });
      });
      sender = target;
      // read once the worker's feed starts (with a pty and env, only after the pid line): a stream never
      // read is ended as it would be in this thread (dropStdin)
      stopStdin = () => {
        dropStdin(stdin);
      };
      startFeed = () => {
        stopStdin = feedStdin(target, '', stdin, (e) => {
          if (finished) return;
          finish();
          worker.post({ t: 'cancel', op }); // the worker kills the command
          subscriber.error(e);
        });
      };
    }
    return () => {
      if (finished) return;
      finish();
      worker.post({ t: 'cancel', op });
    };
  });
}
