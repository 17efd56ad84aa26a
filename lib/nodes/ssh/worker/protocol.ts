/**
 * The messages between the main thread and an SSH worker thread: plain data (structured clones), output
 * bytes as transferred ArrayBuffers. One port per worker, so messages arrive in the order they were posted:
 * the events of one command stay in order.
 * @module
 */
import type { OutputStream } from '../../command-event.js';
import type { WireError } from './wire-error.js';

/** What an exec asks of the worker's node: the ExecOptions that are plain data, and flags for the others. */
export interface WireExec {
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly pty?: boolean | undefined;
  /** Fixed bytes (a string is sent as UTF-8). */
  readonly stdin?: string | Uint8Array | undefined;
  /** The stdin is a stream: its chunks come in `stdin` messages, its end in `stdin-end`. */
  readonly stdinStream?: boolean | undefined;
}

/** A transfer: push, pull or writeFile. */
export type WireTransfer =
  | {
      readonly kind: 'push' | 'pull';
      readonly paths: readonly string[];
      readonly dir: string;
      readonly preserve: boolean | undefined;
      /** The main thread has an `onRenamed`: send `renamed` messages. */
      readonly renamed: boolean;
    }
  | {
      readonly kind: 'writeFile';
      readonly path: string;
      readonly data: string | Uint8Array;
      readonly mode: number;
    };

/** Main thread → worker. `op` numbers an operation (a command, a transfer, a hold, a close) of that worker. */
export type ToWorker =
  /** A node, behind the worker's node `gatewayNode` when it has a gateway. */
  | {
      readonly t: 'node';
      readonly node: number;
      readonly options: Readonly<Record<string, unknown>>;
      readonly gatewayNode: number | undefined;
    }
  | {
      readonly t: 'exec';
      readonly op: number;
      readonly node: number;
      readonly command: string;
      readonly exec: WireExec;
    }
  | { readonly t: 'transfer'; readonly op: number; readonly node: number; readonly transfer: WireTransfer }
  | { readonly t: 'cancel'; readonly op: number }
  /** The caller's flow is held (pause) or released (resume). */
  | { readonly t: 'pause' | 'resume'; readonly op: number }
  /** The main thread has handled `bytes` of output of `op`. */
  | { readonly t: 'ack'; readonly op: number; readonly bytes: number }
  | { readonly t: 'stdin'; readonly op: number; readonly chunk: string | Uint8Array }
  | { readonly t: 'stdin-end'; readonly op: number }
  | { readonly t: 'hold'; readonly op: number; readonly node: number }
  /** Ends the hold `hold`: answered with `done` (for `op`) once its release is over. */
  | { readonly t: 'release'; readonly op: number; readonly hold: number }
  | { readonly t: 'discard'; readonly node: number; readonly path: string }
  | { readonly t: 'close'; readonly op: number; readonly node: number };

/** Worker → main thread. */
export type FromWorker =
  | { readonly t: 'chunk'; readonly op: number; readonly stream: OutputStream; readonly data: ArrayBuffer }
  | { readonly t: 'exit'; readonly op: number; readonly code: number | null; readonly signal: string | null }
  /** The operation completed (a transfer, a release, a close). */
  | { readonly t: 'done'; readonly op: number }
  | { readonly t: 'error'; readonly op: number; readonly error: WireError }
  /**
   * The worker's command took `bytes` of its stdin stream; the first (0 bytes) says that its feed started,
   * and so that the main thread may start reading the stream.
   */
  | { readonly t: 'stdin-ack'; readonly op: number; readonly bytes: number }
  | { readonly t: 'renamed'; readonly op: number; readonly remote: string; readonly local: string }
  /** A process warning of the worker, to emit in the main thread. */
  | {
      readonly t: 'warning';
      readonly op?: undefined;
      readonly message: string;
      readonly type: string;
      readonly code: string | undefined;
    };

/** The output not yet acknowledged above which the worker stops reading a command's output. @internal */
export const OUTPUT_CREDIT = 512 * 1024;
/** The main thread acknowledges output by at least this many bytes at a time. @internal */
export const ACK_BYTES = 128 * 1024;
/** The stdin stream's bytes sent but not yet taken by the worker above which the main thread waits. @internal */
export const STDIN_CREDIT = 1024 * 1024;
