/**
 * OpenSSH client config (`~/.ssh/config`) resolved for one host, and ProxyJump hops: what the folder offers.
 * @module
 */
export { parseJumpHops } from './jump-hops.js';
export { resolveSshConfig } from './resolve.js';
export type { JumpHop, JumpSpecSource, ResolveSshConfigOptions, SshHostConfig } from './types.js';
