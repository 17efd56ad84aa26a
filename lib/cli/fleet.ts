// The SshNodes of a CLI run: one per target, gateways shared (one connection each), options from the
// command line.
import { parseJumpHops } from '../nodes/ssh-config.js';
import { SshNode } from '../nodes/ssh-node.js';
import type { SshNodeOptions } from '../nodes/ssh-node-options.js';
import type { SshOptionValues } from './ssh-options.js';

/** A hop or a final host, as targets name them. */
export interface Endpoint {
  readonly host: string;
  readonly user?: string | undefined;
  readonly port?: number | undefined;
}

/** A host to work on, its gateway resolved (undefined: direct, or as the ssh config says). */
export interface FleetTarget extends Endpoint {
  readonly label: string;
  readonly gateway?: Endpoint | null | undefined;
}

/** What the command line says about every connection. */
export interface FleetOptions {
  readonly login?: string | undefined;
  readonly port?: number | undefined;
  readonly identities?: readonly string[] | undefined;
  /** `-F`: a file, or `none`. */
  readonly sshConfig?: string | undefined;
  /** Seconds (`-c`). */
  readonly connectTimeout?: number | undefined;
  /** `-g`/`-J`: one gateway or a ProxyJump chain for the targets that name none. */
  readonly gateway?: string | undefined;
  readonly ssh: SshOptionValues;
}

const keyOf = (e: Endpoint, via: string): string =>
  `${e.user ?? ''}@${e.host}:${String(e.port ?? '')}<${via}`;

/** Builds and caches the nodes: `nodeFor(target)` gives the target's own node. */
export class Fleet {
  readonly #options: FleetOptions;
  readonly #gateways = new Map<string, SshNode>();
  readonly #chain: { last: Endpoint; node: SshNode } | undefined;
  /** Every node made, gateways included. */
  readonly nodes: SshNode[] = [];

  constructor(options: FleetOptions) {
    this.#options = options;
    const spec = options.gateway ?? options.ssh.proxyJump;
    if (spec !== undefined && spec.toLowerCase() !== 'none') {
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

  /** The base options of every node (gateways too). */
  #base(e: Endpoint, gateway: SshNode | undefined, label: string): SshNodeOptions {
    const o = this.#options;
    const keys = [...(o.identities ?? []), ...(o.ssh.identities ?? [])];
    const connectTimeout = o.connectTimeout === undefined ? o.ssh.connectTimeout : o.connectTimeout * 1000;
    return {
      hostname: e.host,
      label,
      username: e.user ?? o.login ?? o.ssh.user,
      port: e.port ?? o.port ?? o.ssh.port,
      gateway,
      keys: keys.length > 0 ? keys : undefined,
      agent: o.ssh.identitiesOnly === true ? false : undefined,
      knownHosts: o.ssh.knownHosts,
      hostKeyPolicy: o.ssh.hostKeyPolicy,
      connectTimeout,
      connectAttempts: o.ssh.connectAttempts,
      keepalive: o.ssh.keepalive,
      keepaliveCountMax: o.ssh.keepaliveCountMax,
      sshConfig:
        o.sshConfig === undefined ? undefined : o.sshConfig.toLowerCase() === 'none' ? false : o.sshConfig,
    };
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

  /** The gateway node of a target: the -g/-J chain, or its own `gw->` one; undefined when direct. */
  #gatewayOf(t: FleetTarget): SshNode | undefined {
    const g = t.gateway;
    if (g === null || g === undefined) return undefined;
    const chain = this.#chain;
    // compared with the defaults applied (-l, -p), as the connections apply them: the targets' gateway got
    // its user from -l, the chain's hops did not
    const o = this.#options;
    const user = (e: Endpoint): string | undefined => e.user ?? o.login ?? o.ssh.user;
    const port = (e: Endpoint): number | undefined => e.port ?? o.port ?? o.ssh.port;
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

  /** Closes every node, gateways last. */
  async close(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.close()));
  }
}
