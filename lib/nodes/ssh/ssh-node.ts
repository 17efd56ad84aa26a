import { availableParallelism } from 'node:os';

import type { Observable } from 'rxjs';
import { takeUntil, timer } from 'rxjs';

import { ConfigError } from '../../errors/config-error.js';
import type { CommandEvent, NodeRef } from '../command-event.js';
import { nodeRef } from '../command-event.js';
import type { ExecOptions, Node, TransferOptions } from '../node.js';
import { checkExecOptions, checkTransferOptions, refusedOptions } from '../node-options.js';
import { shellQuote } from '../shell-quote.js';
import type { JumpHop } from '../trust/ssh-config/types.js';
import { NodeConnection } from './node-connection.js';
import type { Inspect } from './redact.js';
import { INSPECT, redactingOptions, redactOptions } from './redact.js';
import type { ExecHost } from './exec-host.js';
import { sshExec } from './ssh-exec.js';
import type { SshNodeOptionsOf } from './ssh-node-options.js';
import { checkSshNodeOptions, sshNodeOptions } from './ssh-node-options-check.js';
import { sshPull, sshPush, sshWriteFile } from './ssh-transfer.js';
import { workersWanted } from './worker/pool.js';
import { WorkerNode } from './worker/worker-node.js';

/**
 * Options of an {@link SshNode}. Durations in milliseconds. Unset options come from `~/.ssh/config` (Host
 * blocks matching `hostname`), then from OpenSSH's defaults; explicit options win.
 * @category models
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface, as it was, not a type alias
export interface SshNodeOptions extends SshNodeOptionsOf<SshNode> {}

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
  readonly #link: NodeConnection<SshNode>; // its connection and the count of its users
  readonly #discards = new Set<Promise<void>>(); // the discards among the kills and cleanups pending
  #twin: WorkerNode | null | undefined; // its twin in a worker thread; null: here; undefined: not decided

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
    const gateway = this.gateway === undefined ? undefined : this.gateway.#link;
    this.#link = new NodeConnection(this, this.#id, gateway, (hop, via) => this.#jumpNode(hop, via));
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
    const twin = this.#worker();
    if (twin !== undefined) return twin.exec(command, options ?? {});
    return sshExec(this.#link.host, command, options);
  }

  push(localPaths: readonly string[], remoteDir: string, options: TransferOptions = {}): Observable<never> {
    return this.#copy('push', localPaths, remoteDir, options);
  }

  pull(remotePaths: readonly string[], localDir: string, options: TransferOptions = {}): Observable<never> {
    return this.#copy('pull', remotePaths, localDir, options);
  }

  /** {@link push} or {@link pull}: in this thread, or by its twin in a worker. */
  #copy(
    kind: 'push' | 'pull',
    paths: readonly string[],
    dir: string,
    options: TransferOptions,
  ): Observable<never> {
    const refused = refusedOptions(() => {
      checkTransferOptions(this, kind, options);
    });
    if (refused !== undefined) return refused;
    const twin = this.#worker();
    if (twin !== undefined) {
      const renamed = options.onRenamed !== undefined;
      return twin.transfer({ kind, paths, dir, preserve: options.preserve, renamed }, options);
    }
    return (kind === 'push' ? sshPush : sshPull)(this.#link.host, paths, dir, options);
  }

  writeFile(remotePath: string, data: string | Buffer, mode = 0o644): Observable<never> {
    const twin = this.#worker();
    if (twin !== undefined) return twin.transfer({ kind: 'writeFile', path: remotePath, data, mode });
    return sshWriteFile(this.#link.host, remotePath, data, mode);
  }

  /** @internal */
  discard(path: string): void {
    if (this.#twin !== undefined && this.#twin !== null) {
      this.#twin.discard(path);
      return;
    }
    const link = this.#link;
    if (link.live === undefined) return; // not connected: nothing can have been written since
    // after an aborted transfer's own clean-up, or a kill; not after other discards, which do not write
    const earlier = Promise.allSettled([...link.pending].filter((p) => !this.#discards.has(p)));
    const release = link.acquire(); // the connection stays open for it
    const discarding = earlier.then(() => this.#removeQuietly(path));
    this.#discards.add(discarding);
    void discarding.finally(() => {
      this.#discards.delete(discarding);
      void release(true);
    });
    link.track(discarding);
  }

  /** `rm -rf path` on the connection if it is open now; not stopped by close(), bounded by DISCARD_MS. */
  #removeQuietly(path: string): Promise<void> {
    const live = this.#link.live;
    if (live === undefined || live.closed) return Promise.resolve();
    const host: ExecHost = {
      ...this.#link.host,
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
    const twin = this.#worker();
    return twin === undefined ? this.#link.hold() : twin.hold();
  }

  /**
   * Stops the commands and transfers still in progress on this node (their process groups are killed, their
   * streams error with an `SshError`), waits for those kills and for the kills of cancelled commands, then
   * closes the connection at once, whoever holds it, and the gateways' connections that nothing else uses
   * (the remotest first). A gateway with nodes behind it still open closes when the last of them does. Safe
   * to call twice; a later command opens a new connection.
   */
  close(): Promise<void> {
    const twin = this.#twin;
    // in this thread, the connection's close starts now, not a turn later: a command subscribed right after
    // close() belongs to the next connection, not to the one being closed
    return twin === undefined || twin === null
      ? this.#link.close()
      : twin.close().then(() => this.#link.close());
  }

  /**
   * Its twin in a worker thread, when it runs there (decided at its first use, see the `worker` option);
   * `undefined` when it runs in this thread.
   */
  #worker(): WorkerNode | undefined {
    if (this.#twin === undefined) {
      const wanted = workersWanted();
      const asked = this.options.worker;
      const size = wanted !== undefined && wanted > 0 ? wanted : availableParallelism();
      // the option wins over the environment; a node behind a gateway lives where its gateway does
      const gateway = this.gateway === undefined ? undefined : this.gateway.#worker();
      const here =
        asked === false ||
        (asked === undefined && (wanted ?? 0) === 0) ||
        (this.gateway !== undefined && gateway === undefined);
      this.#twin = here
        ? null
        : new WorkerNode(nodeRef(this), this.toString(), () => this.#plainOptions(), size, gateway);
    }
    return this.#twin ?? undefined;
  }

  /** Its options as plain data for its twin: the secrets included, no gateway (a twin has none). */
  #plainOptions(): Readonly<Record<string, unknown>> {
    const { password, passphrase } = this.options;
    const { gateway, ...plain } = this.options;
    return {
      ...plain,
      ...(gateway === null ? { gateway } : {}),
      ...(password === undefined ? {} : { password }),
      ...(passphrase === undefined ? {} : { passphrase }),
    };
  }

  /** The connection of the node for one ProxyJump hop, shared by every node whose config names the same chain. */
  #jumpNode(hop: JumpHop, via: NodeConnection<SshNode> | undefined): NodeConnection<SshNode> {
    const o = this.options;
    const inherited = {
      sshConfig: o.sshConfig,
      agent: o.agent,
      hostKeyPolicy: o.hostKeyPolicy,
      knownHosts: o.knownHosts,
      connectTimeout: o.connectTimeout,
    };
    const key = JSON.stringify([via === undefined ? 0 : via.id, hop.user, hop.host, hop.port, inherited]);
    let node = jumpNodes.get(key);
    if (node === undefined) {
      node = new SshNode({
        hostname: hop.host,
        username: hop.user,
        port: hop.port,
        gateway: via?.owner,
        ...inherited,
      });
      jumpNodes.set(key, node);
    }
    return node.#link;
  }
}
