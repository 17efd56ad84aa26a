/**
 * What the commands and transfers of an SshNode use of it: its connection, its hold, its pending kills.
 * @module
 */
import type { NodeRef } from '../command-event.js';
import type { SshConnection } from './ssh-connection.js';

/** Where an exec runs: a connection to open, and where to record kills still running. @internal */
export interface ExecHost {
  readonly node: NodeRef;
  /** `user@host:port` with its gateways: how errors name the node. */
  readonly name: string;
  connect(): Promise<SshConnection>;
  /** Records a cleanup that `close()` must wait for. */
  track(cleanup: Promise<void>): void;
  /**
   * Calls `stop` when the node's `close()` begins, while the command is in progress; returns a function to
   * stop listening.
   */
  onClosing(stop: () => void): () => void;
  readonly killGrace: number;
  /**
   * Counts a use of the node, which keeps its connection open; the function returned ends it (the
   * connection then closes after the node's linger if nothing else uses it).
   */
  hold(): () => void;
}
