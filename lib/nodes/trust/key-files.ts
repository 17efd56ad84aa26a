/**
 * The names of private key files, as OpenSSH gives them: its default identity files and `~` in a file given.
 * @module
 */
import os from 'node:os';
import path from 'node:path';

/** OpenSSH's default identity files, in its order. @internal */
export const defaultKeyFiles = (home = os.homedir()): string[] =>
  ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => path.join(home, '.ssh', name));

/** A key file name with a leading `~` turned into the home directory. @internal */
export const expandHome = (file: string): string =>
  file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;
