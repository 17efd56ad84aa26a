import os from 'node:os';

import { templateNamesIn, Variables } from '../commands/variables.js';
import type { NodeGroupSpec, NodeSpec } from './codecs-nodes.js';
import { isLocalNodeSpec, isNodeGroupSpec } from './codecs-nodes.js';
import type { VariableValues } from './codecs-values.js';

/** The local user's name (the passwd entry may be missing in a container). @internal */
export const localUsername = (): string => {
  try {
    return os.userInfo().username;
  } catch {
    return process.env['USER'] ?? '';
  }
};

/**
 * The values `{{name}}` takes, at build time, in the commands of the jobs of `node`: the global variables,
 * then the node's own over them, then the built-ins `node`, `hostname` and `username` (the node's
 * `username`, else `defaultUsername`, else the local user: `ssh`'s own default when the ssh config has no
 * `User`). For a group, those of its first member (see {@link memberVariables}): the checks of a job on a
 * group see the names every member has.
 * @internal
 */
export const nodeVariables = (
  globals: VariableValues | undefined,
  node: NodeSpec,
  defaultUsername?: string,
): Variables => {
  if (isNodeGroupSpec(node)) return memberVariables(globals, node, 0, defaultUsername);
  const local = isLocalNodeSpec(node);
  return new Variables([
    ...Object.entries(globals ?? {}),
    ...Object.entries(node.variables ?? {}),
    ['node', node.id],
    ['hostname', local ? 'localhost' : node.hostname],
    ['username', (local ? undefined : (node.username ?? defaultUsername)) ?? localUsername()],
  ]);
};

/** The id of a member of a group: `fits[fit07]`. @internal */
export const memberId = (group: string, host: string): string => `${group}[${host}]`;

/**
 * The values `{{name}}` takes in the commands of member `index` of a group: as {@link nodeVariables}, with
 * `node` the member's id (`fits[fit07]`), `hostname` its host, and `index` (from 0) and `group` (the id).
 * @internal
 */
export const memberVariables = (
  globals: VariableValues | undefined,
  group: NodeGroupSpec,
  index: number,
  defaultUsername?: string,
): Variables => {
  const host = group.hosts[index] ?? '';
  return new Variables([
    ...Object.entries(globals ?? {}),
    ...Object.entries(group.variables ?? {}),
    ['node', memberId(group.id, host)],
    ['hostname', host],
    ['username', group.username ?? defaultUsername ?? localUsername()],
    ['index', String(index)],
    ['group', group.id],
  ]);
};

/** The built-ins that differ from member to member: a label using one is a label per member. @internal */
export const MEMBER_OWN = ['hostname', 'node', 'index'] as const;

/** Whether `label` names a member's own built-in (`prep {{hostname}}`). @internal */
export const perMember = (label: string | undefined): boolean =>
  label !== undefined && templateNamesIn(label).some((n) => (MEMBER_OWN as readonly string[]).includes(n));
