/**
 * The options of an SshNode: their type, their checks, and their resolution against the ssh config and
 * OpenSSH's defaults.
 * @module
 */
import os from 'node:os';
import path from 'node:path';

import { ConfigError } from '../../errors/config-error.js';
import {
  badOption,
  checkOption,
  checkOptionKeys,
  describeValue,
  is,
  optionKeys,
} from '../../errors/option-keys.js';
import type { HostKeyPolicy } from '../trust/known-hosts.js';
import type { JumpHop } from '../trust/ssh-config/types.js';
import { resolveSshConfig } from '../trust/ssh-config/resolve.js';

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
}

/** The keys of {@link SshNodeOptionsOf}. */
const SSH_NODE_KEYS = optionKeys([
  'hostname',
  'username',
  'port',
  'gateway',
  'keys',
  'passphrase',
  'agent',
  'password',
  'knownHosts',
  'hostKeyPolicy',
  'connectTimeout',
  'connectAttempts',
  'keepalive',
  'keepaliveCountMax',
  'maxSessions',
  'maxStartups',
  'sshConfig',
  'label',
  'killGrace',
  'linger',
  'algorithms',
]);

/**
 * The options of `new SshNode(target, options?)`: `target` is `host`, `user@host` or `user@host:port` (a
 * bare IPv6 address, with its colons, must be given as `{ hostname }`).
 * @internal
 */
export function sshNodeOptions<Gateway>(target: unknown, more: unknown): SshNodeOptionsOf<Gateway> {
  if (typeof target !== 'string') {
    if (more !== undefined)
      throw new ConfigError(
        'node (a new SshNode)',
        'options',
        `must be one object: write new SshNode({ hostname, ... }), or new SshNode('user@host', { ... }) with a string first`,
      );
    if (typeof target !== 'object' || target === null || Array.isArray(target))
      throw new ConfigError(
        'node (a new SshNode)',
        'options',
        `must be an object such as { hostname: 'fit01', username: 'root' }, or a string 'user@host', got ${describeValue(target)}`,
      );
    return target as SshNodeOptionsOf<Gateway>;
  }
  const match = /^(?:([^@\s:/>]+)@)?([\w.-]+)(?::(\d{1,5}))?$/.exec(target);
  if (match === null) {
    // a URL habit, user:password@host, must not put the password in an error message
    const shown = target.replace(/^([^@:\s]*):[^@]*@/, '$1:[redacted]@');
    throw new ConfigError(
      `node "${shown}"`,
      'hostname',
      `cannot be read from ${JSON.stringify(shown)}: write new SshNode('host'), new SshNode('user@host:port'), ` +
        `or new SshNode({ hostname, username, port }) (an IPv6 address, or a gateway, only that way)`,
    );
  }
  const [, username, hostname, port] = match;
  const parsed: Record<string, unknown> = { hostname };
  if (username !== undefined) parsed['username'] = username;
  if (port !== undefined) parsed['port'] = Number(port);
  if (more !== undefined) {
    checkOptionKeys(
      () => `node "${target}"`,
      'SshNode',
      more,
      SSH_NODE_KEYS,
      'options',
      "{ username: 'root' }",
    );
    for (const key of Object.keys(parsed))
      if ((more as Record<string, unknown>)[key] !== undefined)
        throw new ConfigError(
          `node "${target}"`,
          key,
          `is given twice, in ${JSON.stringify(target)} and in the options: give it once`,
        );
  }
  return { ...(more as object | undefined), ...parsed } as unknown as SshNodeOptionsOf<Gateway>;
}

const checkInteger = (subject: string, field: string, value: unknown, min: number, max: number): void => {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(
      subject,
      field,
      `must be an integer from ${String(min)} to ${String(max)}, got ${describeValue(value)}`,
    );
};

/**
 * Checks the options a node can check without I/O: types and ranges.
 * @throws ConfigError naming the node and the option.
 * @internal
 */
