// lib/nodes/ssh/sftp/sftp-raw.ts against ssh2's own SFTP class on a fake channel: the exact bytes sent for a path
// that is not UTF-8 whether ssh2 sends the request at once, in two pieces (a window smaller than the
// request) or only once the window opens; names of a NAME answer read as bytes however the answer is cut.
// With ssh2 internals that are not those it knows: ssh2's public API, and no path sent as bytes.
import { createRequire } from 'node:module';

import { expect } from 'chai';

import {
  LOSSY_NAMES,
  exactNames,
  listOf,
  realpathOf,
  statOf,
  watchNames,
} from '../../../../lib/nodes/ssh/sftp/sftp-raw.js';
import type { SFTPWrapper } from '../../../../lib/nodes/ssh/ssh2.js';

const require = createRequire(import.meta.url);
const { SFTP } = require('ssh2/lib/protocol/SFTP.js') as {
  SFTP: new (client: unknown, chanInfo: unknown, cfg: unknown) => SFTPWrapper;
};

/** `[uint32 length][bytes]`. */
const str = (b: Buffer | string): Buffer => {
  const bytes = Buffer.from(b);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
/** A whole SFTP packet: length, type, fields. */
const packet = (type: number, ...fields: Buffer[]): Buffer => {
  const body = Buffer.concat([Buffer.from([type]), ...fields]);
  return Buffer.concat([u32(body.length), body]);
};

interface Fake {
  readonly sftp: SFTPWrapper;
  readonly outgoing: { id: number; window: number; packetSize: number; state: string };
  /** What ssh2 sent, joined (the INIT packet removed). */
  sent(): Buffer;
  /** Feeds the client `data`, `step` bytes at a time. */
  feed(data: Buffer, step?: number): void;
  /** Opens the window, as a WINDOW_ADJUST does (client.js). */
  adjust(window: number): void;
}

const fake = (window: number): Fake => {
  const chunks: Buffer[] = [];
  const outgoing = { id: 7, window: 1 << 20, packetSize: 32768, state: 'open' };
  const client = {
    _protocol: {
      _remoteIdentRaw: 'SSH-2.0-OpenSSH_9.2',
      channelData: (id: number, data: Buffer) => {
        expect(id).to.equal(7);
        chunks.push(Buffer.from(data)); // a copy: what went on the wire at that moment
      },
    },
  };
  const sftp = new SFTP(client, { type: 'sftp', incoming: { id: 3, window: 1 << 20 }, outgoing }, {});
  const s = sftp as unknown as {
    _init(): void;
    push(d: Buffer): void;
    _waitWindow: boolean;
    _chunkcb?: () => void;
  };
  s._init();
  s.push(packet(2, u32(3))); // VERSION 3
  chunks.length = 0;
  outgoing.window = window;
  (sftp as unknown as { _writeReqid: number })._writeReqid = 0x01020300; // ids of four significant bytes
  return {
    sftp,
    outgoing,
    sent: () => Buffer.concat(chunks),
    feed: (data, step = data.length) => {
      for (let i = 0; i < data.length; i += step) s.push(data.subarray(i, i + step));
    },
    adjust: (w) => {
      outgoing.window = w;
      if (s._waitWindow) {
        s._waitWindow = false;
        s._chunkcb?.();
      }
    },
  };
};

const NAME = Buffer.from([0x61, 0xff, 0x25]); // a\xff%: not UTF-8
const STAT = 17;

/** The request sent: type, request id and what follows. */
const request = (sent: Buffer) => ({
  length: sent.readUInt32BE(0),
  type: sent[4],
  id: sent.readUInt32BE(5),
  rest: sent.subarray(9),
});

describe('sftp-raw (ssh2 SFTP on a fake channel)', () => {
  for (const [how, window] of [
    ['at once', 1 << 20],
    ['in two pieces (a window of 3 bytes)', 3],
    ['once the window opens', 0],
  ] as const)
    it(`sends STAT of a path that is not UTF-8 as its exact bytes, ${how}`, async () => {
      const f = fake(window);
      const stats = statOf(f.sftp, NAME);
      f.adjust(1 << 20);
      const sent = f.sent();
      expect(sent.length).to.equal(9 + 4 + NAME.length);
      const req = request(sent);
      expect([req.length, req.type]).to.deep.equal([sent.length - 4, STAT]);
      expect(req.rest).to.deep.equal(str(NAME));
      f.feed(packet(105, u32(req.id), u32(4), u32(0o100644))); // ATTRS, permissions only
      expect((await stats).mode).to.equal(0o100644);
    });

  it('reads the names of a listing as bytes, the answer cut at every byte; . and .. left out', async () => {
    const f = fake(1 << 20);
    const listing = listOf(f.sftp, NAME);
    const opendir = request(f.sent());
    expect([opendir.type, opendir.rest]).to.deep.equal([11, str(NAME)]);
    f.feed(packet(102, u32(opendir.id), str('H'))); // HANDLE
    await new Promise((r) => setImmediate(r));
    const readdir = request(f.sent().subarray(opendir.length + 4));
    expect(readdir.type).to.equal(12);
    const names = [Buffer.from('.'), Buffer.from('..'), NAME, Buffer.from('été'), Buffer.from([0xc3, 0x28])];
    const entries = names.map((n) => Buffer.concat([str(n), str(n), u32(0)]));
    f.feed(packet(104, u32(readdir.id), u32(names.length), ...entries), 1);
    await new Promise((r) => setImmediate(r));
    const again = request(f.sent().subarray(opendir.length + readdir.length + 8));
    f.feed(packet(101, u32(again.id), u32(1), str('EOF'), str(''))); // STATUS EOF
    await new Promise((r) => setImmediate(r));
    const close = request(f.sent().subarray(opendir.length + readdir.length + again.length + 12));
    expect(close.type).to.equal(4);
    f.feed(packet(101, u32(close.id), u32(0), str(''), str('')));
    expect(await listing).to.deep.equal([NAME, Buffer.from('été'), Buffer.from([0xc3, 0x28])]);
  });

  it('with an internal of ssh2 not what it knows (_pktLenBytes renamed): public API, names as ssh2 decodes them', async () => {
    const f = fake(1 << 20);
    const s = f.sftp as unknown as { _pktLenBytes?: number };
    delete s._pktLenBytes; // as a later ssh2 that renamed it
    expect(watchNames(f.sftp)).to.equal(false);
    s._pktLenBytes = 0; // ssh2 itself needs it, under whatever name it has
    expect(exactNames(f.sftp)).to.equal(false);
    let error: unknown;
    await statOf(f.sftp, NAME).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal(LOSSY_NAMES);
    expect(f.sent().length).to.equal(0); // nothing sent for it
    const listing = listOf(f.sftp, 'dir');
    const opendir = request(f.sent());
    expect([opendir.type, opendir.rest]).to.deep.equal([11, str('dir')]);
    f.feed(packet(102, u32(opendir.id), str('H')));
    const readdir = request(f.sent().subarray(opendir.length + 4));
    const names = [Buffer.from('.'), Buffer.from('..'), NAME, Buffer.from('été')];
    const entries = names.map((n) => Buffer.concat([str(n), str(n), u32(0)]));
    f.feed(packet(104, u32(readdir.id), u32(names.length), ...entries));
    const again = request(f.sent().subarray(opendir.length + readdir.length + 8));
    f.feed(packet(101, u32(again.id), u32(1), str('EOF'), str('')));
    const close = request(f.sent().subarray(opendir.length + readdir.length + again.length + 12));
    f.feed(packet(101, u32(close.id), u32(0), str(''), str('')));
    expect(await listing).to.deep.equal([Buffer.from('a\ufffd%'), Buffer.from('été')]);
  });

  it('never takes the answer to a request it could not replace for the answer to its own', async () => {
    const f = fake(1 << 20);
    // as an ssh2 that sends its FSTAT some other way: the server's answer (an error, or attributes of a
    // handle of zeros) is not that of the STAT meant
    (f.sftp as unknown as { fstat(h: Buffer, cb: (e: null, a: object) => void): void }).fstat = (_, cb) => {
      cb(null, { mode: 0o100644 });
    };
    let error: unknown;
    await statOf(f.sftp, NAME).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.match(/^cannot send a name that is not UTF-8 with this ssh2 version/);
  });

  it('reads the REALPATH answer as bytes', async () => {
    const f = fake(1 << 20);
    const real = realpathOf(f.sftp, '/home/x/..');
    const req = request(f.sent());
    expect([req.type, req.rest]).to.deep.equal([16, str('/home/x/..')]);
    const answer = Buffer.concat([Buffer.from('/home/'), NAME]);
    f.feed(packet(104, u32(req.id), u32(1), str(answer), str(''), u32(0)), 5);
    expect(await real).to.deep.equal(answer);
  });
});
