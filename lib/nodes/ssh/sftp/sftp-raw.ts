/**
 * SFTP with names as bytes. ssh2 decodes every name of a listing as UTF-8 (an invalid byte becomes U+FFFD,
 * and the name is lost) and encodes every path it sends as UTF-8, so a remote file whose name is not UTF-8
 * can be neither named nor opened through its API. This module adds what Pull needs, on an ssh2 SFTP session:
 * - the names of a listing and of a REALPATH answer as their exact bytes, read from the answer's packet as it
 *   comes in (the session's `push` is wrapped: it looks at each packet's header, and copies only the NAME
 *   answers to the requests asked for here; ssh2 then handles every packet as before);
 * - STAT, REALPATH, OPENDIR and OPEN of a path given as bytes: the request is built here and sent in the
 *   place of an ssh2 FSTAT request of the same length (so that ssh2's request ids, callbacks, flow control
 *   and order of requests all stay its own), whose bytes are replaced as they are sent.
 * It relies on internals of ssh2 1.x's SFTP class (sftp-raw-wire.ts), checked once per session: when they
 * are not there, names come as ssh2 decodes them ({@link exactNames} says which), and Pull refuses a name
 * that is not UTF-8 rather than copy it under a wrong name. The Pull tests through OpenSSH and the hostile
 * server exercise every path of it.
 * @module
 */
import type { Callback, RawState } from './sftp-raw-wire.js';
import { rawStateOf, sendRaw } from './sftp-raw-wire.js';
import type { SFTPWrapper } from '../ssh2.js';

/** What Pull reads of a remote file's attributes. @internal */
export interface RemoteStats {
  readonly mode: number;
  readonly size: number;
  readonly atime: number;
  readonly mtime: number;
  isDirectory(): boolean;
}

interface ReaddirFull {
  readdir(handle: Buffer, options: { full: boolean }, cb: Callback<unknown>): void;
}

const REQ = { open: 3, opendir: 11, stat: 17, realpath: 16 } as const;

/** Why a name that is not UTF-8 cannot be copied when ssh2's internals are not those known here. @internal */
export const LOSSY_NAMES =
  'cannot copy a name that is not UTF-8 with this ssh2 version (its SFTP internals are not those of ssh2 1.17, ' +
  'so the name is known only as ssh2 decodes it, U+FFFD for each invalid byte): refused (use ssh2 1.17)';

/**
 * Starts reading the session's NAME answers as bytes, when ssh2's internals allow it: call it before any
 * request of the session is in flight, so that the packets are followed from one boundary on. Returns
 * whether names are read as bytes ({@link exactNames}).
 * @internal
 */
export const watchNames = (sftp: SFTPWrapper): boolean => rawStateOf(sftp) !== undefined;

/**
 * Whether the names of the session's listings are their exact bytes; when not, they are as ssh2 decodes
 * them, and one holding U+FFFD may be a name that is not UTF-8, known only by a lossy decoding.
 * @internal
 */
export const exactNames = (sftp: SFTPWrapper): boolean => rawStateOf(sftp) !== undefined;

/** The raw state of the session, or an error for a path given as bytes when there is none. */
const rawOf = (sftp: SFTPWrapper): RawState => {
  const state = rawStateOf(sftp);
  if (state === undefined) throw new Error(LOSSY_NAMES);
  return state;
};

/**
 * Makes the request `make` (an ssh2 method call that sends one request) with its NAME answer read as bytes:
 * the filenames it lists.
 */
function namesOf(state: RawState, make: (cb: Callback<unknown>) => void): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let id = -1;
    make((e) => {
      const names = state.names.get(id);
      state.names.delete(id);
      state.wanted.delete(id);
      if (e) reject(e);
      else if (names === undefined) reject(new Error('the server sent a malformed NAME answer'));
      else resolve(names);
    });
    id = state.internals._writeReqid;
    state.wanted.add(id);
  });
}

/** `[uint32 length][path]`, then `extra`. */
const pathField = (path: Buffer, extra: readonly number[] = []): Buffer => {
  const b = Buffer.alloc(4 + path.length + extra.length * 4);
  b.writeUInt32BE(path.length, 0);
  path.copy(b, 4);
  extra.forEach((v, i) => b.writeUInt32BE(v, 4 + path.length + i * 4));
  return b;
};

const asPromise = <T>(f: (cb: Callback<T>) => void): Promise<T> =>
  new Promise((resolve, reject) => {
    f((e, v) => {
      if (e) reject(e);
      else resolve(v as T);
    });
  });

/** A remote path: as text (valid UTF-8), or as the bytes of a path that is not. @internal */
export type RemotePath = string | Buffer;

