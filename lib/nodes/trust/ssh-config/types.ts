/**
 * The shapes of the ssh config resolution: what it returns for one host ({@link SshHostConfig}), its options,
 * and one hop of a ProxyJump chain.
 * @module
 */
import type { HostKeyPolicy } from '../known-hosts.js';

/** One hop of a ProxyJump chain, written `[user@]host[:port]`. @category models */
export interface JumpHop {
  host: string;
  user?: string;
  port?: number;
}

/**
 * The options of an OpenSSH client config that rxjobs uses, for one host. A field is absent when no block
 * sets it (the caller applies the defaults: the host itself, the local user, port 22, the default keys).
 * @category models
 */
export interface SshHostConfig {
  /** `HostName`, `%h` expanded, lowercased when it is a DNS name (as ssh does). */
  hostname?: string;
  user?: string;
  port?: number;
  /** Every `IdentityFile` obtained, in order, without duplicates; `~`, `%` tokens and `${VAR}` expanded.
   * `IdentityFile none` alone gives `[]`: no key files, not even the default ones. */
  identityFiles?: string[];
  /** The hops of `ProxyJump`, first hop first; absent for `none`. */
  proxyJump?: JumpHop[];
  /** `StrictHostKeyChecking`: yes and ask map to `strict` (rxjobs cannot ask), no/off to `off`. */
  strictHostKeyChecking?: HostKeyPolicy;
  /** `UserKnownHostsFile`, expanded as identityFiles; `none` gives `[]`. */
  userKnownHostsFiles?: string[];
  /** `ConnectTimeout` in ms (0: no timeout). */
  connectTimeout?: number;
  /** `ServerAliveInterval` in ms (0: no keepalives). */
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  identitiesOnly?: boolean;
}

/** Options of {@link resolveSshConfig}. @category models */
export interface ResolveSshConfigOptions {
  /**
   * The config file; default `<home>/.ssh/config`, which may be missing. A file given here must exist (as with
   * `ssh -F`). Names the text in errors when `text` is given.
   */
  file?: string | undefined;
  /** Config text to use instead of reading `file` (Include still reads files). */
  text?: string | undefined;
  /** The local user, for `%u`, `Match localuser` and the `%r` default; default the process's user. */
  user?: string | undefined;
  /** The local home directory, for `~`, `%d` and relative Include paths; default `os.homedir()`. */
  home?: string | undefined;
}

/** Where a jump spec comes from, for {@link parseJumpHops}' errors. @category models */
export interface JumpSpecSource {
  readonly subject: string;
  readonly field: string;
}

/** Throws a ConfigError for `problem`, naming the file (or source) and the field. */
export type Fail = (problem: string) => never;
