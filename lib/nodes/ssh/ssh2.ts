// The only module that imports 'ssh2'. It is imported itself on first use only, by ssh2-load.ts (the first
// connection or key), so that a program with local nodes only never loads ssh2. A default import: ssh2's
// `module.exports = {...}` is only partly visible to Node's CJS lexer, so named imports work under tsx yet
// crash plain Node.
import ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig, ParsedKey, SFTPWrapper } from 'ssh2';

/** @internal */
export const { Client } = ssh2;
/** @internal */
export type Client = InstanceType<typeof ssh2.Client>;
/** @internal */
export type { ClientChannel, ConnectConfig, ParsedKey, SFTPWrapper };

/**
 * Parses a private or public key (OpenSSH, PEM or PPK text); an Error when it can't (wrong or missing
 * passphrase included).
 * @internal
 */
export const parseKey = (data: Buffer | string, passphrase?: string): ParsedKey | Error => {
  return ssh2.utils.parseKey(data, passphrase);
};

/** ssh2's base class of agents, for agents that live in this process (see `key-agent.ts`). @internal */
export const { BaseAgent } = ssh2;
/** @internal */
export type { IdentityCallback, SignCallback, SigningRequestOptions } from 'ssh2';
