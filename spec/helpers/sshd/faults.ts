/** Fault injection and probes: connections and remote processes seen from the server side, dead ports, kills. */
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';

import { stateOf } from './fleet.js';
import { fingerprintOf, keygen, publicKey } from './keys.js';
import { dropListeners, launch, PortTaken } from './launch.js';
import { closeServer, listenOn } from './ports.js';
import { descendantsOf, freezeTrees, isAlive, killAndWait, processTable, readProc, signal } from './proc.js';
import type { Proc } from './proc.js';
import { program, run, sleep, waitUntil } from './programs.js';
import type { Fleet, FleetState } from './types.js';

/**
 * The ESTABLISHED TCP connections to the fleet's hosts, counted on the server side (`ss`), including those
 * not yet accepted by sshd.
 */
export const sshdConnections = async (fleet: Fleet): Promise<number> => {
  const state = stateOf(fleet);
  const out = await run(program('ss', 'iproute2'), [
    '-Htn',
    'state',
    'established',
    `( sport = :${String(state.port)} )`,
  ]);
  if (out.code !== 0) throw new Error(`sshd harness: ss failed: ${out.stderr.trim()}`);
  const addresses = new Set(state.addresses);
  return out.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[2] ?? '')
    .filter((local) => addresses.has(local.slice(0, local.lastIndexOf(':')))).length;
};

/**
 * The pids of the processes whose command line contains `marker` (`pgrep -f`, the marker taken literally),
 * leaving out local ones: this process, its ancestors and its descendants not started through an sshd
 * (such as an `ssh` client whose command line holds the marker). Processes that outlived their sshd count.
 */
export const remoteProcesses = async (marker: string): Promise<number[]> => {
  const pattern = marker.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  const out = await run(program('pgrep', 'procps'), ['-f', '--', pattern]);
  if (out.code === 1) return [];
  if (out.code !== 0) throw new Error(`sshd harness: pgrep failed: ${out.stderr.trim()}`);
  const ancestors = new Set<number>();
  for (let p = readProc(process.pid); p !== undefined && p.pid > 1; p = readProc(p.ppid)) {
    ancestors.add(p.pid);
  }
  const isLocal = (pid: number): boolean => {
    if (ancestors.has(pid) || (readProc(pid)?.state ?? 'Z') === 'Z') return true; // ours, or dead already
    for (let p = readProc(pid); p !== undefined && p.pid > 1; p = readProc(p.ppid)) {
      if (p.comm === 'sshd') return false;
      if (p.pid === process.pid) return true;
    }
    return false;
  };
  return out.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number)
    .filter((pid) => !isLocal(pid));
};

/** A TCP server on 127.0.0.1 that accepts connections and never writes (connect-timeout tests). */
export const blackHole = async (): Promise<{ host: string; port: number; close(): Promise<void> }> => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume(); // read and drop what the client says
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
};

/** A loopback port (127.0.0.1) with nothing listening: connecting is refused. */
export const refusedPort = async (): Promise<number> => {
  const server = await listenOn('127.0.0.1', 0);
  const { port } = server.address() as net.AddressInfo;
  await closeServer(server);
  return port;
};

/**
 * SIGKILLs the listener sshd serving block `index` (hosts 16*index ... 16*index+15) and waits for its exit:
 * its hosts refuse new connections, while established connections (its children) live on until `stop()`
 * or {@link killConnectionProcesses}. Resolves to the killed pid.
 */
export const killSshd = async (fleet: Fleet, index = 0): Promise<number> => {
  const state = stateOf(fleet);
  const listener = state.listeners.find((l) => l.block === index);
  if (listener === undefined) throw new Error(`sshd harness: no live sshd for block #${String(index)}`);
  await dropListeners(state, [listener]);
  return listener.proc.pid;
};

/**
 * The pids holding a TCP socket (not listening) whose local end is `address:port` (`ss -p`): on the server
 * side, the per-connection processes serving that address.
 */
const socketHolders = async (address: string, port: number): Promise<Set<number>> => {
  const out = await run(program('ss', 'iproute2'), ['-Htnp', `( src ${address}:${String(port)} )`]);
  if (out.code !== 0) throw new Error(`sshd harness: ss failed: ${out.stderr.trim()}`);
  return new Set([...out.stdout.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])));
};

/** The sshd processes of the connections served on `address`: each holder's connection tree, from its root. */
const connectionsOf = async (state: FleetState, address: string): Promise<Proc[]> => {
  if (!state.addresses.includes(address)) {
    throw new Error(`sshd harness: ${address} is not a host of this fleet (${state.addresses.join(', ')})`);
  }
  const holders = await socketHolders(address, state.port);
  const listeners = new Set(state.listeners.map((l) => l.proc.pid));
  const table = processTable();
  const candidates = new Map(
    [
      ...descendantsOf([...listeners], table),
      ...state.orphans.filter(isAlive).map((o) => table.find((p) => p.pid === o.pid) ?? o),
    ]
      .filter((p) => p.comm === 'sshd' && !listeners.has(p.pid))
      .map((p) => [p.pid, p]),
  );
  const roots = new Map<number, Proc>();
  for (const pid of holders) {
    let p = candidates.get(pid);
    if (p === undefined) continue; // not one of this fleet's connection processes
    for (let up = candidates.get(p.ppid); up !== undefined; up = candidates.get(up.ppid)) p = up;
    roots.set(p.pid, p);
  }
  return [...roots.values()];
};

/**
 * SIGKILLs the per-connection sshd processes (children of the listeners, and those left by killed
 * listeners), so that every established connection dies while the listeners keep accepting. Remote
 * commands below them are not signalled (as when a server's sshd crashes). With `address` (one of the
 * fleet's hosts), only the connections to that host die; the others are not touched. Resolves to how many
 * it killed.
 */
export const killConnectionProcesses = async (fleet: Fleet, address?: string): Promise<number> => {
  const state = stateOf(fleet);
  if (address !== undefined) {
    const victims = freezeTrees(await connectionsOf(state, address), (p) => p.comm === 'sshd');
    await killAndWait(victims);
    state.orphans = state.orphans.filter(isAlive);
    return victims.length;
  }
  const listeners = new Set(state.listeners.map((l) => l.proc.pid));
  const frozen = freezeTrees(
    [...state.listeners.map((l) => l.proc), ...state.orphans],
    (p) => p.comm === 'sshd',
  );
  const victims = frozen.filter((p) => !listeners.has(p.pid));
  for (const p of victims) signal(p.pid, 'SIGKILL');
  for (const pid of listeners) signal(pid, 'SIGCONT');
  await waitUntil(() => victims.every((p) => !isAlive(p)), 5000);
  state.orphans = state.orphans.filter(isAlive);
  return victims.length;
};

/**
 * Replaces the host key with a new one and restarts the listeners on the same port; `fleet.knownHosts`
 * keeps the old key, so strict host key checking now fails. Established connections live on. Resolves to
 * the new fingerprint (also in `fleet.hostKeyFingerprint`).
 */
export const rotateHostKey = async (fleet: Fleet): Promise<string> => {
  const state = stateOf(fleet);
  await dropListeners(state, state.listeners);
  await fsp.rm(state.hostKey, { force: true });
  await fsp.rm(`${state.hostKey}.pub`, { force: true });
  await keygen(state.hostKey);
  state.fingerprint = fingerprintOf((await publicKey(state.hostKey)).base64);
  for (let attempt = 1; ; attempt++) {
    try {
      await launch(state);
      break;
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt >= 5) throw error;
      await sleep(200);
    }
  }
  return state.fingerprint;
};
