/**
 * The host key algorithms to offer a server: those of the key types known for it first, as OpenSSH does.
 * @module
 */
import type { ConnectConfig } from './ssh2.js';

/** ssh2's `algorithms` connect option. @internal */
export type Algorithms = NonNullable<ConnectConfig['algorithms']>;
/** A host key algorithm as ssh2 names it. @internal */
export type HostKeyAlgorithm = Extract<NonNullable<Algorithms['serverHostKey']>, readonly unknown[]>[number];

// ssh2's DEFAULT_SERVER_HOST_KEY (lib/protocol/constants.js, ssh2 1.17, ssh-ed25519 first as on any Node
// with EdDSA), then what it supports without offering it by default
const DEFAULT_HOST_KEY_ALGORITHMS: readonly HostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];
const OTHER_HOST_KEY_ALGORITHMS: readonly HostKeyAlgorithm[] = ['ssh-dss'];

/** The signature algorithms a host key of a known_hosts type can be presented with. */
const algorithmsOf = (type: string): string[] =>
  type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];

/**
 * The host key algorithms to offer, as OpenSSH orders them: those of the key types already known for the
 * host first (so that a server with several host keys presents one that can be checked), then ssh2's
 * default list. Undefined when that is ssh2's default list as it is (no type known, or ed25519 only).
 * @internal
 */
export const hostKeyAlgorithms = (knownTypes: readonly string[]): HostKeyAlgorithm[] | undefined => {
  const wanted = new Set<string>(knownTypes.flatMap(algorithmsOf));
  const first = [...DEFAULT_HOST_KEY_ALGORITHMS, ...OTHER_HOST_KEY_ALGORITHMS].filter((a) => wanted.has(a));
  const list = [...first, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !wanted.has(a))];
  return list.every((a, i) => a === DEFAULT_HOST_KEY_ALGORITHMS[i]) ? undefined : list;
};
