// The SshNodes of a CLI run: one per target, gateways shared (one connection each), options from the
// command line.
import { parseJumpHops } from '../nodes/trust/ssh-config/jump-hops.js';
import { SshNode } from '../nodes/ssh/ssh-node.js';
import type { SshNodeOptions } from '../nodes/ssh/ssh-node.js';
import type { SshCommandLine, SshNodeDefaults } from './ssh-options.js';
import { sshNodeDefaults } from './ssh-options.js';
import type { Endpoint } from './target-parse.js';

/**
 * A host to work on, its gateway resolved: `null` for a direct connection (`None->host`), undefined for
 * the -g/-J default, else direct or as the ssh config says.
 */
export interface FleetTarget extends Endpoint {
  readonly label: string;
  readonly gateway?: Endpoint | null | undefined;
}

/** What the command line says about every connection, and the -g/-J gateway or chain. */
export interface FleetOptions extends SshCommandLine {
  readonly gateway?: string | undefined;
}

const keyOf = (e: Endpoint, via: string): string =>
  `${e.user ?? ''}@${e.host}:${String(e.port ?? '')}<${via}`;

/** Builds and caches the nodes: `nodeFor(target)` gives the target's own node. */
export class Fleet {
  readonly #defaults: SshNodeDefaults;
  readonly #gateways = new Map<string, SshNode>();
  readonly #chain: { last: Endpoint; node: SshNode } | undefined;
  /** `-J none` (or `-O ProxyJump=none`): targets without a gateway of their own connect directly. */
  readonly #direct: boolean;
  /** Every node made, gateways included. */
  readonly nodes: SshNode[] = [];

  constructor(options: FleetOptions) {
    this.#defaults = sshNodeDefaults(options);
    const spec = options.gateway ?? options.ssh.proxyJump;
    this.#direct = spec?.toLowerCase() === 'none';
    if (spec !== undefined && !this.#direct) {
      const hops = parseJumpHops(spec, {
        subject: 'rxssh',
        field: options.gateway === undefined ? '-O ProxyJump' : '-g/-J',
      });
      let via: SshNode | undefined;
      let last: Endpoint | undefined;
      for (const hop of hops) {
        via = this.#gatewayNode(hop, via);
        last = hop;
      }
      if (via !== undefined && last !== undefined) this.#chain = { last, node: via };
    }
  }

  /** The options of a node (gateways too): the command line's, the endpoint's user and port first. */
  #base(e: Endpoint, gateway: SshNode | null | undefined, label: string): SshNodeOptions {
    const d = this.#defaults;
    return { ...d, hostname: e.host, label, gateway, username: e.user ?? d.username, port: e.port ?? d.port };
  }

  #gatewayNode(e: Endpoint, via: SshNode | undefined): SshNode {
    const key = keyOf(e, via?.toString() ?? '');
    let node = this.#gateways.get(key);
    if (node === undefined) {
      node = new SshNode(this.#base(e, via, e.host));
      this.#gateways.set(key, node);
      this.nodes.push(node);
    }
    return node;
  }

  /**
   * The gateway node of a target: the -g/-J chain, or its own `gw->` one; `null` when it must connect
   * directly (`None->host`, `-J none`), undefined when the ssh config decides.
   */
  #gatewayOf(t: FleetTarget): SshNode | null | undefined {
    const g = t.gateway;
    if (g === null) return null;
    if (g === undefined) return this.#direct ? null : undefined;
    const chain = this.#chain;
    // compared with the defaults applied (-l, -p), as the connections apply them: the targets' gateway got
    // its user from -l, the chain's hops did not
    const d = this.#defaults;
    const user = (e: Endpoint): string | undefined => e.user ?? d.username;
    const port = (e: Endpoint): number | undefined => e.port ?? d.port;
    if (
      chain !== undefined &&
      g.host === chain.last.host &&
      user(g) === user(chain.last) &&
      port(g) === port(chain.last)
    )
      return chain.node;
    return this.#gatewayNode(g, undefined);
  }

  /** A new node for a target (each target its own connection). */
  nodeFor(t: FleetTarget): SshNode {
    const node = new SshNode(this.#base(t, this.#gatewayOf(t), t.label));
    this.nodes.push(node);
    return node;
  }

  /** Closes every node at once (a gateway's own close waits for the nodes still using it). */
  async close(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.close()));
  }
}
