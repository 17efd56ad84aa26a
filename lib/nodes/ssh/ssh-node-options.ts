/**
 * The options of an SshNode: their type. Their checks are in ssh-node-options-check.ts, their resolution
 * against the ssh config and OpenSSH's defaults in resolve-node.ts.
 * @module
 */
import type { HostKeyPolicy } from '../trust/known-hosts.js';

/**
 * Algorithm names in the order to offer them, or changes to ssh2's default list (`append`, `prepend`,
 * `remove`): ssh2's own form, with names as ssh2 spells them (`'curve25519-sha256'`, `'aes128-gcm@openssh.com'`).
 * @category models
 */
export type SshAlgorithmList =
  | readonly string[]
  | {
      readonly append?: string | readonly string[] | undefined;
      readonly prepend?: string | readonly string[] | undefined;
      readonly remove?: string | readonly string[] | undefined;
    };

/**
 * The transport algorithms of a connection, by kind, as ssh2 takes them (its `algorithms` connect option);
 * declared here so that the package's types do not depend on ssh2's. An unknown name is refused by ssh2 when
 * the node connects.
 * @category models
 */
export interface SshAlgorithms {
  readonly kex?: SshAlgorithmList | undefined;
  readonly cipher?: SshAlgorithmList | undefined;
  readonly serverHostKey?: SshAlgorithmList | undefined;
  readonly hmac?: SshAlgorithmList | undefined;
  readonly compress?: SshAlgorithmList | undefined;
}

/**
 * The options of an SshNode, its gateway's type left open, so that this file need not import SshNode
 * (ssh-node.ts imports this one): `SshNodeOptions`, declared in ssh-node.ts, is `SshNodeOptionsOf<SshNode>`.
 * Not exported from the package, yet kept in the declarations (never mark it internal): SshNodeOptions
 * extends it.
 */
export interface SshNodeOptionsOf<Gateway> {
  /** Host name or address to connect to (or a `Host` alias of the ssh config). */
  readonly hostname: string;
  /** Remote user. Default: the config's `User`, else the local user (as `ssh` does). */
  readonly username?: string | undefined;
  /** Default: the config's `Port`, else 22. */
  readonly port?: number | undefined;
  /**
   * Reach this host through another node's connection (a tunnel), to any depth. Nodes behind one gateway
   * share its connection, which stays open while one of them uses it (see `close()`). `null`: connect
   * directly, whatever the config's `ProxyJump` says (as `ssh -J none`). Default: the config's `ProxyJump`
   * hops, one shared jump node per hop.
   */
  readonly gateway?: Gateway | null | undefined;
  /** Private key files. Default: the config's `IdentityFile`s, else `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`. */
  readonly keys?: readonly string[] | undefined;
  /** Passphrase of the keys: one for all, or one per file. */
  readonly passphrase?: string | Readonly<Record<string, string>> | undefined;
  /** ssh-agent's socket, `true` for `$SSH_AUTH_SOCK`, `false` for none. Default: used when `keys` is unset. */
  readonly agent?: string | boolean | undefined;
  readonly password?: string | undefined;
  /**
   * The user's known_hosts file, or files: all are read, and `accept-new` appends to the first; `[]` for
   * none (as `UserKnownHostsFile none`: `accept-new` then accepts a new host without remembering it).
   * Default: the config's `UserKnownHostsFile`, else `~/.ssh/known_hosts` and `~/.ssh/known_hosts2`, as
   * OpenSSH reads them.
   */
  readonly knownHosts?: string | readonly string[] | undefined;
  /** Default: the config's `StrictHostKeyChecking`, else `accept-new`. */
  readonly hostKeyPolicy?: HostKeyPolicy | undefined;
  /** Per attempt. Default: the config's `ConnectTimeout`, else 10,000 ms. */
  readonly connectTimeout?: number | undefined;
  /** Attempts for failures before authentication (refused, reset, dropped, timed out). Default 3. */
  readonly connectAttempts?: number | undefined;
  /** Keepalive period, `0` for none. Default: the config's `ServerAliveInterval`, else 5,000 ms. */
  readonly keepalive?: number | undefined;
  /**
   * Unanswered keepalives that mean the peer is dead. Default: `ServerAliveCountMax`, else 3. A dead peer is
   * detected after `keepalive × (keepaliveCountMax + 1)` (20 s by default): one period more than OpenSSH.
   */
  readonly keepaliveCountMax?: number | undefined;
  /**
   * The server's `MaxSessions` (default 10), 2 or more: commands and transfers use all sessions but one, which
   * is kept for killing cancelled commands; more wait for a free session. A server that refuses sessions
   * below it lowers it for the node (the refused open waits for a free session; a process warning
   * `RXJOBS_MAX_SESSIONS` says so once).
   */
  readonly maxSessions?: number | undefined;
  /** Handshakes at once to the same server or through the same gateway (under `MaxStartups`). Default 8. */
  readonly maxStartups?: number | undefined;
  /** The ssh config file to read; `false` for none. Default `~/.ssh/config`. */
  readonly sshConfig?: string | false | undefined;
  /** Name in output prefixes and errors. Default: `hostname`. */
  readonly label?: string | undefined;
  /**
   * Milliseconds between TERM and KILL when a command is cancelled. Default 500: the kill then ends well within
   * a scheduler's default `shutdownTimeout` (1,000 ms), so that a run ends with nothing left behind.
   */
  readonly killGrace?: number | undefined;
  /**
   * Milliseconds the connection stays open once nothing uses it any more (no command, transfer, job or node
   * behind it), in case more comes; then it closes by itself. Default 500: about what a new connection costs
   * (a handshake, more through a gateway or over a long route), so that a pause costs at most twice the best
   * choice made knowing the future, while a script ends half a second after its last command. `0` closes at
   * once. The wait itself never keeps the process alive; the open connection does, until it closes.
   */
  readonly linger?: number | undefined;
  /**
   * ssh2 algorithm lists, for special cases (old servers, benchmarks). Unless `serverHostKey` is given, the
   * host key types known for the host are asked for first, as OpenSSH does (see `checkHostKey`).
   */
  readonly algorithms?: SshAlgorithms | undefined;
  /**
   * Run the node's connection in a worker thread (its handshake, encryption, channels and SFTP file I/O),
   * so that many connections use every core: `true` or `false`. Default: as the environment variable
   * `RXJOBS_SSH_WORKERS` says (`N`: nodes are spread over N worker threads; `0` or unset: none). A node with
   * a `gateway` lives where its gateway does (in its worker, or in this thread). Events, errors,
   * cancellation and `close()` are the same either way.
   */
  readonly worker?: boolean | undefined;
}
