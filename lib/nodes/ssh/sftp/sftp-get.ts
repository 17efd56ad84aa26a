import { chmod, mkdir, open, rename, utimes } from 'node:fs/promises';
import path from 'node:path';

import { TransferError } from '../../../errors/transfer-error.js';
import type { LocalRoot } from './pull-confine.js';
import { MAX_PULL_DEPTH, checkLocalTarget, checkRemoteName, pulledMode } from './pull-confine.js';
import { escapedName } from '../../remote-names.js';
import type { TempFiles } from './sftp-files.js';
import { XFER, call, rjoin, tempName } from './sftp-files.js';
import type { RemotePath } from './sftp-raw.js';
import { LOSSY_NAMES, exactNames, listOf, rawFastGet, realpathOf, statOf } from './sftp-raw.js';
import type { SFTPWrapper } from '../ssh2.js';

// The remote side of a Pull: remote files and directories copied under LOCALDIR, every name of a listing
// checked first, names that are not UTF-8 pulled under an escaped name (remote-names.ts).

/** A remote path as shown in messages: an escaped name stands for bytes that are not UTF-8. @internal */
export const shownPath = (remote: RemotePath): string =>
  typeof remote === 'string' ? remote : (escapedName(remote) ?? remote.toString('utf8'));

/** Copies the remote file `remote` to the local file `localFile`, complete or not at all. @internal */
export async function getFile(
  sftp: SFTPWrapper,
  remote: RemotePath,
  localFile: string,
  preserve: boolean,
  temps: TempFiles,
): Promise<void> {
  const info = await statOf(sftp, remote);
  const tmp = tempName(localFile, (a, b) => path.join(a, b));
  temps.local.add(tmp);
  // created 0600 ('wx': never through a link), readable by others only once complete, at its final mode
  await (await open(tmp, 'wx', 0o600)).close();
  await call<undefined>((cb) => {
    const done = (e: Error | undefined | null): void => {
      cb(e, undefined);
    };
    if (typeof remote === 'string') sftp.fastGet(remote, tmp, XFER, done);
    // the size known: ssh2 needs no FSTAT, nor the STAT it makes when FSTAT fails (of the escaped name)
    else rawFastGet(sftp, remote, shownPath(remote), tmp, { ...XFER, fileSize: info.size }, done);
  });
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- read, not set: the race is with workers that set it
  await chmod(tmp, pulledMode(info.mode, preserve, process.umask()));
  if (preserve) await utimes(tmp, info.atime, info.mtime);
  await rename(tmp, localFile);
  temps.local.delete(tmp);
}

/**
 * The local name of the remote path `remote`: its last component. For a path the user gave (`top`), a last
 * component `..` is `.`, as OpenSSH's scp and sftp `get` have it: `dir/..` is copied into the local directory
 * itself, never beside it (so `rxssh pull @:dir/..` fills each host's own directory). A server's entries are
 * checked before they get here ({@link checkRemoteName}).
 * @internal
 */
export const localNameOf = (remote: string, top: boolean): string => {
  const base = path.posix.basename(remote.replace(/\/+$/, ''));
  return top && base === '..' ? '.' : base;
};

/** A remote entry pulled under an escaped name: the remote path (shown escaped) and the local path. @internal */
export type OnRenamed = (remote: string, local: string) => void;

/** How {@link getPath} writes: where it may, what it keeps, whom it tells of escaped names. @internal */
export interface GetOptions {
  readonly root: LocalRoot;
  readonly preserve: boolean;
  readonly temps: TempFiles;
  readonly onRenamed?: OnRenamed | undefined;
}

/** The longest name of a local file, in bytes (Linux, macOS and BSD). */
const NAME_MAX = 255;

/** One entry of a listing: its bytes, its local name, and whether that name is escaped. */
interface Entry {
  readonly bytes: Buffer;
  readonly name: string;
  readonly escaped: boolean;
}

/**
 * The entries of the remote directory `remote` (shown as `shown`), all checked before any is copied: a name
 * that cannot be a local name (`..`, a `/`, longer than {@link NAME_MAX} bytes once escaped...), a name
 * known only as ssh2 decodes it (see {@link exactNames}) that holds U+FFFD, or an escaped name that is also
 * the name of another entry, refuses the listing as a whole.
 */
