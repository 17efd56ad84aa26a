/**
 * A group of nodes, each with a name of its own: what a {@link GroupJob} runs on, and an axis of a matrix.
 * @module
 */
import { ConfigError } from '../errors/config-error.js';
import { describeValue } from '../errors/option-keys.js';
import { expandHostList, foldHosts, maxHostRangeExpansion } from '../hosts/host-ranges.js';
import type { Node } from '../nodes/node.js';
import { SshNode } from '../nodes/ssh/ssh-node.js';
import type { SshNodeOptions } from '../nodes/ssh/ssh-node.js';
import { isNode } from '../ssh-job/ssh-job-options.js';

/** Options of {@link NodeGroup.of}. @category models */
export interface NodeGroupOptions {
  /** How listings and errors name the group. Default: its members' names folded (`fit[01-37]`). */
  readonly label?: string | undefined;
}

/**
 * The options every node of {@link NodeGroup.fromHosts} shares: those of an {@link SshNode} but its own
 * `hostname`, and a `gateway` that may also be written as a string (`user@gw`: one SshNode made for the
 * whole group, with the same options, closed by {@link NodeGroup.close}). `label` names the group.
 * @category models
 */
export interface HostsOptions extends Omit<SshNodeOptions, 'hostname' | 'label' | 'gateway'> {
  readonly gateway?: SshNode | string | null | undefined;
  readonly label?: string | undefined;
}

const GROUP = 'node group';

/**
 * Nodes with distinct names, in the order given. A member's name is its node's `label` (an SshNode's host
 * name unless it was given another label): member jobs are labelled `prepare@fit07` after it, and
 * {@link GroupJob.member} finds them by it. A group made from host names builds its nodes once: every
 * GroupJob and matrix over the group shares them, and so their connections.
 * @example
 * const fits = NodeGroup.fromHosts('fit[01-37]', { username: 'root', gateway: 'inria_me@faraday.inria.fr' });
 * const prepare = new GroupJob(fits, 'apt-get update', { label: 'prepare', maxFailures: '10%' });
 * @category constructors
 */
export class NodeGroup implements Iterable<Node> {
  /** The nodes, in the order given (host ranges expanded in order). */
  readonly nodes: readonly Node[];
  /** `fit[01-37]`, or the label given. */
  readonly label: string;
  readonly #names: readonly string[];
  readonly #byName: ReadonlyMap<string, Node>;
  readonly #owned: readonly Node[];

  private constructor(nodes: readonly Node[], label: string | undefined, owned: readonly Node[]) {
    const subject = label === undefined ? GROUP : `${GROUP} "${label}"`;
    // `private` is TypeScript's word only: plain JavaScript may call `new NodeGroup()`
    const given: readonly unknown[] = [nodes, owned];
    if (!given.every((list) => Array.isArray(list)))
      throw new ConfigError(
        GROUP,
        'constructor',
        "is not public: use NodeGroup.of(nodes) or NodeGroup.fromHosts('fit[01-37]')",
      );
    const byName = new Map<string, Node>();
    const names: string[] = [];
    nodes.forEach((node, i) => {
      const name = (node as { label?: unknown }).label;
      if (typeof name !== 'string' || name === '')
        throw new ConfigError(subject, `nodes[${String(i)}]`, 'has no label: a member is named by its label');
      const other = byName.get(name);
      if (other !== undefined)
        throw new ConfigError(
          subject,
          `nodes[${String(i)}]`,
          `is named "${name}" like nodes[${String(nodes.indexOf(other))}]: give each node a label of its own`,
        );
      byName.set(name, node);
      names.push(name);
    });
    this.nodes = nodes;
    this.#names = names;
    this.#byName = byName;
    this.#owned = owned;
    this.label = label ?? foldHosts(names);
  }

  /**
   * A group of these nodes (SshNodes, LocalNodes, or any `Node`), named by their labels.
   * @throws {ConfigError} for an empty list, something that is not a node, or two nodes of the same label.
   */
  static of(nodes: Iterable<Node>, options: NodeGroupOptions = {}): NodeGroup {
    const label = checkLabel(options);
    const subject = label === undefined ? GROUP : `${GROUP} "${label}"`;
    const given: unknown = nodes;
    if (typeof given !== 'object' || given === null || !(Symbol.iterator in given))
      throw new ConfigError(subject, 'nodes', `must be a list of nodes, got ${describeValue(nodes)}`);
    const list: unknown[] = [...(given as Iterable<unknown>)];
    if (list.length === 0) throw new ConfigError(subject, 'nodes', 'must hold at least one node');
    list.forEach((node, i) => {
      if (!isNode(node))
        throw new ConfigError(
          subject,
          `nodes[${String(i)}]`,
          `must be a node (an SshNode, a LocalNode), got ${describeValue(node)}`,
        );
    });
    return new NodeGroup(list as Node[], label, []);
  }

