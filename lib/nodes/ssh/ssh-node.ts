import type { Observable } from 'rxjs';
import { takeUntil, timer } from 'rxjs';

import { ConfigError } from '../../errors/config-error.js';
import type { CommandEvent, NodeRef } from '../command-event.js';
import { nodeRef } from '../command-event.js';
import { blobKeyType, knownHostKeyTypes, verifyHostKey } from '../trust/known-hosts.js';
import type { ExecOptions, Node, TransferOptions } from '../node.js';
import { checkExecOptions, checkTransferOptions, refusedOptions } from '../node-options.js';
import { planAuth } from './ssh-auth.js';
import type { JumpHop } from '../trust/ssh-config/types.js';
import { hostKeyAlgorithms, openConnection } from './ssh-connect.js';
import type { SshConnection } from './ssh-connection.js';
import type { ExecHost } from './ssh-exec.js';
import { sshExec } from './ssh-exec.js';
import { shellQuote } from '../shell-quote.js';
import type { SshAlgorithms, SshNodeOptionsOf } from './ssh-node-options.js';
import { checkSshNodeOptions, sshNodeOptions } from './ssh-node-options-check.js';
import type { ResolvedNode } from './resolve-node.js';
import { resolveNode } from './resolve-node.js';
import { sshPull, sshPush, sshWriteFile } from './ssh-transfer.js';
import type { Inspect } from './redact.js';
import { INSPECT, redactingOptions, redactOptions } from './redact.js';

/**
 * Options of an {@link SshNode}. Durations in milliseconds. Unset options come from `~/.ssh/config` (Host
 * blocks matching `hostname`), then from OpenSSH's defaults; explicit options win.
 * @category models
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface, as it was, not a type alias
export interface SshNodeOptions extends SshNodeOptionsOf<SshNode> {}

const SYSTEM_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

let serial = 0;

// the bound on the `rm` of a discard (see discard()), once it has started; its kill, if it comes to that, is
// bounded as any command's
const DISCARD_MS = 10_000;
// jump hosts made from ProxyJump lines, shared by every node that names the same chain
const jumpNodes = new Map<string, SshNode>();

/**
 * A remote host reached over SSH (ssh2): one connection per node object, opened on first use, shared by
 * every command on it. The connection belongs to its users: commands and transfers in progress, SshJobs
 * (from the start of their work to the end of their run: a scheduler's shutdown releases them), kills of
 * cancelled commands, nodes behind it as a gateway. Once the last is done it closes by itself after
 * `linger` ms (default 500), so that a script ends without `close()`; when an SshJob's run releases the
 * last hold, it closes at once. `close()` is an explicit, immediate end: it stops whatever runs on the node.
 * `console.log`, `util.inspect` and `JSON.stringify` never show its password or passphrase (`[redacted]`);
 * events and errors carry its {@link nodeRef}, not the node.
 * @example
 * const node = new SshNode({ hostname: 'fit01', username: 'root', gateway: new SshNode({ hostname: 'faraday' }) });
 * node.exec('uname -a').pipe(stdout()).subscribe(console.log);
 * @category constructors
 */
export class SshNode implements Node {
  readonly hostname: string;
  readonly username: string | undefined;
  /** The port given (`undefined`: the ssh config's `Port`, else 22). */
  readonly port: number | undefined;
  readonly label: string;
  readonly gateway: SshNode | undefined;
  readonly scriptDir = '.rxjobs-remote';
  readonly killGrace: number;
  /** The options given, as a copy that `console.log` and `JSON.stringify` show with its secrets redacted. */
  readonly options: SshNodeOptions;
  readonly #id = ++serial;
  readonly #host: ExecHost;
  #resolved: Promise<ResolvedNode<SshNode>> | undefined;
  #connection: Promise<SshConnection> | undefined;
  readonly #pending = new Set<Promise<void>>(); // kills and cleanups that close() waits for
  readonly #discards = new Set<Promise<void>>(); // those of them that are discards
  #live: SshConnection | undefined; // the connection once open (#connection is set while it opens)
  readonly #closing = new Set<() => void>(); // commands and transfers in progress, stopped by close()
  #holds = 0; // nodes whose connection goes through this one's (opening or open)
  #users = 0; // commands, transfers, jobs, kills and discards using this node (see #acquire)
  #epoch = 0; // close() starts a new one: the uses counted before it are void
  #lingering: NodeJS.Timeout | undefined; // the wait before closing a connection that nothing uses
  readonly #linger: number;
  #closeRequested = false;
  #gatewayClosed: Promise<void> | undefined; // the gateway's end, when this node's connection released it
  #connecting: AbortController | undefined; // aborts the connection attempts in progress
  #serverSessions: number | undefined; // the server's MaxSessions, when it refused fewer than maxSessions

