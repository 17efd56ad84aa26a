/**
 * The wire side of sftp-raw.ts: what it reads and replaces of ssh2 1.x's SFTP class, which has no
 * public API for names as bytes. The internals it needs (`push`, `_pktLenBytes`, `_writeReqid`, `_buffer`,
 * `_protocol.channelData`, `outgoing.id`, `fstat`) are checked once per session, their types and values
 * (not their presence only): when one of them is not what this module knows, the session has no raw state
 * and sftp-raw.ts uses ssh2's public API alone (names as ssh2 decodes them; a name that is not UTF-8 refused).
 * @module
 */
import type { SFTPWrapper } from '../ssh2.js';

/** A callback of ssh2's SFTP API. @internal */
export type Callback<T> = (e: Error | undefined | null, value?: T) => void;

/** The internals of ssh2's SFTP class used here, as checked by {@link rawStateOf}. */
interface SftpInternals {
  _writeReqid: number;
  _buffer: Buffer[];
  _pktLenBytes: number;
  _protocol: { channelData: (this: unknown, id: number, data: Buffer) => unknown };
  outgoing: { id: number };
  push(data: Buffer | null): unknown;
  fstat(handle: Buffer, cb: Callback<unknown>): void;
}

const NAME = 104;
const MAX_PACKET = 256 * 1024; // ssh2 refuses longer packets (OpenSSH's limit)

/** Per session: the NAME answers awaited as bytes (by request id), those read already, the internals. @internal */
export interface RawState {
  readonly wanted: Set<number>;
  readonly names: Map<number, Buffer[] | undefined>;
  readonly internals: SftpInternals;
}

/** The internals of `sftp`, when every one is what this module knows of ssh2 1.17; else undefined. */
function internalsOf(sftp: SFTPWrapper): SftpInternals | undefined {
  const s = sftp as unknown as Partial<Record<keyof SftpInternals, unknown>>;
  const protocol = s._protocol as { channelData?: unknown } | null | undefined;
  const outgoing = s.outgoing as { id?: unknown } | null | undefined;
  const ok =
    typeof s.push === 'function' &&
    typeof s.fstat === 'function' &&
    s._pktLenBytes === 0 && // at a packet boundary: no request made yet on the session
    Number.isInteger(s._writeReqid) &&
    Array.isArray(s._buffer) &&
    typeof protocol === 'object' &&
    protocol !== null &&
    typeof protocol.channelData === 'function' &&
    typeof outgoing === 'object' &&
    outgoing !== null &&
    Number.isInteger(outgoing.id);
  return ok ? (sftp as unknown as SftpInternals) : undefined;
}

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

const states = new WeakMap<SFTPWrapper, RawState | null>();

/**
 * The raw state of the session (made at its first call, which must come before any request of the session
 * is in flight): its `push` wrapped, at a packet boundary, so that the NAME answers wanted are kept as bytes.
 * Undefined when ssh2's internals are not those of ssh2 1.17 (checked once per session).
 * @internal
 */
export function rawStateOf(sftp: SFTPWrapper): RawState | undefined {
  const known = states.get(sftp);
  if (known !== undefined) return known ?? undefined;
  const s = internalsOf(sftp);
  if (s === undefined) {
    states.set(sftp, null);
    return undefined;
  }
  const state: RawState = { wanted: new Set(), names: new Map(), internals: s };
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
 * Sends the request `type` whose fields after the request id are `fields`, in the place of an FSTAT request
 * of the same length that ssh2 makes (its id, callback and place in the flow are kept): its bytes are
 * replaced whether ssh2 sends it at once (in one piece or more) or queues it until the window opens. Should
 * ssh2 send it some other way, the FSTAT of a handle of zeros goes as it is, and its failure is reported as
 * ssh2's internals having changed (never as an answer to the request meant).
 * @internal
 */
export function sendRaw(state: RawState, type: number, fields: Buffer, cb: Callback<unknown>): void {
  const s = state.internals;
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
      // `data` may be the first piece of the request only: a view of the whole, replaced through it
      replace(data);
      sent.replaced = true;
    }
    return channelData.call(this, id, data);
  };
  const checked: Callback<unknown> = (e, v) => {
    if (sent.replaced) cb(e, v);
    else cb(new Error('cannot send a name that is not UTF-8 with this ssh2 version (its internals changed)'));
  };
  try {
    s.fstat(Buffer.alloc(fields.length - 4), checked);
  } finally {
    if (own) protocol.channelData = channelData;
    else delete (protocol as Partial<SftpInternals['_protocol']>).channelData;
  }
  const queued = s._buffer.at(-1);
  if (!sent.replaced && queued?.length === total && queued.readUInt32BE(5) === s._writeReqid) {
    replace(queued);
    sent.replaced = true;
  }
}
