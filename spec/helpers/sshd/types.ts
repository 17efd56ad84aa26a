/**
 * The harness's types: the public Fleet, its hosts and options, and the state behind a fleet (its listeners,
 * one `sshd -D` per block of 16 addresses, and the connection processes they left behind).
 */
import type { ChildProcess } from 'node:child_process';

import type { Proc } from './proc.js';

/** One loopback "host" of a fleet. */
export interface FleetHost {
  readonly address: string;
  readonly port: number;
  readonly label: string;
}

/** Private sshd servers started by {@link startFleet}; `stop()` them in `after()`. */
export interface Fleet {
  /** The temp dir holding keys, config, logs and `home/`; removed by `stop()`. */
  readonly dir: string;
  readonly hosts: readonly FleetHost[];
  /** The port every host listens on. */
  readonly port: number;
  /** The login user: the current user. */
  readonly user: string;
  /** A private ed25519 key (no passphrase) authorized on every host. */
  readonly clientKey: string;
  /** With `clientKeyPassphrase`: a second authorized key, protected by that passphrase. */
  readonly clientKeyProtected?: string;
  /** A private ed25519 key that no host accepts. */
  readonly wrongKey: string;
  /** A known_hosts file with one `[address]:port ssh-ed25519 ...` line per host (the key at start). */
  readonly knownHosts: string;
  /** `SHA256:<base64>` of the current host key (changes with {@link rotateHostKey}). */
  readonly hostKeyFingerprint: string;
  /** The sessions' HOME (`SetEnv HOME=...`), an empty dir so that no ~/.bashrc runs. */
  readonly home: string;
  /** Kills every sshd (and everything below them), waits for their exit and removes `dir`. Idempotent. */
  stop(): Promise<void>;
  /** The pids of the live listener processes (one per block of 16 hosts). */
  sshdPids(): number[];
}

/** Options of {@link startFleet}; every server setting keeps OpenSSH's default unless given. */
export interface FleetOptions {
  /**
   * How many hosts, default 1: 127.0.0.2 to 127.0.0.254 for the first 253, then 127.0.1.1 to 127.0.1.254,
   * 127.0.2.1... (all of 127.0.0.0/8 is loopback), up to 4,317. Beyond 100 hosts the machine's limits are
   * checked first (open files, processes, local ports), and a missing one is an error saying what to change.
   */
  hosts?: number;
  /** `MaxStartups` (e.g. `'1000:30:1000'`); default: OpenSSH's 10:30:100. */
  maxStartups?: string;
  /** `MaxSessions` (channels per connection); default: OpenSSH's 10. */
  maxSessions?: number;
  /** `KexAlgorithms`, e.g. `'curve25519-sha256'`. */
  kex?: string;
  /**
   * More sshd_config lines. They come before the harness's own lines (sshd keeps the first value of an
   * option, so they override), except from a `Match` line on, which goes last; `SetEnv` values are merged
   * into the harness's single `SetEnv` line (sshd reads only the first one), after `HOME=...`.
   */
  extraConfig?: readonly string[];
  /** Also make `clientKeyProtected`, an authorized key encrypted with this passphrase. */
  clientKeyPassphrase?: string;
  /**
   * Also accept this password for the login user. Root only: each sshd then runs in a mount namespace of its
   * own (`unshare`), where a private file holding the password's hash is mounted over /etc/shadow; the
   * machine's /etc/shadow is never read or written.
   */
  password?: string;
}

export interface Listener {
  readonly block: number;
  readonly child: ChildProcess;
  readonly proc: Proc;
  readonly addresses: readonly string[];
  readonly log: string;
  /** Where this start's part of `log` begins. */
  readonly logFrom: number;
}

export interface FleetState {
  readonly sshd: string;
  readonly dir: string;
  readonly addresses: readonly string[];
  readonly options: FleetOptions;
  readonly hostKey: string;
  /** With `options.password`: the private shadow file mounted over /etc/shadow in sshd's namespace. */
  readonly shadow?: string | undefined;
  port: number;
  fingerprint: string;
  listeners: Listener[];
  /** Processes left by killed or restarted listeners (connections), reaped by `stop()`. */
  orphans: Proc[];
  generation: number;
  stopped: boolean;
}