  /**
   * A group of SshNodes, one per host: `hosts` is a host name, a range (`fit[01-37]`, `n[1-9/2]`,
   * `r[1-2]n[1-3]`), a comma-separated list of them, or a list of those; `user@host:port` forms are read as
   * `new SshNode('user@host:port')` reads them. A host named twice is one node. Every node shares `options`.
   * @example
   * NodeGroup.fromHosts(['fit[01-10]', 'fit12'], { username: 'root', keys: ['~/.ssh/id_ed25519'] });
   * @throws {ConfigError} for no host, a bad range (naming it), or a bad option.
   */
  static fromHosts(hosts: string | readonly string[], options: HostsOptions = {}): NodeGroup {
    const label = checkLabel(options);
    const subject = label === undefined ? GROUP : `${GROUP} "${label}"`;
    const names = expandAll(subject, hosts);
    // the group's label is not the nodes'; a gateway string becomes one node
    const common: Omit<SshNodeOptions, 'hostname'> = { ...options, label: undefined, gateway: undefined };
    const given = options.gateway;
    const owned: Node[] = [];
    let gateway: SshNode | null | undefined;
    if (typeof given === 'string') {
      gateway = new SshNode(given, common);
      owned.push(gateway);
    } else gateway = given;
    const nodes = names.map((name) => new SshNode(name, { ...common, gateway }));
    return new NodeGroup(nodes, label, [...nodes, ...owned]);
  }

  /** How many nodes. */
  get size(): number {
    return this.nodes.length;
  }

  /** The members' names (their labels), in order: `['fit01', 'fit02']`. */
  hostnames(): string[] {
    return [...this.#names];
  }

  /** The node named `name` (its label), if any. */
  node(name: string): Node | undefined {
    return this.#byName.get(name);
  }

  /** The name of `node` in this group, or undefined when it is not a member. */
  nameOf(node: Node): string | undefined {
    if (typeof node !== 'object' || (node as unknown) === null) return undefined;
    const name = (node as { label?: unknown }).label;
    return typeof name === 'string' && this.#byName.get(name) === node ? name : undefined;
  }

  [Symbol.iterator](): Iterator<Node> {
    return this.nodes[Symbol.iterator]();
  }

  /**
   * Closes the nodes that {@link NodeGroup.fromHosts} made (and its gateway made from a string): their
   * connections end now. A group made with {@link NodeGroup.of} leaves its nodes to their owner.
   */
  async close(): Promise<void> {
    // the nodes first, then the gateway they go through
    const gateways = new Set(this.#owned.filter((n) => !this.nodes.includes(n)));
    await Promise.all(this.#owned.filter((n) => !gateways.has(n)).map((n) => n.close()));
    await Promise.all([...gateways].map((n) => n.close()));
  }

  /** `NodeGroup fit[01-37] (37 nodes)`. */
  toString(): string {
    return `NodeGroup ${this.label} (${String(this.size)} node${this.size === 1 ? '' : 's'})`;
  }
}

const checkLabel = (options: NodeGroupOptions): string | undefined => {
  const given: unknown = options;
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw new ConfigError(GROUP, 'options', `must be an object, got ${describeValue(options)}`);
  const { label } = options;
  if (label !== undefined && (typeof label !== 'string' || label === ''))
    throw new ConfigError(GROUP, 'label', `must be a non-empty string, got ${describeValue(label)}`);
  return label;
};

/** Every host name of `hosts`, in order, each once. */
const expandAll = (subject: string, hosts: unknown): string[] => {
  const texts: unknown[] = typeof hosts === 'string' ? [hosts] : Array.isArray(hosts) ? hosts : [hosts];
  const names = new Set<string>();
  texts.forEach((text, i) => {
    const field = typeof hosts === 'string' ? 'hosts' : `hosts[${String(i)}]`;
    if (typeof text !== 'string')
      throw new ConfigError(subject, field, `must be a host name or range, got ${describeValue(text)}`);
    let expanded: string[];
    try {
      expanded = expandHostList(text);
    } catch (e) {
      throw new ConfigError(subject, field, (e as Error).message, { cause: e });
    }
    for (const name of expanded) names.add(name);
    if (names.size > maxHostRangeExpansion)
      throw new ConfigError(
        subject,
        field,
        `would make the group more than the ${String(maxHostRangeExpansion)} hosts allowed: split it`,
      );
  });
  if (names.size === 0)
    throw new ConfigError(subject, 'hosts', `must name at least one host, got ${describeValue(hosts)}`);
  return [...names];
};
