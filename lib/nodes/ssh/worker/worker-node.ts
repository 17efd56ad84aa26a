/**
 * The main thread's side of an SshNode that lives in a worker thread: where it lives (placed on first use,
 * placed again when its worker died), and its operations as messages.
 * @module
 */
import { Observable } from 'rxjs';

import { SshError } from '../../../errors/ssh-error.js';
import type { CommandEvent, NodeRef } from '../../command-event.js';
import type { ExecOptions, TransferOptions } from '../../node.js';
import type { SshWorker } from './pool.js';
import { placeNode } from './pool.js';
import type { FromWorker, WireTransfer } from './protocol.js';
import { fromWire } from './wire-error.js';
import type { WorkerHome } from './worker-exec.js';
import { workerExec } from './worker-exec.js';

let serial = 0;

/** An SshNode's operations, run by its twin in a worker thread. @internal */
export class WorkerNode {
  readonly #ref: NodeRef;
  readonly #name: string;
  readonly #options: () => Readonly<Record<string, unknown>>;
  readonly #size: number;
  readonly #gateway: WorkerNode | undefined;
  #home: WorkerHome | undefined;
  /** The holds taken and not released: each keeps its worker alive, until released or voided by close(). */
  readonly #holds = new Map<number, SshWorker>();

  /**
   * @param options the node's options as plain data (its secrets included, its gateway left out)
   * @param size how many workers the pool may start
   * @param gateway the twin of the node's gateway: the node lives in its worker, behind it
   */
  constructor(
    ref: NodeRef,
    name: string,
    options: () => Readonly<Record<string, unknown>>,
    size: number,
    gateway?: WorkerNode,
  ) {
    this.#ref = ref;
    this.#name = name;
    this.#options = options;
    this.#size = size;
    this.#gateway = gateway;
  }

  /** Its home, placed on first use (and after its worker died: that worker's connections died with it). */
  #place(): WorkerHome {
    const home = this.#home;
    // behind a gateway: where the gateway is (placed again when its worker died)
    const gateway = this.#gateway === undefined ? undefined : this.#gateway.#place();
    if (
      home !== undefined &&
      home.worker.dead === undefined &&
      home.worker === (gateway?.worker ?? home.worker)
    )
      return home;
    const options = this.#options();
    let worker: SshWorker;
    if (gateway === undefined) {
      const { hostname, port } = options as { hostname: string; port?: number | undefined };
      worker = placeNode(this.#size, `${hostname}:${String(port ?? 22)}`);
    } else {
      worker = gateway.worker;
      worker.nodes++;
    }
    const node = ++serial;
    const gatewayNode = gateway?.node;
    worker.post({ t: 'node', node, options, gatewayNode });
    this.#home = { worker, node };
    return this.#home;
  }

  #crash = (e: Error): Error => new SshError(this.#name, e.message, { cause: e });

  exec(command: string, options: ExecOptions): Observable<CommandEvent> {
    return workerExec(() => this.#place(), this.#ref, this.#name, command, options, this.#crash);
  }

  transfer(transfer: WireTransfer, options: TransferOptions = {}): Observable<never> {
    return new Observable<never>((subscriber) => {
      let home: WorkerHome;
      try {
        home = this.#place();
      } catch (e: unknown) {
        subscriber.error(e);
        return undefined;
      }
      const { worker } = home;
      let finished = false;
      const message = (m: FromWorker): void => {
        if (m.t === 'renamed') {
          options.onRenamed?.(m.remote, m.local);
          return;
        }
        if (m.t !== 'done' && m.t !== 'error') return;
        finished = true;
        worker.end(op);
        if (m.t === 'done') subscriber.complete();
        else subscriber.error(fromWire(m.error));
      };
      const op = worker.start((id) => ({ t: 'transfer', op: id, node: home.node, transfer }), {
        message,
        crashed: (e) => {
          if (finished) return;
          finished = true;
          subscriber.error(this.#crash(e));
        },
      });
      return () => {
        if (finished) return;
        finished = true;
        worker.end(op);
        worker.post({ t: 'cancel', op });
      };
    });
  }

  /** Asks something of the node's worker, answered by `done` or `error`; nothing when it has no worker. */
  #ask(what: (op: number, node: number) => Parameters<SshWorker['post']>[0]): Promise<void> {
    const home = this.#home;
    if (home === undefined || home.worker.dead !== undefined) return Promise.resolve();
    const { worker } = home;
    return new Promise((resolve, reject) => {
      const op = worker.start((id) => what(id, home.node), {
        message: (m) => {
          if (m.t !== 'done' && m.t !== 'error') return;
          worker.end(op);
          if (m.t === 'done') resolve();
          else reject(fromWire(m.error));
        },
        crashed: () => {
          resolve(); // its connections are gone with it
        },
      });
    });
  }

  /** SshNode.hold(): the worker's node is held until the function returned is called. */
  hold(): () => Promise<void> {
    const home = this.#place();
    const { worker } = home;
    let releasing: Promise<void> | undefined;
    // the hold keeps the process alive, as an open connection held by a job does
    const op = worker.start((id) => ({ t: 'hold', op: id, node: home.node }), {
      message: () => undefined,
      crashed: () => {
        this.#holds.delete(op);
      },
    });
    this.#holds.set(op, worker);
    return () => {
      releasing ??= new Promise<void>((resolve) => {
        // released already by close() (which voids the holds taken before it), or its worker died
        if (!this.#holds.delete(op) || worker.dead !== undefined) {
          resolve();
          return;
        }
        worker.end(op);
        void this.#ask((id) => ({ t: 'release', op: id, hold: op })).finally(resolve);
      });
      return releasing;
    };
  }

  discard(path: string): void {
    const home = this.#home;
    if (home === undefined || home.worker.dead !== undefined) return;
    home.worker.post({ t: 'discard', node: home.node, path });
  }

  /** SshNode.close(): voids the holds taken before it (the worker's close() does the same with its own). */
  close(): Promise<void> {
    for (const [op, worker] of this.#holds) worker.end(op);
    this.#holds.clear();
    return this.#ask((op, node) => ({ t: 'close', op, node }));
  }
}
