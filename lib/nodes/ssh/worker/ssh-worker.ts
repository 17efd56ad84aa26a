/**
 * The entry point of an SSH worker thread (see `pool.ts`): it keeps an SshNode of its own for each node the
 * main thread gives it, runs their commands and transfers, and answers with messages. Its nodes never go to
 * another worker: in this thread, placement is always "here".
 * @module
 */
import { parentPort } from 'node:worker_threads';

import { SshNode } from '../ssh-node.js';
import type { SshNodeOptions } from '../ssh-node.js';
import type { FromWorker, ToWorker } from './protocol.js';
import type { ServedOp } from './serve-ops.js';
import { serveExec, serveTransfer } from './serve-ops.js';
import { toWire } from './wire-error.js';

const port = parentPort;
if (port === null) throw new Error('ssh-worker: not started as a worker thread');

const nodes = new Map<number, SshNode>();
const ops = new Map<number, ServedOp>();
const holds = new Map<number, { readonly node: number; readonly release: () => Promise<void> }>();

const post = (message: FromWorker, transfer: readonly ArrayBuffer[] = []): void => {
  if (message.t === 'done' || message.t === 'error') ops.delete(message.op);
  port.postMessage(message, transfer);
};

const nodeOf = (id: number): SshNode => {
  const node = nodes.get(id);
  if (node === undefined) throw new Error(`ssh-worker: no node ${String(id)}`);
  return node;
};

/** Answers `op` with `done` or `error` once `work` settles. */
const answer = (op: number, work: Promise<void>): void => {
  work.then(
    () => {
      post({ t: 'done', op });
    },
    (e: unknown) => {
      post({ t: 'error', op, error: toWire(e) });
    },
  );
};

const handle = (m: ToWorker): void => {
  switch (m.t) {
    case 'node':
      nodes.set(
        m.node,
        new SshNode({
          ...(m.options as unknown as SshNodeOptions),
          ...(m.gatewayNode === undefined ? {} : { gateway: nodeOf(m.gatewayNode) }),
          worker: false,
        }),
      );
      return;
    case 'exec':
      ops.set(m.op, serveExec(nodeOf(m.node), m.op, m.command, m.exec, post));
      return;
    case 'transfer':
      ops.set(m.op, serveTransfer(nodeOf(m.node), m.op, m.transfer, post));
      return;
    case 'cancel':
      ops.get(m.op)?.cancel();
      ops.delete(m.op);
      return;
    case 'pause':
      ops.get(m.op)?.pause?.();
      return;
    case 'resume':
      ops.get(m.op)?.resume?.();
      return;
    case 'ack':
      ops.get(m.op)?.ack?.(m.bytes);
      return;
    case 'stdin':
      ops.get(m.op)?.stdin?.(m.chunk);
      return;
    case 'stdin-end':
      ops.get(m.op)?.stdinEnd?.();
      return;
    case 'hold':
      holds.set(m.op, { node: m.node, release: nodeOf(m.node).hold() });
      return;
    case 'release': {
      const hold = holds.get(m.hold);
      holds.delete(m.hold);
      answer(m.op, hold === undefined ? Promise.resolve() : hold.release());
      return;
    }
    case 'discard':
      nodeOf(m.node).discard(m.path);
      return;
    case 'close':
      // close() voids the node's holds: their releases will not come
      for (const [op, hold] of holds) if (hold.node === m.node) holds.delete(op);
      answer(m.op, nodeOf(m.node).close());
      return;
  }
};

// the main thread emits the worker's warnings as its own (where the CLIs turn them into their lines); they
// are not printed here
process.removeAllListeners('warning');
process.on('warning', (w: Error & { code?: unknown }) => {
  const code = typeof w.code === 'string' ? w.code : undefined;
  port.postMessage({ t: 'warning', message: w.message, type: w.name, code } satisfies FromWorker);
});

port.on('message', (m: ToWorker) => {
  try {
    handle(m);
  } catch (e: unknown) {
    if ('op' in m) post({ t: 'error', op: m.op, error: toWire(e) });
  }
});
