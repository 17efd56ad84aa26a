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
 * It relies on internals of ssh2 1.x's SFTP class (`push`, `_writeReqid`, `_buffer`, `_protocol`,
 * `_pktLenBytes`); the Pull tests through OpenSSH and the hostile server exercise every path of it.
 * @module
 */
import type { SFTPWrapper } from './ssh2.js';

/** What Pull reads of a remote file's attributes. @internal */
export interface RemoteStats {
  readonly mode: number;
  readonly size: number;
  readonly atime: number;
  readonly mtime: number;
  isDirectory(): boolean;
}

type Callback<T> = (e: Error | undefined | null, value?: T) => void;

interface SftpInternals {
  _writeReqid: number;
  _buffer: Buffer[];
  _pktLenBytes: number;
  _protocol: { channelData: (this: unknown, id: number, data: Buffer) => unknown };
  outgoing: { id: number };
  push(data: Buffer | null): unknown;
  fstat(handle: Buffer, cb: Callback<unknown>): void;
}

interface ReaddirFull {
  readdir(handle: Buffer, options: { full: boolean }, cb: Callback<unknown>): void;
}

const REQ = { open: 3, opendir: 11, stat: 17, realpath: 16 } as const;
const NAME = 104;
const MAX_PACKET = 256 * 1024; // ssh2 refuses longer packets (OpenSSH's limit)

/** Per session: the NAME answers awaited as bytes (by request id), and those read already. */
interface RawState {
  readonly wanted: Set<number>;
  readonly names: Map<number, Buffer[] | undefined>;
}

const states = new WeakMap<SFTPWrapper, RawState>();

/** The filenames of a NAME packet (`body` from its type byte on); undefined when malformed. */
function parseNames(body: Buffer): Buffer[] | undefined {
  let p = 5;
  const u32 = (): number | undefined => {
    if (p + 4 > body.length) return undefined;
    const v = body.readUInt32BE(p);
    p += 4;
    return v;
  };
  const str = (): Buffer | undefined => {
    const n = u32();
    if (n === undefined || p + n > body.length) return undefined;
    p += n;
    return body.subarray(p - n, p);
  };
  const count = u32() ?? 0;
  const names: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const name = str();
    if (name === undefined || str() === undefined) return undefined; // filename, longname
    const flags = u32();
    if (flags === undefined) return undefined;
    // size (8), uid+gid (8), permissions (4), atime+mtime (8), then extended pairs
    p += (flags & 1 ? 8 : 0) + (flags & 2 ? 8 : 0) + (flags & 4 ? 4 : 0) + (flags & 8 ? 8 : 0);
    if (flags & 0x80000000) {
      const pairs = u32() ?? 0;
      for (let k = 0; k < pairs; k++) if (str() === undefined || str() === undefined) return undefined;
    }
    if (p > body.length) return undefined;
    names.push(Buffer.from(name));
  }
  return names;
}

/** Wraps the session's `push` (once), at a packet boundary: the NAME answers wanted are kept as bytes. */
function rawState(sftp: SFTPWrapper): RawState {
  const known = states.get(sftp);
  if (known !== undefined) return known;
  const s = sftp as unknown as SftpInternals;
  if (s._pktLenBytes !== 0) throw new Error('SFTP raw names: the session is in the middle of a packet');
  const state: RawState = { wanted: new Set(), names: new Map() };
  const original = s.push.bind(s);
  const head = Buffer.alloc(5); // type and request id
  let lenBytes = 0;
  let length = 0;
  let pos = 0;
  let kept: Buffer | undefined;
  s.push = (data: Buffer | null): unknown => {
    for (let p = 0; data !== null && p < data.length;) {
      if (lenBytes < 4) {
        length = length * 256 + (data[p++] ?? 0);
        if (++lenBytes === 4) [pos, kept] = [0, undefined];
        continue;
      }
      const n = Math.min(length - pos, data.length - p);
      if (pos < 5) data.copy(head, pos, p, p + Math.min(n, 5 - pos));
      if (pos < 5 && pos + n >= 5 && head[0] === NAME && length <= MAX_PACKET)
        if (state.wanted.has(head.readUInt32BE(1))) {
          kept = Buffer.alloc(length);
          head.copy(kept, 0, 0, pos); // the bytes of the header that came in earlier chunks
        }
      if (kept !== undefined) data.copy(kept, pos, p, p + n);
      [pos, p] = [pos + n, p + n];
      if (pos >= length) {
        if (kept !== undefined) {
          const id = kept.readUInt32BE(1);
          state.wanted.delete(id);
          state.names.set(id, parseNames(kept));
        }
        [lenBytes, length, kept] = [0, 0, undefined];
      }
    }
    return original(data);
  };
  states.set(sftp, state);
  return state;
}

