import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, readdir, realpath, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';

import { TransferError } from './errors/transfer-error.js';
import type { LocalRoot } from './pull-confine.js';
import { MAX_PULL_DEPTH, checkLocalTarget, checkRemoteName, pulledMode } from './pull-confine.js';
import type { SFTPWrapper } from './ssh2.js';

// SFTP as Promises, plus the transfers that the SSH node needs: every file written under a temporary name
// in its final directory, then renamed, so that it appears complete or not at all.

type Stats = Awaited<ReturnType<typeof sftpStat>>;

// fastPut/fastGet requests: as large as OpenSSH's sftp-server allows (its limits@openssh.com reply says
// 255 KiB reads and writes; ssh2 asks for the limits and splits what a server does not allow), and as many
// in flight as keeps the pipe full: 4 MiB, where ssh2's default (64 of 32 KiB: 6,400 requests per 200 MiB)
// spent its time on requests rather than data.
const XFER = { chunkSize: 255 * 1024, concurrency: 16 } as const;

const call = <T>(f: (callback: (e: Error | undefined | null, value: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => {
    f((e, value) => {
      if (e) reject(e);
      else resolve(value);
    });
  });

const sftpStat = (sftp: SFTPWrapper, p: string) =>
  call<{ mode: number; mtime: number; atime: number; isDirectory(): boolean }>((cb) => {
    sftp.stat(p, cb);
  });

/** A temporary name beside `file`: `.name.rxjobs-XXXXXXXX`. @internal */
export const tempName = (file: string, join: (a: string, b: string) => string): string => {
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) || '/' : '.';
  const base = file.slice(file.lastIndexOf('/') + 1);
  return join(dir, `.${base}.rxjobs-${randomBytes(4).toString('hex')}`);
};

const rjoin = (a: string, b: string): string => (a === '' || a === '.' ? b : `${a.replace(/\/+$/, '')}/${b}`);

/** Creates `dir` and its missing parents on the remote host. @internal */
export async function remoteMkdirs(sftp: SFTPWrapper, dir: string, mode: number): Promise<void> {
  const parts = dir.split('/');
  let current = dir.startsWith('/') ? '/' : '';
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    current = current === '' ? part : current === '/' ? `/${part}` : `${current}/${part}`;
    try {
      const s = await sftpStat(sftp, current);
      if (!s.isDirectory()) throw new Error(`${current} exists and is not a directory`);
    } catch (e: unknown) {
      if ((e as { code?: unknown }).code !== 2) throw e; // 2: no such file
      const dir = current;
      await call<undefined>((cb) => {
        sftp.mkdir(dir, { mode }, (err) => {
          cb(err, undefined);
        });
      }).catch(async (mkdirError: unknown) => {
        // made meanwhile by another transfer (SFTP says only "Failure" for EEXIST)
        if ((await remoteKind(sftp, dir)) !== 'dir') throw mkdirError;
      });
    }
  }
}

const remoteRename = (sftp: SFTPWrapper, from: string, to: string): Promise<undefined> =>
  call<undefined>((cb) => {
    // POSIX rename (replaces the target); plain SFTP v3 rename refuses an existing target
    sftp.ext_openssh_rename(from, to, (e) => {
      cb(e, undefined);
    });
  });

/** Removes a remote file, quietly. @internal */
export const remoteUnlink = (sftp: SFTPWrapper, file: string): Promise<void> =>
  new Promise((resolve) => {
    sftp.unlink(file, () => {
      resolve();
    });
  });

/**
 * Transfers in progress record their temporary files here, so that an interrupted transfer can remove
 * them (locally at once; remotely over a new SFTP session).
 * @internal
 */
export interface TempFiles {
  readonly local: Set<string>;
  readonly remote: Set<string>;
}

/** Copies one local file to `remoteFile`. @internal */
async function putFile(
  sftp: SFTPWrapper,
  local: string,
  remoteFile: string,
  preserve: boolean,
  temps: TempFiles,
): Promise<void> {
  const info = await stat(local);
  const tmp = tempName(remoteFile, rjoin);
  temps.remote.add(tmp);
  await call<undefined>((cb) => {
    sftp.fastPut(local, tmp, { ...XFER, mode: info.mode & 0o7777 }, (e) => {
      cb(e, undefined);
    });
  });
  const attrs = preserve
    ? { mode: info.mode & 0o7777, atime: info.atime, mtime: info.mtime }
    : { mode: info.mode & 0o7777 };
  await call<undefined>((cb) => {
    sftp.setstat(tmp, attrs, (e) => {
      cb(e, undefined);
    });
  });
  await remoteRename(sftp, tmp, remoteFile);
  temps.remote.delete(tmp);
}

