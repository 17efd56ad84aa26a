/** Listeners: start one `sshd -D` per block, wait for every banner, kill them (keeping their connections). */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

import { blocksOf, configText } from './config.js';
import { probeBanner } from './ports.js';
import { descendantsOf, freezeTrees, processTable, readProc, signal } from './proc.js';
import { program, run, sleep, waitUntil } from './programs.js';
import type { FleetState, Listener } from './types.js';

/** A listener failed because its port was taken meanwhile: start again on another port. */
export class PortTaken extends Error {
  override readonly name = 'PortTaken';
}

/** What the listener's sshd wrote to its log since it started (the log is shared by restarts). */
const readLog = (l: Pick<Listener, 'log' | 'logFrom'>): string => {
  try {
    return fs.readFileSync(l.log).subarray(l.logFrom).toString('utf8');
  } catch {
    return '';
  }
};

const tail = (text: string, lines = 20): string => {
  const last = text.trimEnd().split('\n').slice(-lines).join('\n');
  return last === '' ? '(empty log)' : last;
};

const bindFailed = (l: Listener): boolean =>
  /Bind to port .* failed|Cannot bind any address|Address already in use/.test(readLog(l));

export const exited = (l: Listener): boolean => l.child.exitCode !== null || l.child.signalCode !== null;

/** Kills listeners, remembering what runs below them (connections) as orphans for `stop()`. */
export const dropListeners = async (state: FleetState, which: readonly Listener[]): Promise<void> => {
  const frozen = freezeTrees(which.map((l) => l.proc));
  const roots = new Set(which.map((l) => l.proc.pid));
  state.orphans.push(...frozen.filter((p) => !roots.has(p.pid)));
  state.listeners = state.listeners.filter((l) => !which.includes(l));
  for (const p of frozen) {
    if (roots.has(p.pid)) signal(p.pid, 'SIGKILL');
    else signal(p.pid, 'SIGCONT');
  }
  await waitUntil(() => which.every(exited), 5000);
};

const spawnListener = (state: FleetState, block: number, addresses: readonly string[]): Listener => {
  const config = path.join(state.dir, `sshd_config-${String(block)}`);
  const log = path.join(state.dir, `sshd-${String(block)}.log`);
  const fd = fs.openSync(log, 'a');
  const logFrom = fs.fstatSync(fd).size;
  let child: ChildProcess;
  try {
    fs.appendFileSync(fd, `--- start ${String(state.generation)} on port ${String(state.port)}\n`);
    const args = ['-D', '-e', '-f', config];
    // with a password: the same pid becomes sshd (unshare and sh exec), in a namespace of its own where the
    // private shadow file is mounted over /etc/shadow
    child =
      state.shadow === undefined
        ? spawn(state.sshd, args, { stdio: ['ignore', fd, fd] })
        : spawn(
            program('unshare', 'util-linux'),
            [
              '--mount',
              '--propagation',
              'private',
              '/bin/sh',
              '-c',
              'mount --bind "$0" /etc/shadow && exec "$@"',
              state.shadow,
              state.sshd,
              ...args,
            ],
            { stdio: ['ignore', fd, fd] },
          );
  } finally {
    fs.closeSync(fd);
  }
  child.on('error', (error) => {
    fs.appendFileSync(log, `spawn error: ${error.message}\n`);
  });
  child.unref(); // a forgotten fleet must not keep mocha alive: the exit hook kills it
  const proc = child.pid === undefined ? undefined : readProc(child.pid);
  if (proc === undefined) {
    throw new Error(`sshd harness: ${state.sshd} did not start:\n${tail(readLog({ log, logFrom }))}`);
  }
  return { block, child, proc, addresses, log, logFrom };
};

/** Writes and checks the configs, starts one listener per block and waits for every banner. */
export const launch = async (state: FleetState): Promise<void> => {
  state.generation += 1;
  const blocks = blocksOf(state.addresses);
  await Promise.all(
    blocks.map(async (addresses, block) => {
      const config = path.join(state.dir, `sshd_config-${String(block)}`);
      await fsp.writeFile(config, configText(state, block, addresses), { mode: 0o600 });
      const check = await run(state.sshd, ['-t', '-f', config]);
      if (check.code !== 0) {
        throw new Error(
          `sshd harness: \`sshd -t -f ${config}\` rejected the config:\n${check.stderr.trim()}`,
        );
      }
    }),
  );
  const started = blocks.map((addresses, block) => spawnListener(state, block, addresses));
  state.listeners.push(...started);

  const deadline = performance.now() + 10_000 + 40 * state.addresses.length;
  const failure = (): Error | undefined => {
    const taken = started.find(bindFailed);
    if (taken !== undefined) return new PortTaken(tail(readLog(taken)));
    const dead = started.find(exited);
    if (dead === undefined) return undefined;
    return new Error(
      `sshd harness: sshd (pid ${String(dead.proc.pid)}) exited with ${String(dead.child.exitCode ?? dead.child.signalCode)} ` +
        `while starting on ${dead.addresses.join(', ')} port ${String(state.port)}:\n${tail(readLog(dead))}`,
    );
  };
  const startups = Number.parseInt(state.options.maxStartups ?? '10', 10);
  const pending = [...state.addresses];
  const prober = async (): Promise<void> => {
    for (let address = pending.shift(); address !== undefined; address = pending.shift()) {
      for (;;) {
        const error = failure();
        if (error !== undefined) throw error;
        if (await probeBanner(address, state.port)) break;
        if (performance.now() > deadline) {
          const l = started.find((x) => x.addresses.includes(address));
          throw new Error(
            `sshd harness: ${address}:${String(state.port)} sent no SSH banner within the start-up time:\n` +
              (l === undefined ? '' : tail(readLog(l))),
          );
        }
        await sleep(50);
      }
    }
  };
  try {
    const probers = Math.max(1, Math.min(4, Number.isNaN(startups) ? 4 : startups));
    await Promise.all(Array.from({ length: probers }, prober));
    // another server may have answered for an address this sshd failed to bind
    const error = failure();
    if (error !== undefined) throw error;
  } catch (error) {
    pending.length = 0;
    await dropListeners(state, started);
    throw error;
  }
  // let the probes' connection processes exit, so that tests start from zero connections and startups
  await waitUntil(
    () =>
      descendantsOf(
        started.map((l) => l.proc.pid),
        processTable(),
      ).length === 0,
    3000,
  );
};
