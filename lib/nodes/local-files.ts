/**
 * Local file helpers shared by the nodes: atomic writes and copies (a temporary name in the target directory,
 * then `rename`), and the private script directory check.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import {
  chmod,
  lstat,
  lutimes,
  mkdir,
  open,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  utimes,
} from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';

import { ConfigError } from '../errors/config-error.js';
import { TransferError } from '../errors/transfer-error.js';
import { escapedName } from './remote-names.js';

/** Options of {@link copyInto}. @internal */
export interface CopyOptions {
  /** Keep modes (with setuid/setgid/sticky bits) and access/modification times. */
  readonly preserve: boolean;
  /** Aborting stops the copy and removes the temporary file being written. */
  readonly signal: AbortSignal;
  /** The host named by errors. */
  readonly host: string;
}

/** `.name.rxjobs-tmp-<random>`, next to `target`: the same directory, so that `rename` is atomic. @internal */
export const tempPathFor = (target: string): string =>
  join(dirname(target), `.${basename(target)}.rxjobs-tmp-${randomBytes(6).toString('hex')}`);

/**
 * A path inside a copied tree: text, or the bytes of a path with a name that is not UTF-8 (copied as it is,
 * as cp does; fs takes both).
 */
type TreePath = string | Buffer;

/** `dir/name`, as text while both are (`name` valid UTF-8), else as bytes. */
const childOf = (dir: TreePath, name: Buffer): TreePath =>
  typeof dir === 'string' && escapedName(name) === undefined
    ? join(dir, name.toString('utf8'))
    : Buffer.concat([Buffer.from(dir), Buffer.from(sep), name]);

/** A tree path in messages: bytes that are not UTF-8 escaped as %XX (remote-names.ts). */
const shownPath = (p: TreePath): string => (typeof p === 'string' ? p : (escapedName(p) ?? p.toString()));

/** {@link tempPathFor} for a tree path. */
const tempTreePath = (target: TreePath): TreePath => {
  if (typeof target === 'string') return tempPathFor(target);
  const at = target.lastIndexOf(sep);
  const tmp = `.rxjobs-tmp-${randomBytes(6).toString('hex')}`;
  return Buffer.concat([
    target.subarray(0, at + 1),
    Buffer.from('.'),
    target.subarray(at + 1),
    Buffer.from(tmp),
  ]);
};

/** `no such file or directory` out of `ENOENT: no such file or directory, lstat '/x'`. @internal */
export const describeFsError = (e: unknown): string => {
  const message = e instanceof Error ? e.message : String(e);
  return /^E[A-Z]+: ([^,]+)/.exec(message)?.[1] ?? message;
};

/**
 * Rethrows a TransferError or an abort as they are; wraps anything else in a TransferError naming the path
 * in the error (the file at fault, deep in a tree) or else `path`.
 */
const asTransferError = (e: unknown, host: string, path: string): unknown =>
  e instanceof TransferError || (e instanceof Error && e.name === 'AbortError')
    ? e
    : new TransferError(host, (e as Partial<NodeJS.ErrnoException>).path ?? path, describeFsError(e), {
        cause: e,
      });

/**
 * Runs `fill(tmp)` on a fresh temporary path next to `target`, then renames it to `target`; on any failure
 * or abort, removes the temporary file (`fill` must have closed it) and rethrows.
 */
const viaTempFile = async <P extends TreePath>(
  target: P,
  signal: AbortSignal,
  fill: (tmp: P) => Promise<void>,
) => {
  const tmp = tempTreePath(target) as P;
  try {
    await fill(tmp);
    signal.throwIfAborted();
    await rename(tmp, target);
  } catch (e: unknown) {
    await rm(tmp, { force: true }).catch(() => undefined); // the first error is the one to report
    throw e;
  }
};

/**
 * Writes `data` to `target` atomically: into a temporary file created with mode 600, then `chmod` to `mode`
 * exactly (the umask does not apply), `fsync`, and `rename`. A reader sees the old file or the new one.
 * Failures are {@link TransferError}s naming `host` and the path.
 * @internal
 */
export const writeFileAtomic = async (
  target: string,
  data: string | Buffer,
  mode: number,
  options: Pick<CopyOptions, 'signal' | 'host'>,
): Promise<void> => {
  await viaTempFile(target, options.signal, async (tmp) => {
    const file = await open(tmp, 'wx', 0o600);
    try {
      await file.writeFile(data);
      await file.chmod(mode);
      await file.sync();
    } finally {
      await file.close();
    }
  }).catch((e: unknown) => {
    throw asTransferError(e, options.host, target);
  });
};

/** Copies one regular file to `target` through a temporary file, stopping at once when `signal` aborts. */
const copyFileAtomic = async (source: TreePath, target: TreePath, st: Stats, options: CopyOptions) => {
  await viaTempFile(target, options.signal, async (tmp) => {
    // created with the source's permission bits, less the umask (as cp and scp do); chmod below if preserving
    const file = await open(tmp, 'wx', st.mode & 0o777);
    try {
      for await (const chunk of createReadStream(source, {
        signal: options.signal,
        highWaterMark: 1 << 20,
      })) {
        const bytes = chunk as Buffer;
        for (let at = 0; at < bytes.length;) at += (await file.write(bytes, at)).bytesWritten; // short writes
        options.signal.throwIfAborted();
      }
      if (options.preserve) {
        await file.chmod(st.mode & 0o7777);
        await file.utimes(st.atime, st.mtime);
      }
    } finally {
      await file.close();
    }
  });
};

