/**
 * Codecs of the nodes of a scenario: SSH nodes (with a `hostname`) and local nodes (`local: true`).
 * @module
 */
import { isIPv6 } from 'node:net';

import * as t from 'io-ts';

import { expandHostList, maxHostRangeExpansion } from '../hosts/host-ranges.js';
import { isRecord, keyError, listOf, literal, scalar, struct } from './codecs-combinators.js';
import {
  Agent,
  HostKeyPolicy,
  integer,
  NodeId,
  NonEmptyString,
  PathOrFalse,
  Port,
  Seconds,
  VariableValues,
} from './codecs-values.js';

/** A DNS name, an IPv4 address or a name of the ssh config: not starting with "-", which ssh would take as an option. */
const HOST = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const TEMPLATE = /\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}/g;

/**
 * What is wrong with one host name (after its range is expanded), or undefined: a DNS name or an IPv4
 * address (letters, digits, `-`, `.`, `_`), or an IPv6 address without brackets, as the SSH connection takes
 * it. `user@host` and `host:port` are told to use `username:` and `port:`.
 * @internal
 */
export const hostNameProblem = (host: string): string | undefined => {
  // a {{name}} left unfilled is reported as such (see substitute-nodes.ts): the rest of the entry is checked
  if (host.includes('{{')) {
    const rest = host.replace(TEMPLATE, 'x');
    if (rest !== host && hostNameProblem(rest) === undefined) return undefined;
  }
  if (HOST.test(host))
    return host.length <= 253 ? undefined : `is longer than 253 characters: not a host name`;
  if (isIPv6(host)) return undefined;
  // user:password@host: the password is not repeated in the message
  const shown = JSON.stringify(host.replace(/^([^@:\s]*):[^@]*@/, '$1:[redacted]@'));
  const user = /^([^@\s]+)@/.exec(host)?.[1];
  const rest = user === undefined ? host : host.slice(user.length + 1);
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(rest);
  const port = bracketed?.[2] ?? (isIPv6(rest) ? undefined : /^[^:]+:(\d+)$/.exec(rest)?.[1]);
  const fixes = [
    host.startsWith('-') && 'a name that does not start with "-" (ssh would read an option)',
    user !== undefined && `the user as username: ${user.split(':')[0] ?? ''}`,
    user?.includes(':') === true && 'no password (a key or the agent)',
    bracketed !== null && 'the IPv6 address without brackets',
    port !== undefined && `the port as port: ${port}`,
  ].filter((f): f is string => typeof f === 'string');
  return (
    `${shown} is not a host name (letters, digits, "-", ".", "_", or an IPv6 address)` +
    (fixes.length > 0 ? `: write ${fixes.join(', and ')}` : '')
  );
};

const HostName = scalar(
  'a host name (or local: true for this machine)',
  (u) => (typeof u === 'string' && hostNameProblem(u) === undefined ? u : undefined),
  (u) => (typeof u === 'string' && u.trim() !== '' ? hostNameProblem(u) : undefined),
);

/**
 * A node reached over SSH, built as an `SshNode`. Paths (`keys`, `knownHosts`, `sshConfig`) are relative to
 * the scenario file's directory, `~` is the home directory; durations are in seconds.
 * @category codecs
 */
const SshNodeStruct = struct(
  'an SSH node',
  { id: NodeId, hostname: HostName },
  {
    username: NonEmptyString,
    port: Port,
    gateway: NodeId,
    keys: listOf(NonEmptyString, 'a list of private key files'),
    agent: Agent,
    knownHosts: NonEmptyString,
    hostKeyPolicy: HostKeyPolicy,
    connectTimeout: Seconds,
    connectAttempts: integer(1, 100),
    keepalive: Seconds,
    maxSessions: integer(2, 10000),
    sshConfig: PathOrFalse,
    label: NonEmptyString,
    variables: VariableValues,
  },
);

/**
 * An SSH node, or a group of them: `hosts` is there for a group, an entry whose `hostname` is a list of
 * names or ranges, or a range (`fit[01-37]`); its members are those host names, in order, without duplicates,
 * and `hostname` is the list joined with `,`. Every other field applies to each member.
 * @category codecs
 */
export type SshNodeSpec = t.TypeOf<typeof SshNodeStruct> & { readonly hosts?: readonly string[] };

/** A group of SSH nodes: one node per host name of its `hostname`. @category models */
export type NodeGroupSpec = SshNodeSpec & { readonly hosts: readonly string[] };

/** Whether a decoded node entry is a group. @category models */
export const isNodeGroupSpec = (node: NodeSpec): node is NodeGroupSpec => Object.hasOwn(node, 'hosts');