  /**
   * @param options the node's options; or, as apssh's `SshNode('host', username=...)`, a string `host`,
   * `user@host` or `user@host:port`, with the other options after it.
   * @throws {ConfigError} for an unknown option (a typo, or apssh's snake_case), a bad value, or a string
   * that is not of those forms.
   */
  constructor(options: SshNodeOptions);
  constructor(target: string, options?: Omit<SshNodeOptions, 'hostname'>);
  constructor(target: SshNodeOptions | string, more?: Omit<SshNodeOptions, 'hostname'>) {
    const options: SshNodeOptions = sshNodeOptions<SshNode>(target, more);
    checkSshNodeOptions(options);
    if (options.gateway !== undefined && options.gateway !== null && !(options.gateway instanceof SshNode))
      throw new ConfigError(
        `node "${options.label ?? options.hostname}"`,
        'gateway',
        'must be an SshNode, or null for a direct connection',
      );
    this.options = redactingOptions(options);
    this.hostname = options.hostname;
    this.username = options.username;
    this.port = options.port;
    this.label = options.label ?? options.hostname;
    this.gateway = options.gateway ?? undefined;
    this.killGrace = options.killGrace ?? 500;
    this.#linger = options.linger ?? 500;
    this.#host = {
      node: this,
      name: this.toString(),
      connect: () => this.#connect(),
      hold: () => {
        const release = this.#acquire();
        return () => {
          void release(true);
        };
      },
      track: (p) => {
        this.#track(p);
      },
      onClosing: (stop) => {
        this.#closing.add(stop);
        return () => this.#closing.delete(stop);
      },
      killGrace: this.killGrace,
    };
  }

  /** `user@host:port`, with the gateways in front (`gw -> user@host`). */
  toString(): string {
    const user = this.username === undefined ? '' : `${this.username}@`;
    const port =
      this.options.port === undefined || this.options.port === 22 ? '' : `:${String(this.options.port)}`;
    return `${this.gateway === undefined ? '' : `${this.gateway.toString()} -> `}${user}${this.hostname}${port}`;
  }

  /** Its {@link nodeRef} plus its gateway's: what `JSON.stringify` shows, never a secret. */
  toJSON(): NodeRef & { readonly gateway?: unknown } {
    const ref = nodeRef(this);
    return this.gateway === undefined ? ref : { ...ref, gateway: this.gateway.toJSON() };
  }

  /**
   * What `console.log` and `util.inspect` show: the public fields, the options' secrets redacted.
   * @internal
   */
  [INSPECT](_depth: number, options: object, inspect: Inspect): string {
    const { label, hostname, username, port, scriptDir, killGrace } = this;
    const gateway = this.gateway?.toString();
    const shown = {
      label,
      hostname,
      username,
      port,
      gateway,
      scriptDir,
      killGrace,
      options: redactOptions(this.options),
    };
    return `SshNode ${inspect(shown, options)}`;
  }

  exec(command: string, options?: ExecOptions): Observable<CommandEvent> {
    const refused = refusedOptions(() => {
      checkExecOptions(this, options, command);
    });
    if (refused !== undefined) return refused;
    return sshExec(this.#host, command, options);
  }

  push(localPaths: readonly string[], remoteDir: string, options: TransferOptions = {}): Observable<never> {
    const refused = refusedOptions(() => {
      checkTransferOptions(this, 'push', options);
    });
    if (refused !== undefined) return refused;
    return sshPush(this.#host, localPaths, remoteDir, options);
  }

  pull(remotePaths: readonly string[], localDir: string, options: TransferOptions = {}): Observable<never> {
    const refused = refusedOptions(() => {
      checkTransferOptions(this, 'pull', options);
    });
    if (refused !== undefined) return refused;
    return sshPull(this.#host, remotePaths, localDir, options);
  }

  writeFile(remotePath: string, data: string | Buffer, mode = 0o644): Observable<never> {
    return sshWriteFile(this.#host, remotePath, data, mode);
  }

  /** @internal */
  discard(path: string): void {
    if (this.#live === undefined) return; // not connected: nothing can have been written since
    // after an aborted transfer's own clean-up, or a kill; not after other discards, which do not write
    const earlier = Promise.allSettled([...this.#pending].filter((p) => !this.#discards.has(p)));
    const release = this.#acquire(); // the connection stays open for it
    const discarding = earlier.then(() => this.#removeQuietly(path));
    this.#discards.add(discarding);
    void discarding.finally(() => {
      this.#discards.delete(discarding);
      void release(true);
    });
    this.#track(discarding);
  }

  /** `rm -rf path` on the connection if it is open now; not stopped by close(), bounded by DISCARD_MS. */
  #removeQuietly(path: string): Promise<void> {
    const live = this.#live;
    if (live === undefined || live.closed) return Promise.resolve();
    const host: ExecHost = {
      ...this.#host,
      connect: () => Promise.resolve(live),
      onClosing: () => () => undefined,
    };
    return new Promise((done) => {
      sshExec(host, `rm -rf -- ${shellQuote(path)}`)
        .pipe(takeUntil(timer(DISCARD_MS)))
        .subscribe({ complete: done, error: done });
    });
  }

  /**
   * Keeps the connection, once open, from closing until the returned function is called; that function
   * waits for the kills and clean-ups pending on the node, then closes the connection at once (without the
   * linger) if nothing else uses it. An SshJob holds its node from the start of its work until its run's
   * shutdown (or, with `keepConnection`, until `close()`). `close()` voids every hold taken before it.
   * @internal
   */
  hold(): () => Promise<void> {
    const release = this.#acquire();
    return async () => {
      while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
      await release(false);
    };
  }

  /**
   * Counts one more use of the node (and stops the linger); the function returned ends that use (once,
   * whatever the number of calls): the last one closes the connection after the linger, or at once (when
   * `linger` is false) if no node behind it still has its connection open.
   */
  #acquire(): (linger: boolean) => Promise<void> {
    const epoch = this.#epoch;
    this.#users++;
    this.#stopLinger();
    let released = false;
    return (linger) => {
      if (released || epoch !== this.#epoch) return Promise.resolve();
      released = true;
      if (--this.#users > 0) return Promise.resolve();
      if (!linger) return this.#endIfUnused();
      this.#idle();
      return Promise.resolve();
    };
  }

  /** Nothing uses the node: its connection (open or opening) closes after the linger, unless used again. */
  #idle(): void {
    if (this.#users > 0 || this.#lingering !== undefined || this.#connection === undefined) return;
    if (this.#linger === 0) {
      void this.#endIfUnused();
      return;
    }
    this.#lingering = setTimeout(() => {
      this.#lingering = undefined;
      void this.#endIfUnused();
    }, this.#linger);
    this.#lingering.unref(); // the open connection keeps the process alive, not the wait
  }

  #stopLinger(): void {
    if (this.#lingering === undefined) return;
    clearTimeout(this.#lingering);
    this.#lingering = undefined;
  }

  /** Closes the connection if nothing uses it, no node behind it has one open, and it is not lingering. */
  #endIfUnused(): Promise<void> {
    if (this.#users > 0 || this.#holds > 0 || this.#lingering !== undefined) return Promise.resolve();
    return this.#end();
  }

  /**
   * Stops the commands and transfers still in progress on this node (their process groups are killed, their
   * streams error with an `SshError`), waits for those kills and for the kills of cancelled commands, then
   * closes the connection at once, whoever holds it, and the gateways' connections that nothing else uses
   * (the remotest first). A gateway with nodes behind it still open closes when the last of them does. Safe
   * to call twice; a later command opens a new connection.
   */
  async close(): Promise<void> {
    this.#epoch++; // holds taken before (an SshJob's keepConnection) are void
    this.#users = 0;
    this.#stopLinger();
    for (const stop of [...this.#closing]) stop();
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    if (this.#holds > 0) {
      this.#closeRequested = true; // closes once the last node behind it is closed
      return;
    }
    await this.#end();
  }

  async #end(): Promise<void> {
    const connecting = this.#connection;
    this.#connection = undefined;
    this.#live = undefined;
    this.#connecting?.abort(); // an attempt in progress stops now, rather than at its connect timeout
    this.#connecting = undefined;
    this.#closeRequested = false;
    this.#stopLinger();
    if (connecting === undefined) return;
    const connection = await connecting.catch(() => undefined);
    await connection?.end();
    await this.#gatewayClosed;
  }

  #track(p: Promise<void>): void {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  /** The shared connection, opened on first use and again after it closed. */
  #connect(): Promise<SshConnection> {
    const current = this.#connection;
    if (current !== undefined) {
      return current.then((c) => (c.closed ? this.#reconnect(current) : c));
    }
    const controller = new AbortController();
    this.#connecting = controller;
    const connecting = this.#open(controller.signal);
    this.#connection = connecting;
    connecting.then(
      (connection) => {
        if (this.#connection !== connecting) return;
        this.#live = connection;
        // opened for a user who has gone since (a transfer cancelled while it connected); a gateway opened for
        // a node behind it closes when the last of them does (#release)
        if (this.#holds === 0) this.#idle();
      },
      () => {
        if (this.#connection === connecting) this.#connection = undefined;
      },
    );
    return connecting;
  }

  #reconnect(stale: Promise<SshConnection>): Promise<SshConnection> {
    if (this.#connection === stale) this.#connection = undefined;
    return this.#connect();
  }

  /**
   * Opens this node's connection, through its gateway's when it has one. The gateway is held from the
   * start (so that its `close()` waits) and released when this connection closes.
   */
  async #open(signal: AbortSignal): Promise<SshConnection> {
    let gateway = this.gateway;
    if (gateway !== undefined) gateway.#hold();
    try {
      const r = await this.#resolve();
      if (gateway === undefined && r.jumpGateway !== undefined) {
        gateway = r.jumpGateway;
        gateway.#hold();
      }
      const via = gateway;
      const connection = await this.#handshake(r, via, signal);
      this.#gatewayClosed = undefined;
      if (via !== undefined)
        connection.onClose(() => {
          this.#gatewayClosed = via.#release();
        });
      return connection;
    } catch (e: unknown) {
      if (gateway !== undefined) void gateway.#release();
      throw e;
    }
  }

  async #handshake(
    r: ResolvedNode<SshNode>,
    via: SshNode | undefined,
    signal: AbortSignal,
  ): Promise<SshConnection> {
    // a gateway from ProxyJump is not in toString(): name it in errors; so are the user, host name and port
    // that the ssh config or the defaults gave, when they differ from what the options say
    const own = this.toString();
    const resolved = `${r.username}@${r.host}${r.port === 22 ? '' : `:${String(r.port)}`}`;
    const named = own === resolved || own.endsWith(` -> ${resolved}`) ? own : `${own} (${resolved})`;
    const label = via !== undefined && this.gateway === undefined ? `${via.toString()} -> ${named}` : named;
    const lookup = { host: r.host, port: r.port };
    const files = [...r.knownHostsFiles, ...SYSTEM_KNOWN_HOSTS];
    const auth = await planAuth(label, {
      username: r.username,
      keys: r.keys,
      passphrase: this.options.passphrase,
      agent: this.options.agent,
      password: this.options.password,
    });
    return openConnection({
      label,
      host: r.host,
      port: r.port,
      username: r.username,
      auth,
      verifyHostKey: (data) =>
        verifyHostKey(
          lookup,
          { type: blobKeyType(data) ?? 'unknown', data },
          {
            policy: r.policy,
            files,
            userFile: r.knownHostsFiles[0],
          },
        ),
      connectTimeout: r.connectTimeout,
      attempts: this.options.connectAttempts ?? 3,
      keepaliveInterval: r.keepalive,
      keepaliveCountMax: r.keepaliveCountMax,
      maxSessions: this.#serverSessions ?? this.options.maxSessions ?? 10,
      onSessionsLowered: (server, limit) => {
        this.#sessionsLowered(label, server, limit);
      },
      rampKey: via === undefined ? `${r.host}:${String(r.port)}` : `via #${String(via.#id)}`,
      rampLimit: this.options.maxStartups ?? 8,
      tunnel: via === undefined ? undefined : async () => (await via.#connect()).forwardOut(r.host, r.port),
      algorithms: this.#algorithms(r.policy === 'off' ? [] : await knownHostKeyTypes(lookup, files)),
      signal,
    });
  }

  /**
   * The server refused a session: its `MaxSessions` (`server`) is lower than `maxSessions`. Later connections
   * start with it; the first time, a process warning says so (`RXJOBS_MAX_SESSIONS`).
   */
  #sessionsLowered(label: string, server: number, limit: number): void {
    const first = this.#serverSessions === undefined;
    this.#serverSessions = Math.min(server, this.#serverSessions ?? server);
    if (!first) return;
    const said = this.options.maxSessions ?? 10;
    const what = `now ${String(limit)} command${limit === 1 ? '' : 's'} or transfer${limit === 1 ? '' : 's'} at a time`;
    const fix =
      server >= 2
        ? `set the node's maxSessions to ${String(server)}, or raise MaxSessions in the server's sshd_config`
        : "raise MaxSessions in the server's sshd_config to 2 or more";
    process.emitWarning(
      `${label}: the server refused a session with ${String(server)} open, so its MaxSessions is lower than ` +
        `maxSessions (${String(said)}): ${what} there (one more session kept for kills); ${fix}`,
      { type: 'RxjobsWarning', code: 'RXJOBS_MAX_SESSIONS' },
    );
  }

  /** The options' algorithms, with the host key types known for the host asked for first. */
  #algorithms(knownTypes: readonly string[]): SshAlgorithms | undefined {
    const given = this.options.algorithms;
    const serverHostKey = given?.serverHostKey ?? hostKeyAlgorithms(knownTypes);
    return serverHostKey === undefined ? given : { ...given, serverHostKey };
  }

  /** A node behind this one starts using this one's connection. */
  #hold(): void {
    this.#holds++;
  }

  /**
   * A node behind this one closed its connection: close this one too if nothing else needs it (at once: a
   * gateway that was not used itself lingered with the node behind it).
   */
  #release(): Promise<void> {
    this.#holds--;
    if (this.#holds > 0) return Promise.resolve();
    return this.#closeRequested ? this.#end() : this.#endIfUnused();
  }

  #resolve(): Promise<ResolvedNode<SshNode>> {
    const resolving = (this.#resolved ??= resolveNode(this.options, (hop, via) => this.#jumpNode(hop, via)));
    resolving.catch(() => {
      if (this.#resolved === resolving) this.#resolved = undefined;
    });
    return resolving;
  }

  /** The node for one ProxyJump hop, shared by every node whose config names the same chain. */
  #jumpNode(hop: JumpHop, via: SshNode | undefined): SshNode {
    const o = this.options;
    const inherited = {
      sshConfig: o.sshConfig,
      agent: o.agent,
      hostKeyPolicy: o.hostKeyPolicy,
      knownHosts: o.knownHosts,
      connectTimeout: o.connectTimeout,
    };
    const key = JSON.stringify([via === undefined ? 0 : via.#id, hop.user, hop.host, hop.port, inherited]);
    let node = jumpNodes.get(key);
    if (node === undefined) {
      node = new SshNode({
        hostname: hop.host,
        username: hop.user,
        port: hop.port,
        gateway: via,
        ...inherited,
      });
      jumpNodes.set(key, node);
    }
    return node;
  }
}
