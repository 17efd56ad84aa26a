/**
 * A hostile SSH server for the transfer tests: ssh2's own `Server` on loopback, with an
 * SFTP subsystem that answers OPEN/READ/FSTAT/CLOSE/STAT/LSTAT/OPENDIR/READDIR/REALPATH from an in-memory
 * tree whose listings may hold names that no real file system has (`x/..`, `../../x`, `/abs`, `a/b`, NUL)
 * and directories that contain themselves. OpenSSH never sends such answers; a compromised host can.
 */
import { readdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import ssh2 from 'ssh2';
import type { Attributes, FileEntry, SFTPWrapper } from 'ssh2';
import { ed25519PrivateKey } from './test-keys.js';

const { Server } = ssh2;

const OK = 0;
const EOF = 1;
const NO_SUCH_FILE = 2;
const FAILURE = 4;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** A file of the tree: its bytes and permission bits (setuid etc. included). */
export interface HostileFile {
  readonly data: string;
  readonly mode?: number;
}

/**
 * A directory of the tree: the names its listing answers, whatever they are. A name `n` in `loops` makes
 * `dir/n`, `dir/n/n`, ... this same directory, at any depth.
 */
export interface HostileDir {
  /**
   * A Buffer is a name sent as those exact bytes (not UTF-8, say); the client's requests for it come in
   * decoded by ssh2 (an invalid byte as U+FFFD), so the tree's key for `dir/<bytes>` is that decoding.
   */
  readonly names: readonly (string | Buffer)[];
  readonly mode?: number;
  readonly loops?: string;
  /** What REALPATH answers for this directory at any depth (default: the path asked, unchanged). */
  readonly realpath?: string;
}

/** The tree: full paths as the client will ask for them (`top/x/..` is looked up as that string). */
export type HostileTree = Readonly<Record<string, HostileFile | HostileDir>>;

/** A running hostile server. */
export interface HostileServer {
  readonly port: number;
  /** Every path the client asked about, in order (STAT, OPEN, OPENDIR...). */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

const isDir = (e: HostileFile | HostileDir): e is HostileDir => 'names' in e;

const lookup = (tree: HostileTree, p: string): HostileFile | HostileDir | undefined => {
  const key = p.length > 1 ? p.replace(/\/+$/, '') : p;
  const exact = tree[key];
  if (exact !== undefined) return exact;
  for (const [base, entry] of Object.entries(tree)) {
    if (!isDir(entry) || entry.loops === undefined || !key.startsWith(`${base}/`)) continue;
    const rest = key.slice(base.length + 1).split('/');
    if (rest.every((part) => part === entry.loops)) return entry;
  }
  return undefined;
};

const attrsOf = (e: HostileFile | HostileDir): Attributes => ({
  mode: isDir(e) ? S_IFDIR | (e.mode ?? 0o755) : S_IFREG | (e.mode ?? 0o644),
  uid: 0,
  gid: 0,
  size: isDir(e) ? 4096 : Buffer.byteLength(e.data),
  atime: 1_000_000_000,
  mtime: 1_000_000_000,
});

/**
 * Answers READDIR `reqId` with `names` as their exact bytes (ssh2's `name()` would encode them as UTF-8):
 * the NAME packet is written here, without attributes, straight to the channel.
 */
function sendRawNames(sftp: SFTPWrapper, reqId: number, names: readonly (string | Buffer)[]): void {
  const parts = names.flatMap((n) => {
    const bytes = Buffer.from(n);
    const field = Buffer.alloc(4 + bytes.length);
    field.writeUInt32BE(bytes.length);
    bytes.copy(field, 4);
    return [field, field, Buffer.alloc(4)]; // filename, longname, no attributes
  });
  const head = Buffer.alloc(13);
  const body = Buffer.concat(parts);
  head.writeUInt32BE(9 + body.length, 0);
  head[4] = 104; // SSH_FXP_NAME
  head.writeUInt32BE(reqId, 5);
  head.writeUInt32BE(names.length, 9);
  const packet = Buffer.concat([head, body]);
  const raw = sftp as unknown as {
    outgoing: { id: number; window: number };
    _protocol: { channelData(id: number, data: Buffer): void };
  };
  raw.outgoing.window -= packet.length; // a small packet, in a window of megabytes
  raw._protocol.channelData(raw.outgoing.id, packet);
}

/**
 * Starts the hostile server on 127.0.0.1 (any port): any public key logs in; `tree` answers every SFTP
 * request; `onRead` is called before each READ is answered (to look at the client's side mid-transfer);
 * `refuseFstat` fails every FSTAT, as some servers do.
 * Close it in `after()`.
 */
export async function startHostileSftp(
  tree: HostileTree,
  options: { readonly onRead?: (path: string) => void; readonly refuseFstat?: boolean } = {},
): Promise<HostileServer> {
  const requests: string[] = [];
  const server = new Server({ hostKeys: [ed25519PrivateKey()] }, (client) => {
    client.on('authentication', (ctx) => {
      ctx.accept();
    });
    client.on('error', () => undefined);
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          sftp.on('end', () => {
            sftp.end(); // closes the channel at once when the client ends its side, as sftp-server does
          });
          const handles = new Map<
            number,
            { path: string; entry: HostileFile | HostileDir; listed: boolean }
          >();
          let next = 0;
          const open = (reqId: number, p: string, wantDir: boolean): void => {
            requests.push(p);
            const entry = lookup(tree, p);
            if (entry === undefined) {
              sftp.status(reqId, NO_SUCH_FILE);
              return;
            }
            if (isDir(entry) !== wantDir) {
              sftp.status(reqId, FAILURE);
              return;
            }
            const id = next++;
            handles.set(id, { path: p, entry, listed: false });
            const handle = Buffer.alloc(4);
            handle.writeUInt32BE(id);
            sftp.handle(reqId, handle);
          };
          const handleOf = (handle: Buffer) =>
            handle.length === 4 ? handles.get(handle.readUInt32BE()) : undefined;
          const statPath = (reqId: number, p: string): void => {
            requests.push(p);
            const entry = lookup(tree, p);
            if (entry === undefined) sftp.status(reqId, NO_SUCH_FILE);
            else sftp.attrs(reqId, attrsOf(entry));
          };
          sftp.on('OPEN', (reqId, filename) => {
            open(reqId, filename, false);
          });
          sftp.on('OPENDIR', (reqId, p) => {
            open(reqId, p, true);
          });
          sftp.on('FSTAT', (reqId, handle) => {
            const h = handleOf(handle);
            if (h === undefined || options.refuseFstat === true) sftp.status(reqId, FAILURE);
            else sftp.attrs(reqId, attrsOf(h.entry));
          });
          sftp.on('READ', (reqId, handle, offset, len) => {
            const h = handleOf(handle);
            if (h === undefined || isDir(h.entry)) {
              sftp.status(reqId, FAILURE);
              return;
            }
            options.onRead?.(h.path);
            const data = Buffer.from(h.entry.data);
            if (offset >= data.length) sftp.status(reqId, EOF);
            else sftp.data(reqId, data.subarray(offset, offset + len));
          });
          sftp.on('READDIR', (reqId, handle) => {
            const h = handleOf(handle);
            if (h === undefined || !isDir(h.entry)) {
              sftp.status(reqId, FAILURE);
              return;
            }
            if (h.listed) {
              sftp.status(reqId, EOF);
              return;
            }
            h.listed = true;
            const dir = h.path.replace(/\/+$/, '');
            if (h.entry.names.some((n) => typeof n !== 'string')) {
              sendRawNames(sftp, reqId, ['.', '..', ...h.entry.names]);
              return;
            }
            const names: FileEntry[] = ['.', '..', ...(h.entry.names as string[])].map((filename) => {
              const entry =
                filename === '.' || filename === '..' ? h.entry : lookup(tree, `${dir}/${filename}`);
              return { filename, longname: filename, attrs: attrsOf(entry ?? { data: '' }) };
            });
            sftp.name(reqId, names);
          });
          sftp.on('CLOSE', (reqId, handle) => {
            if (handle.length === 4) handles.delete(handle.readUInt32BE());
            sftp.status(reqId, OK);
          });
          sftp.on('STAT', statPath);
          sftp.on('LSTAT', statPath);
          sftp.on('REALPATH', (reqId, p) => {
            requests.push(p);
            const entry = lookup(tree, p);
            const real =
              p === '.' ? '/home/hostile' : entry !== undefined && isDir(entry) ? (entry.realpath ?? p) : p;
            sftp.name(reqId, [{ filename: real, longname: real, attrs: attrsOf(entry ?? { names: [] }) }]);
          });
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Every path below `root` (files, directories, links), relative and sorted. */
export const wholeTree = async (root: string): Promise<string[]> =>
  (await readdir(root, { recursive: true, withFileTypes: true }))
    .map((e) => path.join(e.parentPath, e.name).slice(root.length + 1))
    .sort();

/**
 * Every path of `dir` outside its `local` subdirectory (LOCALDIR of the tests), but the names in `besides`
 * (files the test wrote there itself): what must stay empty after a pull from a hostile server.
 */
export const outsideLocal = async (dir: string, besides: readonly string[] = []): Promise<string[]> =>
  (await wholeTree(dir)).filter(
    (p) => p !== 'local' && !p.startsWith(`local${path.sep}`) && !besides.includes(p),
  );

/** The rxssh options to reach hostile servers as user `any` with `key`, learning their keys in `dir`. */
export const hostileClientOptions = (key: string, dir: string): string[] => [
  '-l',
  'any',
  '-i',
  key,
  '-F',
  'none',
  '-O',
  'StrictHostKeyChecking=no',
  '-O',
  `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
];

/** A tree for the Pull tests: each test pulls its own top-level entry. */
export const HOSTILE_TREE: HostileTree = {
  'ok.txt': { data: 'fine\n' },
  // top/x/.. is local top/.. = LOCALDIR, and top/x/../x/.. is LOCALDIR/..: evil.txt would land beside LOCALDIR
  top: { names: ['good.txt', 'x/..'] },
  'top/good.txt': { data: 'good\n' },
  'top/x/..': { names: ['x/..'] },
  'top/x/../x/..': { names: ['evil.txt'] },
  'top/x/../x/../evil.txt': { data: 'evil\n' },
  // one level more, for rxssh pull, whose LOCALDIR/{host}/ is one level below LOCALDIR
  deep: { names: ['x/..'] },
  'deep/x/..': { names: ['x/..'] },
  'deep/x/../x/..': { names: ['x/..'] },
  'deep/x/../x/../x/..': { names: ['evil.txt'] },
  'deep/x/../x/../x/../evil.txt': { data: 'evil\n' },
  up: { names: ['../../x'] },
  'up/../../x': { data: 'up\n' },
  abs: { names: ['/abs'] },
  'abs//abs': { data: 'abs\n' },
  slash: { names: ['a/b'] },
  'slash/a/b': { data: 'slash\n' },
  nul: { names: ['n\0ul'] },
  'nul/n\0ul': { data: 'nul\n' },
  empty: { names: [''] },
  'empty/': { data: 'empty\n' },
  loop: { names: ['loop'], loops: 'loop' },
  linked: { names: ['f.txt'] },
  'linked/f.txt': { data: 'through the link\n' },
  'suid.bin': { data: '#!/bin/sh\n', mode: 0o4777 },
  'private.txt': { data: 'secret\n'.repeat(1000), mode: 0o600 },
  // names that are not UTF-8: é in Latin-1, a directory d\xff, and a % in an escaped name
  raw: { names: [Buffer.from('caf\xe9.txt', 'latin1'), 'ok.txt', Buffer.from('d\xff', 'latin1')] },
  'raw/caf\ufffd.txt': { data: 'latin1\n' },
  'raw/ok.txt': { data: 'ok\n' },
  'raw/d\ufffd': { names: [Buffer.from('50%\x80', 'latin1'), 'in.txt'] },
  'raw/d\ufffd/50%\ufffd': { data: 'fifty\n' },
  'raw/d\ufffd/in.txt': { data: 'in\n' },
  // a\xff is escaped as a%FF, which is also the name of the other entry
  clash: { names: [Buffer.from('a\xff', 'latin1'), 'a%FF'] },
  'clash/a\ufffd': { data: 'raw\n' },
  'clash/a%FF': { data: 'plain\n' },
  // the same names, one of them empty, for a server that refuses FSTAT
  rawsize: { names: [Buffer.from('caf\xe9.txt', 'latin1'), Buffer.from('vide\xff', 'latin1')] },
  'rawsize/caf\ufffd.txt': { data: 'latin1\n' },
  'rawsize/vide\ufffd': { data: '' },
  // \xff/.. escaped is still a name with '/'
  rawup: { names: [Buffer.from('\xff/..', 'latin1')] },
  'rawup/\ufffd/..': { names: ['evil.txt'] },
  'rawup/\ufffd/../evil.txt': { data: 'evil\n' },
  // dir/.. as a server may answer it: a directory, or a file
  'dir/..': { names: ['up.txt'] },
  'dir/../up.txt': { data: 'up\n' },
  'file/..': { data: 'a file called ..\n' },
};