/** Copies a symbolic link as a link (not what it points to), atomically. */
const copySymlink = async (source: TreePath, target: TreePath, st: Stats, options: CopyOptions) => {
  const link = await readlink(source, { encoding: 'buffer' });
  await viaTempFile(target, options.signal, async (tmp) => {
    await symlink(link, tmp);
    if (options.preserve) await lutimes(tmp, st.atime, st.mtime);
  });
};

/** Copies a file, a link or a whole directory (depth first; a directory's mode and times are set last). */
const copyEntry = async (
  source: TreePath,
  target: TreePath,
  st: Stats,
  options: CopyOptions,
): Promise<void> => {
  options.signal.throwIfAborted();
  try {
    if (st.isFile()) {
      await copyFileAtomic(source, target, st, options);
      return;
    }
    if (st.isSymbolicLink()) {
      await copySymlink(source, target, st, options);
      return;
    }
    if (!st.isDirectory())
      throw new TransferError(
        options.host,
        shownPath(source),
        'not a regular file, directory or symbolic link',
      );
    await mkdir(target).catch(async (e: unknown) => {
      // an existing directory is merged into, as cp -r does
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !(await stat(target)).isDirectory()) throw e;
    });
    for (const name of await readdir(source, { encoding: 'buffer' })) {
      const child = childOf(source, name);
      await copyEntry(child, childOf(target, name), await lstat(child), options);
    }
    if (options.preserve) {
      await chmod(target, st.mode & 0o7777);
      await utimes(target, st.atime, st.mtime);
    }
  } catch (e: unknown) {
    throw asTransferError(e, options.host, shownPath(source));
  }
};

/**
 * Copies files and directories (recursively) into `destDir`, which is created when missing; relative paths
 * resolve against `process.cwd()`. Every source is checked first, so a missing one fails with a
 * {@link TransferError} before anything is written. Paths given are followed when they are symbolic links
 * (as `cp -H`); links inside directories are copied as links. Each file appears complete or not at all.
 * @internal
 */
export const copyInto = async (
  sources: readonly string[],
  destDir: string,
  options: CopyOptions,
): Promise<void> => {
  const dest = resolve(destDir);
  const checked = await Promise.all(
    sources.map(async (given) => {
      const source = resolve(given);
      const st = await stat(source).catch((e: unknown) => {
        throw asTransferError(e, options.host, source);
      });
      const target = join(dest, basename(source));
      if (target === source)
        throw new TransferError(
          options.host,
          source,
          `is already in ${dest} (source and target are the same)`,
        );
      if (st.isDirectory() && (dest === source || dest.startsWith(source + sep)))
        throw new TransferError(options.host, source, `cannot copy a directory into itself (${dest})`);
      return { source, target, st };
    }),
  );
  options.signal.throwIfAborted();
  await mkdir(dest, { recursive: true }).catch((e: unknown) => {
    throw asTransferError(e, options.host, dest);
  });
  for (const { source, target, st } of checked) await copyEntry(source, target, st, options);
};

/**
 * Whether a pull of ONE remote file to `local` writes the file `local` itself, as `scp` does: unless `local`
 * ends with `/` or is an existing directory (or a link to one), in which cases the file goes into it.
 * @internal
 */
export const pullsToFile = async (local: string): Promise<boolean> =>
  !local.endsWith('/') &&
  !local.endsWith(sep) &&
  !(await stat(local).then(
    (st) => st.isDirectory(),
    () => false,
  ));

/**
 * Copies the file `source` (a link given is followed) to the file `target` (replaced if it exists), through
 * a temporary file beside it; `target`'s directory is created when missing.
 * @internal
 */
export const copyFileTo = async (source: string, target: string, options: CopyOptions): Promise<void> => {
  const from = resolve(source);
  const to = resolve(target);
  const st = await stat(from).catch((e: unknown) => {
    throw asTransferError(e, options.host, from);
  });
  if (from === to)
    throw new TransferError(options.host, from, 'is the target itself (source and target are the same)');
  options.signal.throwIfAborted();
  await mkdir(dirname(to), { recursive: true }).catch((e: unknown) => {
    throw asTransferError(e, options.host, dirname(to));
  });
  await copyEntry(from, to, st, options);
};

/**
 * Makes sure `dir` is a private directory of user `uid`: creates it (with its parents) with mode 700 when
 * missing; refuses a symbolic link, a directory owned by another user, or one writable by group or others,
 * since whoever can write there can swap a script before it runs.
 * @internal
 */
export const ensurePrivateDir = async (dir: string, uid: number, subject: string): Promise<void> => {
  const refuse = (problem: string, cause?: unknown) =>
    new ConfigError(subject, 'scriptDir', `${dir} ${problem}`, cause === undefined ? {} : { cause });
  try {
    const created = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (created !== undefined) await chmod(dir, 0o700); // whatever the umask
  } catch (e: unknown) {
    throw refuse(`cannot be created: ${describeFsError(e)}`, e);
  }
  const st = await lstat(dir);
  if (!st.isDirectory()) throw refuse('is not a directory (a symbolic link is refused too)');
  if (st.uid !== uid)
    throw refuse(`is owned by uid ${String(st.uid)}, not by this user (uid ${String(uid)})`);
  if ((st.mode & 0o022) !== 0)
    throw refuse(`is writable by group or others (mode ${(st.mode & 0o777).toString(8)}); expected 700`);
};
