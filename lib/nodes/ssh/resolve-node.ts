/**
 * An SshNode's options resolved against the ssh config and OpenSSH's defaults.
 * @module
 */
import os from 'node:os';
import path from 'node:path';

import type { HostKeyPolicy } from '../trust/known-hosts.js';
import { resolveSshConfig } from '../trust/ssh-config/resolve.js';
import type { JumpHop } from '../trust/ssh-config/types.js';
import type { SshNodeOptionsOf } from './ssh-node-options.js';

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
