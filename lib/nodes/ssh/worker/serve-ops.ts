/**
 * The worker's side of the operations of its nodes: each command or transfer runs on the worker's own
 * SshNode, and what it gives goes back to the main thread as messages.
 * @module
 */
import type { Subscription } from 'rxjs';

import { Flow } from '../../flow.js';
import type { Node } from '../../node.js';
import type { StdinChunk } from '../../stdin-feed.js';
import type { FromWorker, WireExec, WireTransfer } from './protocol.js';
import { OUTPUT_CREDIT } from './protocol.js';
import { toWire } from './wire-error.js';

/** Posts a message to the main thread (transferring `transfer`). @internal */
export type Post = (message: FromWorker, transfer?: readonly ArrayBuffer[]) => void;

/** What the worker keeps of an operation in progress: how the main thread's messages reach it. @internal */
export interface ServedOp {
  cancel(): void;
  pause?(): void;
  resume?(): void;
  ack?(bytes: number): void;
  stdin?(chunk: StdinChunk): void;
  stdinEnd?(): void;
}

/**
 * A stdin stream fed by the main thread's `stdin` messages: each chunk the command takes is acknowledged
 * (`stdin-ack`), which lets the main thread send more.
 */
class StdinQueue implements AsyncIterable<StdinChunk> {
  readonly #chunks: StdinChunk[] = [];
  #ended = false;
  #wake: (() => void) | undefined;
  readonly #taken: (bytes: number) => void;

  constructor(taken: (bytes: number) => void) {
    this.#taken = taken;
  }

  push(chunk: StdinChunk): void {
    this.#chunks.push(chunk);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<StdinChunk> {
    this.#taken(0); // the feed starts: the main thread starts reading the caller's stream
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) {
        this.#taken(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength);
        yield chunk;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}

/**
 * Runs a command on `node` (always in chunks: the main thread cuts lines) and posts its output and end. The
 * output not yet acknowledged by the main thread is bounded: above {@link OUTPUT_CREDIT} bytes the command's
 * reading is held, as a full consumer holds a flow. @internal
 */
export function serveExec(node: Node, op: number, command: string, exec: WireExec, post: Post): ServedOp {
  const flow = new Flow();
  let unacked = 0;
  let creditHold: (() => void) | undefined;
  let userHold: (() => void) | undefined;
  const queue =
    exec.stdinStream === true
      ? new StdinQueue((bytes) => {
          post({ t: 'stdin-ack', op, bytes });
        })
      : undefined;
  const stdin = queue ?? (exec.stdin instanceof Uint8Array ? Buffer.from(exec.stdin) : exec.stdin);
  const subscription: Subscription = node
    .exec(command, { env: exec.env, pty: exec.pty, stdin, output: 'chunks', flow })
    .subscribe({
      next: (event) => {
        if (event.type === 'exit') {
          post({ t: 'exit', op, code: event.code, signal: event.signal });
          return;
        }
        if (event.type !== 'chunk') return;
        // a copy in an ArrayBuffer of its own, transferred: ssh2's buffer may share its memory
        const data = new Uint8Array(event.bytes).buffer;
        post({ t: 'chunk', op, stream: event.stream, data }, [data]);
        unacked += data.byteLength;
        if (unacked > OUTPUT_CREDIT && creditHold === undefined) creditHold = flow.hold();
      },
      error: (e: unknown) => {
        post({ t: 'error', op, error: toWire(e) });
      },
      complete: () => {
        post({ t: 'done', op });
      },
    });
  return {
    cancel: () => {
      subscription.unsubscribe();
    },
    pause: () => {
      userHold ??= flow.hold();
    },
    resume: () => {
      userHold?.();
      userHold = undefined;
    },
    ack: (bytes) => {
      unacked -= bytes;
      if (unacked <= OUTPUT_CREDIT / 2 && creditHold !== undefined) {
        creditHold();
        creditHold = undefined;
      }
    },
    stdin: (chunk) => queue?.push(chunk),
    stdinEnd: () => queue?.end(),
  };
}

/** Runs a transfer on `node` and posts its end (and, when asked, each renamed entry). @internal */
export function serveTransfer(node: Node, op: number, transfer: WireTransfer, post: Post): ServedOp {
  const observer = {
    error: (e: unknown) => {
      post({ t: 'error', op, error: toWire(e) });
    },
    complete: () => {
      post({ t: 'done', op });
    },
  };
  let subscription: Subscription;
  if (transfer.kind === 'writeFile') {
    const data = transfer.data instanceof Uint8Array ? Buffer.from(transfer.data) : transfer.data;
    subscription = node.writeFile(transfer.path, data, transfer.mode).subscribe(observer);
  } else {
    const onRenamed = transfer.renamed
      ? (remote: string, local: string) => {
          post({ t: 'renamed', op, remote, local });
        }
      : undefined;
    const options = { preserve: transfer.preserve, onRenamed };
    subscription = (
      transfer.kind === 'push'
        ? node.push(transfer.paths, transfer.dir, options)
        : node.pull(transfer.paths, transfer.dir, options)
    ).subscribe(observer);
  }
  return {
    cancel: () => {
      subscription.unsubscribe();
    },
  };
}