export function checkSshNodeOptions(options: SshNodeOptionsOf<unknown>): void {
  const { label, hostname } = options as { label?: unknown; hostname?: unknown };
  const subject = `node "${String(label ?? hostname)}"`;
  checkOptionKeys(() => subject, 'SshNode', options, SSH_NODE_KEYS);
  if (typeof options.hostname !== 'string' || options.hostname.trim() === '')
    throw badOption(subject, 'hostname', "a non-empty string such as 'fit01'", options.hostname);
  const given = (): string => subject;
  checkOption(given, options, 'label', 'a string', is.string);
  checkOption(given, options, 'username', 'a string', is.string);
  checkOption(given, options, 'password', 'a string', is.string);
  checkOption(given, options, 'keys', "a list of private key files, e.g. ['~/.ssh/id_ed25519']", is.strings);
  checkOption(given, options, 'knownHosts', 'a file name or a list of them', is.stringOrStrings);
  checkOption(
    given,
    options,
    'agent',
    "true, false or the agent's socket",
    (v) => is.boolean(v) || is.string(v),
  );
  checkOption(
    given,
    options,
    'sshConfig',
    'a file name, or false for none',
    (v) => v === false || is.string(v),
  );
  checkOption(
    given,
    options,
    'passphrase',
    'a string, or one per key file',
    (v) => is.string(v) || is.stringRecord(v),
  );
  checkInteger(subject, 'port', options.port, 1, 65535);
  checkInteger(subject, 'maxSessions', options.maxSessions, 2, 10000); // one is kept for kills
  checkInteger(subject, 'maxStartups', options.maxStartups, 1, 10000);
  checkInteger(subject, 'connectAttempts', options.connectAttempts, 1, 100);
  checkInteger(subject, 'keepaliveCountMax', options.keepaliveCountMax, 0, 1000);
  for (const field of ['connectTimeout', 'keepalive', 'killGrace', 'linger'] as const) {
    const value = options[field];
    if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value) || value < 0))
      throw badOption(subject, field, 'a duration in milliseconds, 0 or more', value);
  }
  if (options.hostKeyPolicy !== undefined && !['strict', 'accept-new', 'off'].includes(options.hostKeyPolicy))
    throw badOption(subject, 'hostKeyPolicy', "'strict', 'accept-new' or 'off'", options.hostKeyPolicy);
}

/** A node's options once its ssh config is read and the defaults applied. @internal */
export interface ResolvedNode<Gateway> {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly keys: readonly string[] | undefined;
  /** The user's known_hosts files to read, in order; `accept-new` appends to the first. */
  readonly knownHostsFiles: readonly string[];
  readonly policy: HostKeyPolicy;
  readonly connectTimeout: number;
  readonly keepalive: number;
  readonly keepaliveCountMax: number;
  /** The last hop of the config's `ProxyJump`, unless the options name a `gateway` (or `null`). */
  readonly jumpGateway: Gateway | undefined;
}

/**
 * Applies the ssh config (Host blocks matching `hostname`, unless `sshConfig` is false) and then OpenSSH's
 * defaults to the options left unset. A `ProxyJump` chain becomes gateways made by `jump`, hop by hop (the
 * first hop has no gateway).
 * @internal
 */
export async function resolveNode<Gateway>(
  o: SshNodeOptionsOf<unknown>,
  jump: (hop: JumpHop, via: Gateway | undefined) => Gateway,
): Promise<ResolvedNode<Gateway>> {
  const config =
    o.sshConfig === false
      ? {}
      : await resolveSshConfig(o.hostname, o.sshConfig === undefined ? {} : { file: o.sshConfig });
  const userKnownHosts = path.join(os.homedir(), '.ssh', 'known_hosts');
  const defaultKnownHosts = [userKnownHosts, `${userKnownHosts}2`];
  const given = typeof o.knownHosts === 'string' ? [o.knownHosts] : o.knownHosts;
  // the config's `UserKnownHostsFile none` is an empty list: no user file at all
  const knownHostsFiles: readonly string[] = given ?? config.userKnownHostsFiles ?? defaultKnownHosts;
  let jumpGateway: Gateway | undefined;
  if (o.gateway === undefined) for (const hop of config.proxyJump ?? []) jumpGateway = jump(hop, jumpGateway);
  return {
    host: config.hostname ?? o.hostname,
    port: o.port ?? config.port ?? 22,
    username: o.username ?? config.user ?? os.userInfo().username,
    keys:
      o.keys ??
      (config.identityFiles !== undefined && config.identityFiles.length > 0
        ? config.identityFiles
        : undefined),
    knownHostsFiles,
    policy: o.hostKeyPolicy ?? config.strictHostKeyChecking ?? 'accept-new',
    connectTimeout: o.connectTimeout ?? config.connectTimeout ?? 10_000,
    keepalive: o.keepalive ?? config.serverAliveInterval ?? 5_000,
    keepaliveCountMax: o.keepaliveCountMax ?? config.serverAliveCountMax ?? 3,
    jumpGateway,
  };
}
