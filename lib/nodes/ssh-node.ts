import { mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { Observable } from 'rxjs';

import { ConfigError } from '../core/errors/config-error.js';
import { isJobsError } from '../core/errors/jobs-error.js';
import type { CommandEvent } from './command-event.js';
import { TransferError } from './errors/transfer-error.js';
import type { HostKeyPolicy } from './known-hosts.js';
import { blobKeyType, verifyHostKey } from './known-hosts.js';
import type { ExecOptions, Node, TransferOptions } from './node.js';
import type { TempFiles } from './sftp-files.js';
import { getPath, putData, putPath, remoteKind, remoteUnlink, removeLocalTemps } from './sftp-files.js';
import { planAuth } from './ssh-auth.js';
import type { SshConnection } from './ssh-connection.js';
import { openConnection } from './ssh-connection.js';
import { resolveSshConfig } from './ssh-config.js';
import { sshExec } from './ssh-exec.js';
import type { ConnectConfig, SFTPWrapper } from './ssh2.js';

/**
 * Options of an {@link SshNode}. Durations in milliseconds. Unset options come from `~/.ssh/config` (Host
 * blocks matching `hostname`), then from OpenSSH's defaults; explicit options win.
 * @category models
 */
export interface SshNodeOptions {
  /** Host name or address to connect to (or a `Host` alias of the ssh config). */
  readonly hostname: string;
  /** Remote user. Default: the config's `User`, else the local user (as `ssh` does). */
  readonly username?: string | undefined;
  /** Default: the config's `Port`, else 22. */
  readonly port?: number | undefined;
  /** Reach this host through another node's connection (a tunnel), to any depth. */
  readonly gateway?: SshNode | undefined;
  /** Private key files. Default: the config's `IdentityFile`s, else `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`. */
  readonly keys?: readonly string[] | undefined;
  /** Passphrase of the keys: one for all, or one per file. */
  readonly passphrase?: string | Readonly<Record<string, string>> | undefined;
  /** ssh-agent's socket, `true` for `$SSH_AUTH_SOCK`, `false` for none. Default: used when `keys` is unset. */
  readonly agent?: string | boolean | undefined;
  readonly password?: string | undefined;
  /** The user's known_hosts file. Default: the config's `UserKnownHostsFile`, else `~/.ssh/known_hosts`. */
  readonly knownHosts?: string | undefined;
  /** Default: the config's `StrictHostKeyChecking`, else `accept-new`. */
  readonly hostKeyPolicy?: HostKeyPolicy | undefined;
  /** Per attempt. Default: the config's `ConnectTimeout`, else 10,000 ms. */
  readonly connectTimeout?: number | undefined;
  /** Attempts for failures before authentication (refused, reset, dropped, timed out). Default 3. */
  readonly connectAttempts?: number | undefined;
  /** Keepalive period, `0` for none. Default: the config's `ServerAliveInterval`, else 5,000 ms. */
  readonly keepalive?: number | undefined;
  /** Unanswered keepalives that mean the peer is dead. Default: `ServerAliveCountMax`, else 3. */
  readonly keepaliveCountMax?: number | undefined;
  /**
   * The server's `MaxSessions` (default 10), 2 or more: commands and transfers use all sessions but one, which
   * is kept for killing cancelled commands; more wait for a free session.
   */
  readonly maxSessions?: number | undefined;
  /** Handshakes at once to the same server or through the same gateway (under `MaxStartups`). Default 8. */
  readonly maxStartups?: number | undefined;
  /** The ssh config file to read; `false` for none. Default `~/.ssh/config`. */
  readonly sshConfig?: string | false | undefined;
  /** Name in output prefixes and errors. Default: `hostname`. */
  readonly label?: string | undefined;
  /** Milliseconds between TERM and KILL when a command is cancelled. Default 1,000. */
  readonly killGrace?: number | undefined;
  /** ssh2 algorithm lists, for special cases (old servers, benchmarks). */
  readonly algorithms?: ConnectConfig['algorithms'] | undefined;
}

interface Resolved {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly keys: readonly string[] | undefined;
  readonly knownHosts: string;
  readonly policy: HostKeyPolicy;
  readonly connectTimeout: number;
  readonly keepalive: number;
  readonly keepaliveCountMax: number;
  readonly gateway: SshNode | undefined;
}

let serial = 0;
// jump hosts made from ProxyJump lines, shared by every node that names the same chain
const jumpNodes = new Map<string, SshNode>();

const checkInteger = (subject: string, field: string, value: unknown, min: number, max: number): void => {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(subject, field, `must be an integer from ${String(min)} to ${String(max)}`);
};

/**
 * A remote host reached over SSH (ssh2): one connection per node object, opened on first use, shared by
 * every command on it; closed by `close()` (a scheduler's shutdown closes the nodes of its SshJobs).
 * @example
 * const node = new SshNode({ hostname: 'fit01', username: 'root', gateway: new SshNode({ hostname: 'faraday' }) });
 * node.exec('uname -a').pipe(stdout()).subscribe(console.log);
 * @category constructors
 */
export class SshNode implements Node {
  readonly hostname: string;
  readonly username: string | undefined;
  readonly label: string;
  readonly gateway: SshNode | undefined;
  readonly scriptDir = '.rxjobs-remote';
  readonly killGrace: number;
  readonly options: SshNodeOptions;
  readonly #id = ++serial;
  #resolved: Promise<Resolved> | undefined;
  #connection: Promise<SshConnection> | undefined;
  readonly #pending = new Set<Promise<void>>();
  #tunnels = 0; // nodes whose connection goes through this one's
  #direct = false; // commands ran on this node itself
  #closeRequested = false;

  constructor(options: SshNodeOptions) {
    const subject = `node "${options.label ?? options.hostname}"`;
    if (typeof options.hostname !== 'string' || options.hostname.trim() === '')
      throw new ConfigError(subject, 'hostname', 'must be a non-empty string');
    if (options.gateway !== undefined && !(options.gateway instanceof SshNode))
      throw new ConfigError(subject, 'gateway', 'must be an SshNode');
    checkInteger(subject, 'port', options.port, 1, 65535);
    checkInteger(subject, 'maxSessions', options.maxSessions, 2, 10000); // one is kept for kills
    checkInteger(subject, 'maxStartups', options.maxStartups, 1, 10000);
    checkInteger(subject, 'connectAttempts', options.connectAttempts, 1, 100);
    for (const field of ['connectTimeout', 'keepalive', 'killGrace'] as const) {
      const value = options[field];
      if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value) || value < 0))
        throw new ConfigError(subject, field, 'must be a duration in milliseconds, 0 or more');
    }
    if (
      options.hostKeyPolicy !== undefined &&
      !['strict', 'accept-new', 'off'].includes(options.hostKeyPolicy)
    )
      throw new ConfigError(subject, 'hostKeyPolicy', "must be 'strict', 'accept-new' or 'off'");
    this.options = options;
    this.hostname = options.hostname;
    this.username = options.username;
    this.label = options.label ?? options.hostname;
    this.gateway = options.gateway;
    this.killGrace = options.killGrace ?? 1000;
  }

  /** `user@host:port`, with the gateways in front (`gw -> user@host`). */
  toString(): string {
    const user = this.username === undefined ? '' : `${this.username}@`;
    const port =
      this.options.port === undefined || this.options.port === 22 ? '' : `:${String(this.options.port)}`;
    return `${this.gateway === undefined ? '' : `${this.gateway.toString()} -> `}${user}${this.hostname}${port}`;
  }

  exec(command: string, options?: ExecOptions): Observable<CommandEvent> {
    return sshExec(
      {
        node: this,
        connect: () => this.#use(),
        track: (p) => {
          this.#track(p);
        },
        killGrace: this.killGrace,
      },
      command,
      options,
    );
  }

  push(localPaths: readonly string[], remoteDir: string, options: TransferOptions = {}): Observable<never> {
    return this.#sftpTask(async (sftp, temps) => {
      for (const local of localPaths) {
        await this.#transfer(local, () => putPath(sftp, local, remoteDir, options.preserve !== false, temps));
      }
    }, localPaths);
  }

  pull(remotePaths: readonly string[], localDir: string, options: TransferOptions = {}): Observable<never> {
    return this.#sftpTask(async (sftp, temps) => {
      for (const remote of remotePaths)
        if ((await remoteKind(sftp, remote)) === undefined)
          throw new TransferError(this.toString(), remote, 'no such remote file or directory');
      await mkdir(localDir, { recursive: true });
      for (const remote of remotePaths)
        await this.#transfer(remote, () =>
          getPath(sftp, remote, localDir, options.preserve !== false, temps),
        );
    });
  }

  writeFile(remotePath: string, data: string | Buffer, mode = 0o644): Observable<never> {
    return this.#sftpTask((sftp, temps) =>
      this.#transfer(remotePath, () => putData(sftp, remotePath, data, mode, temps)),
    );
  }

  async close(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    if (this.#tunnels > 0) {
      this.#closeRequested = true; // closes once the last node behind it is closed
      return;
    }
    await this.#end();
  }

  async #end(): Promise<void> {
    const connecting = this.#connection;
    this.#connection = undefined;
    this.#closeRequested = false;
    this.#direct = false;
    if (connecting === undefined) return;
    const connection = await connecting.catch(() => undefined);
    await connection?.end();
  }

  #track(p: Promise<void>): void {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  #use(): Promise<SshConnection> {
    this.#direct = true;
    return this.#connect();
  }

  /** The shared connection, opened on first use and again after it closed. */
  #connect(): Promise<SshConnection> {
    const current = this.#connection;
    if (current !== undefined) {
      return current.then((c) => (c.closed ? this.#reconnect(current) : c));
    }
    const connecting = this.#open();
    this.#connection = connecting;
    connecting.catch(() => {
      if (this.#connection === connecting) this.#connection = undefined;
    });
    return connecting;
  }

  #reconnect(stale: Promise<SshConnection>): Promise<SshConnection> {
    if (this.#connection === stale) this.#connection = undefined;
    return this.#connect();
  }

  async #open(): Promise<SshConnection> {
    const r = await this.#resolve();
    const label = this.toString();
    const auth = await planAuth(label, {
      username: r.username,
      keys: r.keys,
      passphrase: this.options.passphrase,
      agent: this.options.agent,
      password: this.options.password,
    });
    const gateway = r.gateway;
    if (gateway !== undefined) gateway.#tunnels++;
    try {
      const connection = await openConnection({
        label,
        host: r.host,
        port: r.port,
        username: r.username,
        auth,
        verifyHostKey: (data) =>
          verifyHostKey(
            { host: r.host, port: r.port },
            { type: blobKeyType(data) ?? 'unknown', data },
            { policy: r.policy, files: [r.knownHosts, '/etc/ssh/ssh_known_hosts'], userFile: r.knownHosts },
          ),
        connectTimeout: r.connectTimeout,
        attempts: this.options.connectAttempts ?? 3,
        keepaliveInterval: r.keepalive,
        keepaliveCountMax: r.keepaliveCountMax,
        maxSessions: this.options.maxSessions ?? 10,
        rampKey: gateway === undefined ? `${r.host}:${String(r.port)}` : `via #${String(gateway.#id)}`,
        rampLimit: this.options.maxStartups ?? 8,
        tunnel:
          gateway === undefined
            ? undefined
            : async () => (await gateway.#connect()).forwardOut(r.host, r.port),
        algorithms: this.options.algorithms,
      });
      if (gateway !== undefined)
        connection.onClose(() => {
          gateway.#release();
        });
      return connection;
    } catch (e: unknown) {
      if (gateway !== undefined) gateway.#release();
      throw e;
    }
  }

  /** A node behind this one closed its connection: close this one too if nothing else needs it. */
  #release(): void {
    this.#tunnels--;
    if (this.#tunnels === 0 && (this.#closeRequested || !this.#direct)) void this.#end();
  }

  #resolve(): Promise<Resolved> {
    const resolving = (this.#resolved ??= this.#resolveOnce());
    resolving.catch(() => {
      if (this.#resolved === resolving) this.#resolved = undefined;
    });
    return resolving;
  }

  async #resolveOnce(): Promise<Resolved> {
    const o = this.options;
    const config =
      o.sshConfig === false
        ? {}
        : await resolveSshConfig(o.hostname, o.sshConfig === undefined ? {} : { file: o.sshConfig });
    const username = o.username ?? config.user ?? os.userInfo().username;
    const port = o.port ?? config.port ?? 22;
    let gateway = o.gateway;
    if (gateway === undefined && config.proxyJump !== undefined && config.proxyJump.length > 0) {
      for (const hop of config.proxyJump) {
        const key = `${String(o.sshConfig)}|${gateway === undefined ? '' : String(gateway.#id)}|${hop.user ?? ''}@${hop.host}:${String(hop.port ?? '')}`;
        let next = jumpNodes.get(key);
        if (next === undefined) {
          next = new SshNode({
            hostname: hop.host,
            username: hop.user,
            port: hop.port,
            gateway,
            sshConfig: o.sshConfig,
            agent: o.agent,
            hostKeyPolicy: o.hostKeyPolicy,
            knownHosts: o.knownHosts,
            connectTimeout: o.connectTimeout,
          });
          jumpNodes.set(key, next);
        }
        gateway = next;
      }
    }
    return {
      host: config.hostname ?? o.hostname,
      port,
      username,
      keys:
        o.keys ??
        (config.identityFiles !== undefined && config.identityFiles.length > 0
          ? config.identityFiles
          : undefined),
      knownHosts:
        o.knownHosts ?? config.userKnownHostsFiles?.[0] ?? path.join(os.homedir(), '.ssh', 'known_hosts'),
      policy: o.hostKeyPolicy ?? config.strictHostKeyChecking ?? 'accept-new',
      connectTimeout: o.connectTimeout ?? config.connectTimeout ?? 10_000,
      keepalive: o.keepalive ?? config.serverAliveInterval ?? 5_000,
      keepaliveCountMax: o.keepaliveCountMax ?? config.serverAliveCountMax ?? 3,
      gateway,
    };
  }

  /** Runs `work` with a path named by its errors. */
  async #transfer(file: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e: unknown) {
      if (isJobsError(e)) throw e;
      throw new TransferError(this.toString(), file, (e as Error).message, { cause: e });
    }
  }

  /**
   * An SFTP session as a cold Observable: a session slot and an SFTP channel for the life of `work`.
   * Unsubscribing (or a failure) removes the temporary files of the transfer, so that nothing partial
   * stays behind; `localChecks` are paths that must exist before any connection is made.
   */
  #sftpTask(
    work: (sftp: SFTPWrapper, temps: TempFiles) => Promise<void>,
    localChecks: readonly string[] = [],
  ): Observable<never> {
    return new Observable<never>((subscriber) => {
      const temps: TempFiles = { local: new Set(), remote: new Set() };
      const abort = new AbortController();
      let sftp: SFTPWrapper | undefined;
      let connection: SshConnection | undefined;
      let release: (() => void) | undefined;
      let done = false;
      const cleanup = async (): Promise<void> => {
        sftp?.end();
        await removeLocalTemps(temps);
        if (temps.remote.size > 0 && connection !== undefined && !connection.closed) {
          const fresh = await connection.sftp().catch(() => undefined);
          if (fresh !== undefined) {
            await Promise.all([...temps.remote].map((f) => remoteUnlink(fresh, f)));
            fresh.end();
          }
        }
        release?.();
      };
      const run = async (): Promise<void> => {
        for (const local of localChecks) {
          try {
            await stat(local);
          } catch (e: unknown) {
            throw new TransferError(this.toString(), local, 'no such local file or directory', { cause: e });
          }
        }
        connection = await this.#use();
        release = await connection.sessions.acquire(abort.signal);
        sftp = await connection.sftp();
        if (abort.signal.aborted) return;
        await work(sftp, temps);
      };
      const finished = run().then(
        () => {
          done = true;
          sftp?.end();
          release?.();
          subscriber.complete();
        },
        async (e: unknown) => {
          done = true;
          await cleanup();
          subscriber.error(e);
        },
      );
      return () => {
        if (done) return;
        abort.abort();
        sftp?.end(); // fails the transfer in progress; its error path cleans up, and close() waits for it
        this.#track(finished);
      };
    });
  }
}
