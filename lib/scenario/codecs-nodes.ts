/**
 * Codecs of the nodes of a scenario: SSH nodes (with a `hostname`) and local nodes (`local: true`).
 * @module
 */
import * as t from 'io-ts';

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

const HostName = scalar('a host name (or local: true for this machine)', (u) =>
  typeof u === 'string' && u.trim() !== '' ? u : undefined,
);

/**
 * A node reached over SSH, built as an `SshNode`. Paths (`keys`, `knownHosts`, `sshConfig`) are relative to
 * the scenario file's directory, `~` is the home directory; durations are in seconds.
 * @category codecs
 */
export const SshNodeSpec = struct(
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
/** @category codecs */
export type SshNodeSpec = t.TypeOf<typeof SshNodeSpec>;

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
  if (!Object.hasOwn(u, 'local')) return SshNodeSpec.validate(u, c);
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