async function entriesOf(sftp: SFTPWrapper, remote: RemotePath, host: string, shown: string) {
  const entries: Entry[] = (await listOf(sftp, remote)).map((bytes) => {
    const escaped = escapedName(bytes);
    return { bytes, name: escaped ?? bytes.toString('utf8'), escaped: escaped !== undefined };
  });
  const names = new Set<string>();
  const exact = exactNames(sftp);
  for (const { name, escaped } of entries) {
    checkRemoteName(host, shown, name);
    if (!exact && name.includes('\ufffd'))
      throw new TransferError(
        host,
        shown,
        `the server listed the entry ${JSON.stringify(name)}: ${LOSSY_NAMES}`,
      );
    const bytes = Buffer.byteLength(name);
    if (bytes > NAME_MAX)
      throw new TransferError(
        host,
        shown,
        `the server listed the entry ${JSON.stringify(name)}, ` +
          (escaped ? 'whose name is not UTF-8 and escaped is ' : 'whose name is ') +
          `${String(bytes)} bytes long, more than the ${String(NAME_MAX)} of a local name: refused ` +
          '(nothing of this directory is copied)',
      );
    if (names.has(name))
      throw new TransferError(
        host,
        shown,
        `the server listed two entries that would both be ${JSON.stringify(name)} here (one of them escaped, ` +
          'its name not being UTF-8): refused (nothing is written for them)',
      );
    names.add(name);
  }
  return entries;
}

/** The path of `entry` in the remote directory `dir`, as bytes (as {@link rjoin} joins text). */
const childBytes = (dir: RemotePath, entry: Entry): Buffer => {
  if (dir === '' || dir === '.') return entry.bytes;
  const base = typeof dir === 'string' ? Buffer.from(dir.replace(/\/+$/, '')) : dir;
  return Buffer.concat([base, Buffer.from('/'), entry.bytes]);
};

/**
 * Copies a remote file or directory (recursively) into the local directory `localDir`, under `options.root`
 * whatever the server's listings say (see {@link checkRemoteName}, {@link checkLocalTarget}). A name that is
 * not UTF-8 is pulled under its escaped name (remote-names.ts), reported to `options.onRenamed`. @internal
 */
export async function getPath(
  sftp: SFTPWrapper,
  remote: RemotePath,
  localDir: string,
  options: GetOptions,
  ancestors: readonly string[] = [],
  top = shownPath(remote),
  name?: string,
): Promise<void> {
  const { root, preserve, temps } = options;
  const shown = shownPath(remote);
  if (ancestors.length > MAX_PULL_DEPTH)
    throw new TransferError(
      root.host,
      top,
      `more than ${String(MAX_PULL_DEPTH)} directory levels below it: refused (a directory that contains itself?)`,
    );
  const target = path.join(localDir, name ?? localNameOf(shown, ancestors.length === 0));
  const info = await statOf(sftp, remote);
  if (!info.isDirectory()) {
    await checkLocalTarget(root, target, shown, 'file');
    await getFile(sftp, remote, target, preserve, temps);
    return;
  }
  // the server follows symbolic links: one that leads back to a directory being copied would never end
  const realBytes = await realpathOf(sftp, remote);
  const real = realBytes.toString('latin1'); // compared as bytes
  if (ancestors.includes(real))
    throw new TransferError(
      root.host,
      shown,
      `a symbolic link loop (it is ${shownPath(realBytes)}, which contains it): refused`,
    );
  await checkLocalTarget(root, target, shown, 'dir');
  await mkdir(target, { recursive: true, mode: (info.mode & 0o777) | 0o700 });
  // the whole listing checked before any of it is copied: a hostile listing fails before it writes
  const entries = await entriesOf(sftp, remote, root.host, shown);
  for (const entry of entries) {
    const child =
      typeof remote === 'string' && !entry.escaped ? rjoin(remote, entry.name) : childBytes(remote, entry);
    if (entry.escaped) options.onRenamed?.(shownPath(child), path.join(target, entry.name));
    await getPath(sftp, child, target, options, [...ancestors, real], top, entry.name);
  }
}
