/**
 * The connection of an SshNode: opened on first use (through its gateway's, or its ProxyJump's), shared by
 * the node's users, closed by itself after `linger` ms once the last of them is done, or at once by `close()`.
 * @module
 */
import type { JumpHop } from '../trust/ssh-config/types.js';
import type { ConnectionOwner } from './handshake.js';
import { handshake } from './handshake.js';
import type { ResolvedNode } from './resolve-node.js';
import { resolveNode } from './resolve-node.js';
import type { SshConnection } from './ssh-connection.js';
import type { ExecHost } from './exec-host.js';

/**
 * The connection of one SshNode (its `owner`) and the count of its users: commands and transfers in
 * progress, SshJobs, kills of cancelled commands, nodes behind it as a gateway (see `SshNode`).
 * @internal
 */
export class NodeConnection<Owner extends ConnectionOwner> {
  readonly owner: Owner;
  /** The owner's serial number: names the connections made through this one (handshake ramps, jump nodes). */
  readonly id: number;
  /** What commands and transfers use of the node. */
  readonly host: ExecHost;
  readonly #gateway: NodeConnection<Owner> | undefined; // the connection of the owner's gateway
  readonly #jump: (hop: JumpHop, via: NodeConnection<Owner> | undefined) => NodeConnection<Owner>;
  #resolved: Promise<ResolvedNode<NodeConnection<Owner>>> | undefined;
  #connection: Promise<SshConnection> | undefined;
  readonly #pending = new Set<Promise<void>>(); // kills and cleanups that close() waits for
  #live: SshConnection | undefined; // the connection once open (#connection is set while it opens)
  readonly #closing = new Set<() => void>(); // commands and transfers in progress, stopped by close()
  #holds = 0; // nodes whose connection goes through this one's (opening or open)
  #users = 0; // commands, transfers, jobs, kills and discards using this node (see acquire)
  #epoch = 0; // close() starts a new one: the uses counted before it are void
  #lingering: NodeJS.Timeout | undefined; // the wait before closing a connection that nothing uses
  readonly #linger: number;
  #closeRequested = false;
  #gatewayClosed: Promise<void> | undefined; // the gateway's end, when this node's connection released it
  #connecting: AbortController | undefined; // aborts the connection attempts in progress
  #serverSessions: number | undefined; // the server's MaxSessions, when it refused fewer than maxSessions

  /**
   * @param gateway the connection of the owner's `gateway` option, if any
   * @param jump the connection of the node for one ProxyJump hop, behind `via`
   */
  constructor(
    owner: Owner,
    id: number,
    gateway: NodeConnection<Owner> | undefined,
    jump: (hop: JumpHop, via: NodeConnection<Owner> | undefined) => NodeConnection<Owner>,
  ) {
    this.owner = owner;
    this.id = id;
    this.#gateway = gateway;
    this.#jump = jump;
    this.#linger = owner.options.linger ?? 500;
    this.host = {
      node: owner,
      name: owner.toString(),
      connect: () => this.connect(),
      hold: () => {
        const release = this.acquire();
        return () => {
          void release(true);
        };
      },
      track: (p) => {
        this.track(p);
      },
      onClosing: (stop) => {
        this.#closing.add(stop);
        return () => this.#closing.delete(stop);
      },
      killGrace: owner.killGrace,
    };
  }

  /** The connection if it is open now. */
  get live(): SshConnection | undefined {
    return this.#live;
  }

  /** The kills and clean-ups pending on the node. */
  get pending(): ReadonlySet<Promise<void>> {
    return this.#pending;
  }

  /** The hold of `SshNode.hold()`. */
  hold(): () => Promise<void> {
    const release = this.acquire();
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
  acquire(): (linger: boolean) => Promise<void> {
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

  /** The explicit end of `SshNode.close()`: stops what runs, waits for the kills, closes. */
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

  track(p: Promise<void>): void {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  /** The shared connection, opened on first use and again after it closed. */
  connect(): Promise<SshConnection> {
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
    return this.connect();
  }

  /**
   * Opens this node's connection, through its gateway's when it has one. The gateway is held from the
   * start (so that its `close()` waits) and released when this connection closes.
   */
  async #open(signal: AbortSignal): Promise<SshConnection> {
    let gateway = this.#gateway;
    if (gateway !== undefined) gateway.#hold();
    try {
      const r = await this.#resolve();
      if (gateway === undefined && r.jumpGateway !== undefined) {
        gateway = r.jumpGateway;
        gateway.#hold();
      }
      const via = gateway;
      const connection = await handshake({
        owner: this.owner,
        resolved: r,
        via,
        viaJump: via !== undefined && this.#gateway === undefined,
        maxSessions: () => this.#serverSessions ?? this.owner.options.maxSessions ?? 10,
        onSessionsLowered: (label, server, limit) => {
          this.#sessionsLowered(label, server, limit);
        },
        signal,
      });
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

  /**
   * The server refused a session: its `MaxSessions` (`server`) is lower than `maxSessions`. Later connections
   * start with it; the first time, a process warning says so (`RXJOBS_MAX_SESSIONS`).
   */
  #sessionsLowered(label: string, server: number, limit: number): void {
    const first = this.#serverSessions === undefined;
    this.#serverSessions = Math.min(server, this.#serverSessions ?? server);
    if (!first) return;
    const said = this.owner.options.maxSessions ?? 10;
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

  #resolve(): Promise<ResolvedNode<NodeConnection<Owner>>> {
    const resolving = (this.#resolved ??= resolveNode(this.owner.options, this.#jump));
    resolving.catch(() => {
      if (this.#resolved === resolving) this.#resolved = undefined;
    });
    return resolving;
  }
}