/** Copies a local file or directory (recursively) into the remote directory `remoteDir`. @internal */
export async function putPath(
  sftp: SFTPWrapper,
  local: string,
  remoteDir: string,
  preserve: boolean,
  temps: TempFiles,
  ancestors: readonly string[] = [],
): Promise<void> {
  const info = await lstat(local).then((s) => (s.isSymbolicLink() ? stat(local) : s));
  const target = rjoin(remoteDir, path.basename(path.resolve(local)));
  if (!info.isDirectory()) {
    await putFile(sftp, local, target, preserve, temps);
    return;
  }
  // symbolic links are followed: one that leads back to a directory being copied would never end
  const real = await realpath(local);
  if (ancestors.includes(real))
    throw new Error(`${local}: a symbolic link loop (it is ${real}, which contains it): refused`);
  await remoteMkdirs(sftp, target, info.mode & 0o7777);
  for (const entry of await readdir(local))
    await putPath(sftp, path.join(local, entry), target, preserve, temps, [...ancestors, real]);
}

/** The remote path's kind, or undefined when it does not exist. @internal */
export async function remoteKind(sftp: SFTPWrapper, remote: string): Promise<'file' | 'dir' | undefined> {
  try {
    return (await sftpStat(sftp, remote)).isDirectory() ? 'dir' : 'file';
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code === 2) return undefined;
    throw e;
  }
}

/** Copies the remote file `remote` to the local file `localFile`, complete or not at all. @internal */
export async function getFile(
  sftp: SFTPWrapper,
  remote: string,
  localFile: string,
  preserve: boolean,
  temps: TempFiles,
): Promise<void> {
  const info: Stats = await sftpStat(sftp, remote);
  const tmp = tempName(localFile, (a, b) => path.join(a, b));
  temps.local.add(tmp);
  // created 0600 ('wx': never through a link), readable by others only once complete, at its final mode
  await (await open(tmp, 'wx', 0o600)).close();
  await call<undefined>((cb) => {
    sftp.fastGet(remote, tmp, XFER, (e) => {
      cb(e, undefined);
    });
  });
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- read, not set: the race is with workers that set it
  await chmod(tmp, pulledMode(info.mode, preserve, process.umask()));
  if (preserve) await utimes(tmp, info.atime, info.mtime);
  await rename(tmp, localFile);
  temps.local.delete(tmp);
}

/** How {@link getPath} writes: where it may, what it keeps. @internal */
export interface GetOptions {
  readonly root: LocalRoot;
  readonly preserve: boolean;
  readonly temps: TempFiles;
}

/**
 * Copies a remote file or directory (recursively) into the local directory `localDir`, under `options.root`
 * whatever the server's listings say (see {@link checkRemoteName}, {@link checkLocalTarget}). @internal
 */
export async function getPath(
  sftp: SFTPWrapper,
  remote: string,
  localDir: string,
  options: GetOptions,
  ancestors: readonly string[] = [],
  top = remote,
): Promise<void> {
  const { root, preserve, temps } = options;
  if (ancestors.length > MAX_PULL_DEPTH)
    throw new TransferError(
      root.host,
      top,
      `more than ${String(MAX_PULL_DEPTH)} directory levels below it: refused (a directory that contains itself?)`,
    );
  const target = path.join(localDir, path.posix.basename(remote.replace(/\/+$/, '')));
  const info = await sftpStat(sftp, remote);
  if (!info.isDirectory()) {
    await checkLocalTarget(root, target, remote, 'file');
    await getFile(sftp, remote, target, preserve, temps);
    return;
  }
  // the server follows symbolic links: one that leads back to a directory being copied would never end
  const real = await call<string>((cb) => {
    sftp.realpath(remote, cb);
  });
  if (ancestors.includes(real))
    throw new TransferError(
      root.host,
      remote,
      `a symbolic link loop (it is ${real}, which contains it): refused`,
    );
  await checkLocalTarget(root, target, remote, 'dir');
  await mkdir(target, { recursive: true, mode: (info.mode & 0o777) | 0o700 });
  const entries = await call<{ filename: string }[]>((cb) => {
    sftp.readdir(remote, cb);
  });
  // the whole listing checked before any of it is copied: a hostile listing fails before it writes
  for (const { filename } of entries) checkRemoteName(root.host, remote, filename);
  for (const { filename } of entries)
    await getPath(sftp, rjoin(remote, filename), target, options, [...ancestors, real], top);
}

/** Writes `data` to `remoteFile` (parents created, mode 700), complete or not at all. @internal */
export async function putData(
  sftp: SFTPWrapper,
  remoteFile: string,
  data: string | Buffer,
  mode: number,
  temps: TempFiles,
): Promise<void> {
  const dir = remoteFile.includes('/') ? remoteFile.slice(0, remoteFile.lastIndexOf('/')) : '';
  if (dir !== '') await remoteMkdirs(sftp, dir, 0o700);
  const tmp = tempName(remoteFile, rjoin);
  temps.remote.add(tmp);
  await call<undefined>((cb) => {
    sftp.writeFile(tmp, data, { mode }, (e) => {
      cb(e, undefined);
    });
  });
  await call<undefined>((cb) => {
    sftp.chmod(tmp, mode, (e) => {
      cb(e, undefined);
    });
  });
  await remoteRename(sftp, tmp, remoteFile);
  temps.remote.delete(tmp);
}

/** Removes the local temporary files of an interrupted transfer. @internal */
export const removeLocalTemps = async (temps: TempFiles): Promise<void> => {
  await Promise.all([...temps.local].map((f) => rm(f, { force: true })));
  temps.local.clear();
};
