import { randomBytes } from 'node:crypto';
import { lstat, readdir, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';

import { escapedName } from '../../remote-names.js';
import type { SFTPWrapper } from '../ssh2.js';

// SFTP as Promises, plus the transfers that the SSH node needs: every file written under a temporary name
// in its final directory, then renamed, so that it appears complete or not at all.

// fastPut/fastGet requests: as large as OpenSSH's sftp-server allows (its limits@openssh.com reply says
// 255 KiB reads and writes; ssh2 asks for the limits and splits what a server does not allow), and as many
// in flight as keeps the pipe full: 4 MiB, where ssh2's default (64 of 32 KiB: 6,400 requests per 200 MiB)
// spent its time on requests rather than data.
export const XFER = { chunkSize: 255 * 1024, concurrency: 16 } as const;

/** A callback-style call as a Promise. @internal */
export const call = <T>(f: (callback: (e: Error | undefined | null, value: T) => void) => void): Promise<T> =>
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

/**
 * A temporary name beside `file`: `.name.rxjobs-XXXXXXXX`, `name` cut short (at a character) where the whole
 * would be longer than the 255 bytes of a file name, so that any name that fits has a temporary name.
 * @internal
 */
export const tempName = (file: string, join: (a: string, b: string) => string): string => {
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) || '/' : '.';
  const whole = file.slice(file.lastIndexOf('/') + 1);
  let base = whole;
  if (Buffer.byteLength(whole) > TEMP_BASE_MAX) {
    base = '';
    let bytes = 0;
    for (const c of whole) {
      bytes += Buffer.byteLength(c);
      if (bytes > TEMP_BASE_MAX) break;
      base += c;
    }
  }
  return join(dir, `.${base}.rxjobs-${randomBytes(4).toString('hex')}`);
};

const TEMP_BASE_MAX = 255 - '..rxjobs-XXXXXXXX'.length;

/** `a/b` for remote paths (`b` alone when `a` is empty or `.`). @internal */
export const rjoin = (a: string, b: string): string =>
  a === '' || a === '.' ? b : `${a.replace(/\/+$/, '')}/${b}`;

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

/** A local path: as text, or as the bytes of a name that is not UTF-8 (fs takes both). @internal */
export type LocalPath = string | Buffer;

/** A local path as shown in messages: bytes that are not UTF-8 escaped (remote-names.ts). @internal */
export const shownLocal = (local: LocalPath): string =>
  typeof local === 'string' ? local : (escapedName(local) ?? local.toString('utf8'));

/** Copies one local file to `remoteFile`. @internal */
async function putFile(
  sftp: SFTPWrapper,
  local: LocalPath,
  remoteFile: string,
  preserve: boolean,
  temps: TempFiles,
): Promise<void> {
  const info = await stat(local);
  const tmp = tempName(remoteFile, rjoin);
  temps.remote.add(tmp);
  await call<undefined>((cb) => {
    // ssh2 opens the local file with fs.open, which takes the bytes of a name that is not UTF-8
    sftp.fastPut(local as string, tmp, { ...XFER, mode: info.mode & 0o7777 }, (e) => {
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

/** How {@link putPath} writes: what it keeps, whom it tells of escaped names. @internal */
export interface PutOptions {
  readonly preserve: boolean;
  readonly temps: TempFiles;
  /** Called with the remote path and the local path (shown escaped) of a name that is not UTF-8. */
  readonly onRenamed?: ((remote: string, local: string) => void) | undefined;
}

/**
 * Copies a local file or directory (recursively) into the remote directory `remoteDir`. A local name that is
 * not UTF-8 is pushed under its escaped name (remote-names.ts), reported to `options.onRenamed`. @internal
 */
export async function putPath(
  sftp: SFTPWrapper,
  local: LocalPath,
  remoteDir: string,
  options: PutOptions,
  ancestors: readonly string[] = [],
  name?: string,
): Promise<void> {
  const info = await lstat(local).then((s) => (s.isSymbolicLink() ? stat(local) : s));
  const target = rjoin(remoteDir, name ?? path.basename(path.resolve(shownLocal(local))));
  if (!info.isDirectory()) {
    await putFile(sftp, local, target, options.preserve, options.temps);
    return;
  }
  // symbolic links are followed: one that leads back to a directory being copied would never end
  const realBytes = await realpath(local, { encoding: 'buffer' });
  const real = realBytes.toString('latin1'); // compared as bytes
  if (ancestors.includes(real))
    throw new Error(
      `${shownLocal(local)}: a symbolic link loop (it is ${shownLocal(realBytes)}, which contains it): refused`,
    );
  await remoteMkdirs(sftp, target, info.mode & 0o7777);
  const dir = typeof local === 'string' ? Buffer.from(local) : local;
  // every name checked before any is copied: an escaped name must not be the name of another entry
  const entries = (await readdir(local, { encoding: 'buffer' })).map((bytes) => ({
    bytes,
    escaped: escapedName(bytes),
  }));
  const names = new Set(entries.map((e) => e.bytes.toString('latin1')));
  for (const { escaped } of entries)
    if (escaped !== undefined && names.has(Buffer.from(escaped).toString('latin1')))
      throw new Error(
        `${shownLocal(local)}: ${JSON.stringify(escaped)} is the escaped name of one entry and the name of another: refused`,
      );
  for (const { bytes, escaped } of entries) {
    const child = Buffer.concat([dir, Buffer.from(path.sep), bytes]);
    if (escaped !== undefined) options.onRenamed?.(rjoin(target, escaped), shownLocal(child));
    await putPath(
      sftp,
      typeof local === 'string' && escaped === undefined ? path.join(local, bytes.toString('utf8')) : child,
      target,
      options,
      [...ancestors, real],
      escaped,
    );
  }
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

/**
 * Removes the local temporary files of an interrupted transfer, quietly: a clean-up that failed (a name
 * too long, a directory made read-only) must not keep the transfer's failure from being reported.
 * @internal
 */
export const removeLocalTemps = async (temps: TempFiles): Promise<void> => {
  await Promise.all([...temps.local].map((f) => rm(f, { force: true }).catch(() => undefined)));
  temps.local.clear();
};