/** The host names of a `hostname` (a text or a list), or its problems; `group` when it is one. */
const hostsOf = (
  u: unknown,
  c: t.Context,
): { hostname: string; hosts: readonly string[]; group: boolean } | t.ValidationError[] => {
  const items = Array.isArray(u) ? (u as unknown[]) : [u];
  if (Array.isArray(u) && u.length === 0)
    return [
      keyError(c, 'hostname', u, 'expected a host name, a range (fit[01-37]) or a non-empty list of them'),
    ];
  const errors: t.ValidationError[] = [];
  const hosts = new Set<string>();
  items.forEach((item, i) => {
    const at = Array.isArray(u) ? t.appendContext(c, 'hostname', HostName, u) : c;
    const key = Array.isArray(u) ? String(i) : 'hostname';
    if (typeof item !== 'string' || item.trim() === '') {
      errors.push({ value: item, context: t.appendContext(at, key, HostName, item) });
      return;
    }
    try {
      // each host checked once, the first bad one of an item reported (a range repeats its mistake)
      let bad: string | undefined;
      for (const host of expandHostList(item)) {
        if (hosts.has(host)) continue;
        bad ??= hostNameProblem(host);
        hosts.add(host);
      }
      if (bad !== undefined)
        errors.push({ value: item, context: t.appendContext(at, key, HostName, item), message: bad });
    } catch (e: unknown) {
      const message = (e as Error).message;
      errors.push({ value: item, context: t.appendContext(at, key, HostName, item), message });
    }
  });
  if (errors.length === 0 && hosts.size > maxHostRangeExpansion)
    errors.push(
      keyError(
        c,
        'hostname',
        u,
        `expands to ${String(hosts.size)} hosts, more than the ${String(maxHostRangeExpansion)} allowed`,
      ),
    );
  if (errors.length > 0) return errors;
  const text = items.join(',');
  return {
    hostname: text,
    hosts: [...hosts],
    group: Array.isArray(u) || hosts.size !== 1 || !hosts.has(text),
  };
};

const validateSsh = (u: Readonly<Record<string, unknown>>, c: t.Context): t.Validation<SshNodeSpec> => {
  const one = u['hostname'];
  if (!Object.hasOwn(u, 'hostname') || (typeof one === 'string' && !one.includes('[') && !one.includes(',')))
    return SshNodeStruct.validate(u, c);
  const hosts = hostsOf(u['hostname'], c);
  // the other fields checked with a stand-in host name: the host names are checked above
  const result = SshNodeStruct.validate({ ...u, hostname: 'x' }, c);
  const errors = [...(Array.isArray(hosts) ? hosts : []), ...(result._tag === 'Left' ? result.left : [])];
  if (!Array.isArray(hosts) && hosts.group && Object.hasOwn(u, 'label'))
    errors.push(
      keyError(c, 'label', u['label'], 'not allowed on a group: each member is labelled by its host name'),
    );
  if (errors.length > 0 || result._tag === 'Left' || Array.isArray(hosts)) return t.failures(errors);
  const spec = { ...result.right, hostname: hosts.hostname };
  return t.success(hosts.group ? { ...spec, hosts: hosts.hosts } : spec);
};

/** @category codecs */
export const SshNodeSpec = new t.Type<SshNodeSpec, SshNodeSpec, unknown>(
  SshNodeStruct.name,
  (u): u is SshNodeSpec => isRecord(u) && validateSsh(u, [])._tag === 'Right',
  (u, c) => (isRecord(u) ? validateSsh(u, c) : t.failure(u, c)),
  (a) => a,
);

/** This machine, built as a `LocalNode`. @category codecs */
export const LocalNodeSpec = struct(
  'a local node',
  { id: NodeId, local: literal(true) },
  { label: NonEmptyString, shell: NonEmptyString, variables: VariableValues },
);
/** @category codecs */
export type LocalNodeSpec = t.TypeOf<typeof LocalNodeSpec>;

/** A node of a scenario, decoded. @category codecs */
export type NodeSpec = SshNodeSpec | LocalNodeSpec;

/** Whether a decoded node is a local one. @category models */
export const isLocalNodeSpec = (node: NodeSpec): node is LocalNodeSpec => 'local' in node;

const validateNode = (u: unknown, c: t.Context): t.Validation<NodeSpec> => {
  if (!isRecord(u)) return t.failure(u, c);
  if (!Object.hasOwn(u, 'local')) return validateSsh(u, c);
  if (!Object.hasOwn(u, 'hostname')) return LocalNodeSpec.validate(u, c);
  // both: the local node's own problems, and this one
  const { hostname, ...rest } = u;
  const conflict = keyError(
    c,
    'hostname',
    hostname,
    'not allowed with local: a node is local or has a hostname',
  );
  const result = LocalNodeSpec.validate(rest, c);
  return t.failures([conflict, ...(result._tag === 'Left' ? result.left : [])]);
};

/**
 * A node: a mapping with `local: true` is a {@link LocalNodeSpec}, any other an {@link SshNodeSpec}; so each
 * is checked against its own keys.
 * @category codecs
 */
export const NodeSpec = new t.Type<NodeSpec, NodeSpec, unknown>(
  'a node (a mapping with an id, and a hostname or local: true)',
  (u): u is NodeSpec => validateNode(u, [])._tag === 'Right',
  validateNode,
  (a) => a,
);
