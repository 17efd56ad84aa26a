/**
 * The local side of a Pull, which trusts nothing the server says: names from its listings are checked before
 * they become local file names, every local path is checked against the resolved local directory before
 * anything is written there, and modes lose their setuid, setgid and sticky bits.
 * @module
 */
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';

import { TransferError } from '../../../errors/transfer-error.js';

/** OpenSSH's sftp stops a recursive `get` at this depth (MAX_DIR_DEPTH in sftp-client.c): so do we. */
export const MAX_PULL_DEPTH = 64;

/**
 * Why `name`, from a server's directory listing, cannot be a local file name: empty, `.`, `..`, with a `/`
 * or a NUL. Undefined when it can.
 * @internal
 */
export const badRemoteName = (name: string): string | undefined => {
  if (name === '') return 'an empty name';
  if (name === '.' || name === '..') return 'a name for a directory itself or its parent';
  if (name.includes('/')) return "a name with '/'";
  if (name.includes('\0')) return 'a name with a NUL byte';
  return undefined;
};

/**
 * Refuses `name`, from the server's listing of the directory `remoteDir`, if it cannot be a local file name:
 * a `TransferError` naming the host, the directory and the name (quoted as JSON: a NUL shows as `\u0000`).
 * @internal
 */
export const checkRemoteName = (host: string, remoteDir: string, name: string): void => {
  const bad = badRemoteName(name);
  if (bad !== undefined)
    throw new TransferError(
      host,
      remoteDir,
      `the server listed the entry ${JSON.stringify(name)}, ${bad}: refused (nothing is written for it)`,
    );
};

/** The local directory of a Pull: as given (resolved) and with its symbolic links resolved. @internal */
export interface LocalRoot {
  readonly host: string;
  readonly resolved: string;
  readonly real: string;
}

/** The root of a Pull into `dir`, which must exist. @internal */
export const localRoot = async (host: string, dir: string): Promise<LocalRoot> => ({
  host,
  resolved: path.resolve(dir),
  real: await realpath(dir),
});

const within = (root: string, p: string): boolean =>
  p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/**
 * Checks `target`, a local path about to be written (a file renamed there, a directory made there) for the
 * remote path `remote`: it must lie under the root, as written and with the symbolic links of its parent
 * resolved, and must not itself be a symbolic link (nothing is written through one). Only a directory may
 * be the root itself (a Pull of `.`). A `TransferError` naming the host and `remote` otherwise.
 * @internal
 */
export async function checkLocalTarget(
  root: LocalRoot,
  target: string,
  remote: string,
  kind: 'file' | 'dir',
): Promise<void> {
  const refuse = (why: string): never => {
    throw new TransferError(root.host, remote, `refused: the local path ${target} ${why}`);
  };
  const resolved = path.resolve(target);
  if (!within(root.resolved, resolved) || (kind === 'file' && resolved === root.resolved))
    refuse(`is outside ${root.resolved}`);
  if (resolved === root.resolved) return;
  const parent = await realpath(path.dirname(resolved));
  if (!within(root.real, parent)) refuse(`is outside ${root.resolved} (through a symbolic link)`);
  const existing = await lstat(resolved).catch(() => undefined);
  if (existing?.isSymbolicLink() === true) refuse('is a symbolic link (nothing is written through one)');
}

/** `mode`'s permission bits, without setuid, setgid and sticky; less the umask unless `preserve`. @internal */
export const pulledMode = (mode: number, preserve: boolean, umask: number): number =>
  preserve ? mode & 0o777 : mode & 0o777 & ~umask;