/** STAT of `path`. @internal */
export const statOf = (sftp: SFTPWrapper, path: RemotePath): Promise<RemoteStats> =>
  asPromise<RemoteStats>((cb) => {
    if (typeof path === 'string') sftp.stat(path, cb);
    else sendRaw(rawOf(sftp), REQ.stat, pathField(path), cb as Callback<unknown>);
  });

/** The server's REALPATH of `path`, as bytes (for comparisons only). @internal */
export async function realpathOf(sftp: SFTPWrapper, path: RemotePath): Promise<Buffer> {
  const state = rawStateOf(sftp);
  if (state === undefined && typeof path === 'string')
    return Buffer.from(
      await asPromise<string>((cb) => {
        sftp.realpath(path, cb);
      }),
    );
  const raw = rawOf(sftp);
  const names = await namesOf(raw, (cb) => {
    if (typeof path === 'string') sftp.realpath(path, cb);
    else sendRaw(raw, REQ.realpath, pathField(path), cb);
  });
  const [real] = names;
  if (real === undefined) throw new Error('the server answered REALPATH with no name');
  return real;
}

/**
 * The names of the directory `dir` as bytes, without `.` and `..` (as ssh2 decodes them when its internals
 * are not those known here: see {@link exactNames}). @internal
 */
export async function listOf(sftp: SFTPWrapper, dir: RemotePath): Promise<Buffer[]> {
  const state = rawStateOf(sftp);
  if (state === undefined && typeof dir === 'string') {
    const entries = await asPromise<{ filename: string }[]>((cb) => {
      sftp.readdir(dir, cb);
    });
    return entries.map((e) => Buffer.from(e.filename)); // '.' and '..' left out by ssh2
  }
  const raw = rawOf(sftp);
  const handle = await asPromise<Buffer>((cb) => {
    if (typeof dir === 'string') sftp.opendir(dir, cb);
    else sendRaw(raw, REQ.opendir, pathField(dir), cb as Callback<unknown>);
  });
  const all: Buffer[] = [];
  try {
    for (;;) {
      const names = await namesOf(raw, (cb) => {
        // full: '.' and '..' compared as bytes below (ssh2 would compare its lossy decoding)
        (sftp as unknown as ReaddirFull).readdir(handle, { full: true }, cb);
      }).catch((e: unknown) => {
        if ((e as { code?: unknown }).code === 1) return undefined; // EOF
        throw e;
      });
      if (names === undefined) break;
      all.push(...names);
    }
  } finally {
    sftp.close(handle, () => undefined);
  }
  return all.filter((n) => !(n.equals(DOT) || n.equals(DOTDOT)));
}

const DOT = Buffer.from('.');
const DOTDOT = Buffer.from('..');

/** The methods of the session that {@link rawFastGet} stands in for, on the instance. */
interface OpenStat {
  open(path: string, flags: string, cb: Callback<unknown>): void;
  stat(path: string, cb: Callback<unknown>): void;
}

/**
 * ssh2's `fastGet` of the remote file whose path is the bytes `path` (`shown` is its escaped form) to the
 * local file `local`: ssh2's transfer, its pipelining and flow control kept for a name it cannot send. Its
 * OPEN (and the STAT that ssh2 makes when the server's FSTAT fails) are made for the bytes: the session's
 * `open` and `stat` stand in for ssh2's for `shown` alone, until the transfer ends. `size` (from the STAT
 * made before) spares ssh2 its FSTAT.
 * @internal
 */
export function rawFastGet(
  sftp: SFTPWrapper,
  path: Buffer,
  shown: string,
  local: string,
  options: { readonly chunkSize: number; readonly concurrency: number; readonly fileSize: number },
  cb: (e: Error | undefined | null) => void,
): void {
  const raw = rawOf(sftp);
  const s = sftp as unknown as OpenStat;
  const own = {
    open: Object.getOwnPropertyDescriptor(s, 'open'),
    stat: Object.getOwnPropertyDescriptor(s, 'stat'),
  };
  const [open, stat] = [s.open.bind(s), s.stat.bind(s)];
  let opened = false;
  s.open = (p, flags, done) => {
    if (p !== shown) {
      open(p, flags, done);
      return;
    }
    opened = true;
    sendRaw(raw, REQ.open, pathField(path, [1, 0]), done); // pflags READ, no attributes
  };
  s.stat = (p, done) => {
    if (p === shown) sendRaw(raw, REQ.stat, pathField(path), done);
    else stat(p, done);
  };
  const restore = (): void => {
    for (const key of ['open', 'stat'] as const) {
      const before = own[key];
      if (before === undefined) Reflect.deleteProperty(s, key);
      else Object.defineProperty(s, key, before);
    }
  };
  try {
    sftp.fastGet(shown, local, options, (e) => {
      restore();
      if (!opened && !e)
        cb(new Error(LOSSY_NAMES)); // ssh2 did not open it through the session's open
      else cb(e);
    });
  } catch (e: unknown) {
    restore();
    throw e;
  }
}
