/**
 * Private OpenSSH servers on loopback for the end-to-end tests and the benchmarks: their own config, keys and
 * ports in a temp dir; never the system's sshd, never ~/.ssh.
 *
 * A fleet is N "hosts" 127.0.0.2, 127.0.0.3, ... (past 127.0.0.254: 127.0.1.1, ...) sharing one free port,
 * served by one `sshd -D` per block of 16 addresses (OpenSSH's MAX_LISTEN_SOCKS), with keys, config, logs and
 * the sessions' HOME in a temp dir.
 * As root, the login user is root; as any other user, sshd runs unprivileged and only that user can log in.
 *
 * Process model (`sshd -D`): the listener is our child; each connection is a child of the listener (with a
 * privilege-separated grandchild before authentication), and remote commands run below it. Processes whose
 * listener was killed are remembered so that `stop()` still kills them. A forgotten fleet is killed when
 * the test process exits. `$RXJOBS_SSHD` names another sshd binary (the tests use it to check the message
 * given when sshd is missing).
 *
 * Linux only (reads /proc). Killed sshd processes whose parent is gone wait as zombies until init reaps
 * them; on some machines (a VM whose pid 1 is not a real init) that takes a second or two.
 *
 * The OpenSSH facts this relies on (listen limits, defaults kept or raised, the sessions' HOME, signals):
 * docs/architecture.md, "Testing". It imports only `node:` modules: the benchmarks run a copy built by
 * `npm run build:harness` (tsconfig.harness.json, into bench/out/harness/) in plain Node.
 */
export type { Fleet, FleetHost, FleetOptions } from './types.js';
export { startFleet } from './fleet.js';
export {
  blackHole,
  killConnectionProcesses,
  killSshd,
  refusedPort,
  remoteProcesses,
  rotateHostKey,
  sshdConnections,
} from './faults.js';
// for the benchmarks (bench/kit/fleet.mjs, bench/cli.bench.mjs)
export { findProgram } from './programs.js';
export { descendants } from './proc.js';
export { addressOf, missingLimits, processLimit } from './limits.js';