/**
 * Starts reading the session's NAME answers as bytes (when asked for, see {@link listOf}): call it before any
 * request of the session is in flight, so that the packets are followed from one boundary on.
 * @internal
 */
export const watchNames = (sftp: SFTPWrapper): void => {
  rawState(sftp);
};

/**
 * Makes the request `make` (an ssh2 method call that sends one request) with its NAME answer read as bytes:
 * the filenames it lists.
 */
function namesOf(sftp: SFTPWrapper, make: (cb: Callback<unknown>) => void): Promise<Buffer[]> {
  const state = rawState(sftp);
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
    id = (sftp as unknown as SftpInternals)._writeReqid;
    state.wanted.add(id);
  });
}

/**
 * Sends the request `type` whose fields after the request id are `fields`, in the place of an FSTAT request
 * of the same length that ssh2 makes (its id, callback and place in the flow are kept): its bytes are
 * replaced whether ssh2 sends it at once (in one piece or more) or queues it until the window opens.
 */
function sendRaw(sftp: SFTPWrapper, type: number, fields: Buffer, cb: Callback<unknown>): void {
  const s = sftp as unknown as SftpInternals;
  const total = 9 + fields.length;
  const replace = (view: Buffer): void => {
    const whole = Buffer.from(view.buffer, view.byteOffset, total);
    whole[4] = type;
    fields.copy(whole, 9);
  };
  const sent = { replaced: false };
  const protocol = s._protocol;
  const own = Object.hasOwn(protocol, 'channelData');
  const channelData = protocol.channelData;
  protocol.channelData = function (this: unknown, id: number, data: Buffer): unknown {
    if (!sent.replaced && id === s.outgoing.id) {
      replace(data);
      sent.replaced = true;
    }
    return channelData.call(this, id, data);
  };
  try {
    s.fstat(Buffer.alloc(fields.length - 4), cb);
  } finally {
    if (own) protocol.channelData = channelData;
    else delete (protocol as Partial<SftpInternals['_protocol']>).channelData;
  }
  const queued = s._buffer.at(-1);
  if (!sent.replaced && queued?.length === total && queued.readUInt32BE(5) === s._writeReqid) replace(queued);
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
  typeof path === 'string'
    ? asPromise<RemoteStats>((cb) => {
        sftp.stat(path, cb);
      })
    : asPromise<RemoteStats>((cb) => {
        sendRaw(sftp, REQ.stat, pathField(path), cb as Callback<unknown>);
      });

/** The server's REALPATH of `path`, as bytes (for comparisons only). @internal */
export async function realpathOf(sftp: SFTPWrapper, path: RemotePath): Promise<Buffer> {
  const names = await namesOf(sftp, (cb) => {
    if (typeof path === 'string') sftp.realpath(path, cb);
    else sendRaw(sftp, REQ.realpath, pathField(path), cb);
  });
  const [real] = names;
  if (real === undefined) throw new Error('the server answered REALPATH with no name');
  return real;
}

/** The names of the directory `dir` as bytes, without `.` and `..`. @internal */
export async function listOf(sftp: SFTPWrapper, dir: RemotePath): Promise<Buffer[]> {
  const handle = await asPromise<Buffer>((cb) => {
    if (typeof dir === 'string') sftp.opendir(dir, cb);
    else sendRaw(sftp, REQ.opendir, pathField(dir), cb as Callback<unknown>);
  });
  const all: Buffer[] = [];
  try {
    for (;;) {
      const names = await namesOf(sftp, (cb) => {
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

/**
 * Runs `f` (which calls ssh2's `fastGet` on the session) with the session's OPEN of the remote file made
 * for the bytes `path`: ssh2's transfer, its pipelining and flow control kept for a name it cannot send.
 * @internal
 */
export function withRawOpen<T>(sftp: SFTPWrapper, path: Buffer, f: () => T): T {
  const s = sftp as unknown as { open: unknown };
  s.open = (_path: string, _flags: string, cb: Callback<unknown>): void => {
    sendRaw(sftp, REQ.open, pathField(path, [1, 0]), cb); // pflags READ, no attributes
  };
  try {
    return f();
  } finally {
    delete s.open;
  }
}
