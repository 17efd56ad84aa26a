/**
 * The SSH worker threads of the main thread: started on first use, each the home of the nodes placed in it
 * (their connections, handshakes, channels and SFTP file I/O), so that the encryption and the per-byte work
 * of many connections run on every core.
 * @module
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, SHARE_ENV, Worker } from 'node:worker_threads';

import type { FromWorker, ToWorker } from './protocol.js';

/** How a main-thread operation hears from the worker. @internal */
export interface OpHandler {
  message(m: FromWorker): void;
  /** The worker died: the operation is over, with this error. */
  crashed(e: Error): void;
}

/**
 * How many worker threads the environment asks for: `RXJOBS_SSH_WORKERS=N` (N ≥ 1: nodes run in N workers;
 * `0`: none, in the main thread), `undefined` when unset (the default: none, for now). Always 0 inside a
 * worker. @internal
 */
export const workersWanted = (env: NodeJS.ProcessEnv = process.env): number | undefined => {
  if (!isMainThread) return 0;
  const text = env['RXJOBS_SSH_WORKERS'];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(
      `RXJOBS_SSH_WORKERS must be a whole number, 0 for none, not ${JSON.stringify(text)}`,
    );
  return n;
};

/**
 * The worker's script: `dist/cli/ssh-worker.js` (the bundle beside the CLIs' bundles, whose `import.meta.url`
 * is the bundle's: `./ssh-worker.js` from them), also for the package's modules when it is there, else
 * `ssh-worker.js` beside this module; under tsx (the tests), the TypeScript file, loaded through tsx's
 * loader, which a worker does not inherit.
 */
const startWorker = (): Worker => {
  const here = import.meta.url;
  // the package's modules (tsc's build): the CLIs' bundled script, when the package has it, starts in about
  // a quarter of the CPU time of ~100 ES modules (it carries its own rxjs: nothing of it crosses threads)
  const bundle = new URL('../../../cli/ssh-worker.js', here);
  const script =
    here.endsWith('/nodes/ssh/worker/pool.js') && existsSync(fileURLToPath(bundle))
      ? bundle
      : new URL('./ssh-worker.js', here);
  // one environment for all threads: SSH_AUTH_SOCK, HOME... as this thread sees them when a node connects
  if (!here.endsWith('.ts')) return new Worker(script, { env: SHARE_ENV });
  const target = JSON.stringify(new URL('./ssh-worker.ts', here).href);
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${target}); })`;
  return new Worker(boot, { eval: true, env: SHARE_ENV });
};

/** One worker thread and the operations in progress in it. @internal */
export class SshWorker {
  readonly #worker: Worker;
  readonly #ops = new Map<number, OpHandler>();
  #serial = 0;
  #busy = 0; // operations in progress and holds: the worker keeps the process alive only while > 0
  #dead: Error | undefined;
  /** How many nodes live in it. */
  nodes = 0;

  constructor() {
    this.#worker = startWorker();
    this.#worker.unref();
    this.#worker.on('message', (m: FromWorker) => {
      if (m.t === 'warning') {
        // a worker's process warning (RXJOBS_MAX_SESSIONS...) is this process's, where the CLIs listen
        process.emitWarning(m.message, { type: m.type, code: m.code });
        return;
      }
      this.#ops.get(m.op)?.message(m);
    });
    this.#worker.on('error', (e: Error) => {
      this.#die(new Error(`the SSH worker thread failed: ${e.message}`, { cause: e }));
    });
    this.#worker.on('exit', (code) => {
      this.#die(new Error(`the SSH worker thread exited (code ${String(code)})`));
    });
  }

  /** Operations and holds in progress: while there are any, the worker keeps the process alive. */
  get busy(): number {
    return this.#busy;
  }

  /** The worker's end, when it died (its nodes go to another one). */
  get dead(): Error | undefined {
    return this.#dead;
  }

  #die(e: Error): void {
    if (this.#dead !== undefined) return;
    this.#dead = e;
    const handlers = [...this.#ops.values()];
    this.#ops.clear();
    this.#busy = 0;
    for (const handler of handlers) handler.crashed(e);
  }

  /** Sends a message that starts nothing (a node, a cancel, an ack...). */
  post(message: ToWorker, transfer: readonly ArrayBuffer[] = []): void {
    if (this.#dead === undefined) this.#worker.postMessage(message, transfer);
  }

  /**
   * Starts an operation: `message(op)` is sent, and `handler` hears from it until `end(op)`; meanwhile the
   * worker keeps the process alive.
   */
  start(
    message: (op: number) => ToWorker,
    handler: OpHandler,
    transfer: readonly ArrayBuffer[] = [],
  ): number {
    const op = ++this.#serial;
    if (this.#dead !== undefined) {
      handler.crashed(this.#dead);
      return op;
    }
    this.#ops.set(op, handler);
    if (this.#busy++ === 0) this.#worker.ref();
    this.post(message(op), transfer);
    return op;
  }

  /** The operation is over: no more messages for it reach its handler. */
  end(op: number): void {
    if (!this.#ops.delete(op)) return;
    if (--this.#busy === 0) this.#worker.unref();
  }

  /** Stops the thread (tests, and the pool's reset). */
  terminate(): Promise<number> {
    this.#die(new Error('the SSH worker thread was stopped'));
    return this.#worker.terminate();
  }
}

const pool: SshWorker[] = [];
/** Where the nodes of each server went: one server's nodes share a worker, and so its handshake ramp. */
const servers = new Map<string, SshWorker>();

/**
 * The worker for a new node of `server` (`host:port`): the one of the server's other nodes; else a new one
 * while fewer than `size` run, else the one with fewest nodes. Nodes of one server share a worker, so that
 * the ramp that keeps handshakes under the server's `MaxStartups` (per process until now) sees them all.
 * @internal
 */
export const placeNode = (size: number, server: string): SshWorker => {
  const known = servers.get(server);
  if (known !== undefined && known.dead === undefined) {
    known.nodes++;
    return known;
  }
  for (let i = pool.length - 1; i >= 0; i--) if (pool[i]?.dead !== undefined) pool.splice(i, 1);
  const limit = Math.max(1, Math.min(size, availableParallelism() * 4));
  let best: SshWorker | undefined;
  for (const w of pool) if (best === undefined || w.nodes < best.nodes) best = w;
  if (best === undefined || (best.nodes > 0 && pool.length < limit)) {
    best = new SshWorker();
    pool.push(best);
  }
  best.nodes++;
  servers.set(server, best);
  return best;
};

/** The worker threads running now. @internal */
export const sshWorkers = (): readonly SshWorker[] => pool.filter((w) => w.dead === undefined);
