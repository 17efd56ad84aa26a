/**
 * An SSH agent that lives in this process and holds one private key as a `crypto.KeyObject`. ssh2 signs
 * with a `ParsedKey` by loading it from PEM on every signature (about ten times the cost of the signature
 * itself for ed25519); offered as an `agent` auth method instead, the key is loaded once and each login
 * costs one `crypto.sign`.
 * @module
 */
import type { KeyObject } from 'node:crypto';
import { createPrivateKey, sign } from 'node:crypto';

import type { IdentityCallback, ParsedKey, SignCallback, SigningRequestOptions } from './ssh2.js';
import { BaseAgent, parseKey } from './ssh2.js';

/**
 * The hash each key type signs with (ssh2's own choice per type, `null` for EdDSA). An RSA signature uses
 * the hash that ssh2 asks for (`rsa-sha2-256`, `rsa-sha2-512`), SHA-1 for plain `ssh-rsa`. ECDSA and RSA
 * signatures are returned as `crypto.sign` makes them, DER and PKCS#1, as ssh2's `ParsedKey.sign` returns
 * them: ssh2 converts them to the SSH wire format.
 */
const HASHES: Readonly<Record<string, string | null>> = {
  'ssh-ed25519': null,
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
  'ssh-rsa': 'sha1',
};

/**
 * An agent holding one private key, signing with a cached `KeyObject`; offer it to ssh2 as
 * `{ type: 'agent', username, agent }`. Built by {@link KeyAgent.of}.
 * @internal
 */
export class KeyAgent extends BaseAgent<ParsedKey> {
  /** The public half, as the agent lists it. */
  readonly publicKey: ParsedKey;
  readonly #privateKey: KeyObject;
  readonly #hash: string | null;

  private constructor(publicKey: ParsedKey, privateKey: KeyObject, hash: string | null) {
    super();
    this.publicKey = publicKey;
    this.#privateKey = privateKey;
    this.#hash = hash;
  }

  /**
   * An agent for a parsed private key; undefined for a key type it does not sign (DSA, or a key that Node's
   * crypto cannot load), which ssh2 then signs itself.
   */
  static of(key: ParsedKey): KeyAgent | undefined {
    const hash = HASHES[key.type];
    if (hash === undefined || !key.isPrivateKey()) return undefined;
    const publicKey = parseKey(key.getPublicSSH());
    if (publicKey instanceof Error) return undefined;
    try {
      return new KeyAgent(publicKey, createPrivateKey(key.getPrivatePEM()), hash);
    } catch {
      return undefined;
    }
  }

  override getIdentities(cb: IdentityCallback<ParsedKey>): void {
    cb(null, [this.publicKey]);
  }

  override sign(pubKey: ParsedKey, data: Buffer, options: SigningRequestOptions, cb?: SignCallback): void;
  override sign(pubKey: ParsedKey, data: Buffer, cb: SignCallback): void;
  override sign(
    _pubKey: ParsedKey,
    data: Buffer,
    options: SigningRequestOptions | SignCallback,
    cb?: SignCallback,
  ): void {
    const callback = typeof options === 'function' ? options : cb;
    const asked = typeof options === 'function' ? undefined : options.hash;
    const hash = this.#hash === null ? null : (asked ?? this.#hash);
    let signature: Buffer;
    try {
      signature = sign(hash, data, this.#privateKey);
    } catch (e: unknown) {
      callback?.(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    callback?.(null, signature);
  }
}
