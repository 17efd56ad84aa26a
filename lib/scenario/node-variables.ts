import os from 'node:os';

import { Variables } from '../commands/variables.js';
import type { NodeSpec } from './codecs-nodes.js';
import { isLocalNodeSpec } from './codecs-nodes.js';
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
 * `User`).
 * @internal
 */
export const nodeVariables = (
  globals: VariableValues | undefined,
  node: NodeSpec,
  defaultUsername?: string,
): Variables => {
  const local = isLocalNodeSpec(node);
  return new Variables([
    ...Object.entries(globals ?? {}),
    ...Object.entries(node.variables ?? {}),
    ['node', node.id],
    ['hostname', local ? 'localhost' : node.hostname],
    ['username', (local ? undefined : (node.username ?? defaultUsername)) ?? localUsername()],
  ]);
};
