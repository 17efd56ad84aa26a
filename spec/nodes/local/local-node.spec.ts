import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Observable } from 'rxjs';
import { lastValueFrom, of, take, toArray } from 'rxjs';

import { isJobsError } from '../../../lib/errors/jobs-error.js';
import type { ChunkEvent, CommandEvent, ExitEvent, LineEvent } from '../../../lib/nodes/command-event.js';
import { nodeRef } from '../../../lib/nodes/command-event.js';
import { LocalNode } from '../../../lib/nodes/local/local-node.js';
import { lines } from '../../../lib/nodes/operators.js';
import { rejection } from '../../helpers/errors.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../helpers/fixtures/${name}`, import.meta.url));
/** Single-quoted for sh. */
const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const node$ = (script: string) => `${q(process.execPath)} ${q(fixture(script))}`;

const all = (obs: Observable<CommandEvent>) => lastValueFrom(obs.pipe(toArray()), { defaultValue: [] });
/** Resolves when a transfer completes. */
const done = (obs: Observable<never>): Promise<void> => lastValueFrom(obs, { defaultValue: undefined });
const linesOf = (events: readonly CommandEvent[], stream: 'stdout' | 'stderr') =>
  events.filter((e): e is LineEvent => e.type === 'line' && e.stream === stream);
const texts = (events: readonly CommandEvent[], stream: 'stdout' | 'stderr') =>
  linesOf(events, stream).map((e) => e.text);
/** The last event, checked to be the only exit event. */
const exitOf = (events: readonly CommandEvent[]): ExitEvent => {
  const exits = events.filter((e) => e.type === 'exit');
  expect(exits).to.have.length(1);
  expect(events.at(-1)).to.equal(exits[0]);
  return exits[0] as ExitEvent;
};

/** A `sleep` argument no other process has: `1000.<random>`. */
const uniqueSleep = () => `1000.${String(randomInt(1e9))}`;
/** Pids of processes whose command line matches `pattern`. */
const pgrep = (pattern: string): string[] =>
  spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l !== '');
/** Polls `condition` until it holds; fails after `ms`. */
const waitFor = async (condition: () => boolean, ms = 5000): Promise<void> => {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) expect.fail(`condition not met within ${String(ms)} ms`);
    await sleep(5);
  }
};
const modeOf = async (path: string) => (await lstat(path)).mode & 0o7777;

describe('LocalNode', () => {
  let node: LocalNode;
  let dir: string;
  beforeEach(async () => {
    node = new LocalNode({ killGrace: 300 });
    dir = await mkdtemp(join(tmpdir(), 'rxjobs-local-node-'));
  });
  afterEach(async () => {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('constructor', () => {
    it('names the local host and user, with a label of its own when given', () => {
      expect([node.label, node.hostname, node.username]).to.deep.equal([
        'localhost',
        'localhost',
        userInfo().username,
      ]);
      expect(new LocalNode({ label: 'here' }).label).to.equal('here');
      expect(node.scriptDir).to.equal(join(tmpdir(), `rxjobs-${String(process.getuid?.())}`));
    });

    it('refuses a bad killGrace with a ConfigError', () => {
      expect(() => new LocalNode({ killGrace: -1 }))
        .to.throw()
        .that.satisfies((e: unknown) => isJobsError(e, 'config'));
      expect(() => new LocalNode({ killGrace: Number.NaN })).to.throw(/killGrace/);
    });
  });

  describe('exec', () => {
    it('emits stdout and stderr lines, then one exit event, then completes', async () => {
      const events = await all(node.exec('echo out1; echo err1 >&2; echo out2; echo err2 >&2'));
      expect(texts(events, 'stdout')).to.deep.equal(['out1', 'out2']);
      expect(texts(events, 'stderr')).to.deep.equal(['err1', 'err2']);
      expect(linesOf(events, 'stdout').every((e) => e.newline && e.node === nodeRef(node))).to.equal(true);
      const exit = exitOf(events);
      expect([exit.code, exit.signal, exit.node]).to.deep.equal([0, null, nodeRef(node)]);
    });

    it('flushes a last line without newline on each stream, with newline false', async () => {
      const events = await all(node.exec("printf 'a\\nb'; printf 'c' >&2"));
      expect(linesOf(events, 'stdout').map((e) => [e.text, e.newline])).to.deep.equal([
        ['a', true],
        ['b', false],
      ]);
      expect(linesOf(events, 'stderr').map((e) => [e.text, e.newline])).to.deep.equal([['c', false]]);
    });

    it('reports the exit code, and a non-zero exit is data, not an error', async () => {
      const exit = exitOf(await all(node.exec('echo x; exit 3')));
      expect([exit.code, exit.signal]).to.deep.equal([3, null]);
    });

    it('reports a death by signal as code null and the signal name', async () => {
      const exit = exitOf(await all(node.exec('kill -TERM $$')));
      expect([exit.code, exit.signal]).to.deep.equal([null, 'SIGTERM']);
    });

    it('keeps a multi-byte character whole when it arrives in two chunks', async () => {
      const events = await all(node.exec(node$('split-utf8.mjs')));
      expect(linesOf(events, 'stdout').map((e) => [e.text, e.newline])).to.deep.equal([
        ['héllo wörld €uro 😀', true],
        ['last ü', false],
      ]);
      expect(exitOf(events).code).to.equal(0);
    });

    it('keeps binary bytes and a 10 MB line exactly, whole under a higher maxLineBytes', async () => {
      const events = await all(node.exec(node$('bytes.mjs'), { maxLineBytes: 16 * 1024 * 1024 }));
      const out = linesOf(events, 'stdout');
      const joined = Buffer.concat(
        out.flatMap((e) => (e.newline ? [e.bytes, Buffer.from('\n')] : [e.bytes])),
      );
      expect(createHash('sha256').update(joined).digest('hex')).to.equal(texts(events, 'stderr')[0]);
      expect(Math.max(...out.map((e) => e.bytes.length))).to.equal(10 * 1024 * 1024);
      expect(out.at(-1)?.newline).to.equal(false);
    });

    it('merges env over process.env', async () => {
      const events = await all(
        node.exec('printf "%s|%s\\n" "$RXJOBS_A" "$PATH"', { env: { RXJOBS_A: 'a b' } }),
      );
      expect(texts(events, 'stdout')).to.deep.equal([`a b|${process.env['PATH'] ?? ''}`]);
    });

    it('writes stdin then ends it; without stdin, the command reads end of file at once', async () => {
      const piped = await all(node.exec('cat', { stdin: 'one\ntwo' }));
      expect(linesOf(piped, 'stdout').map((e) => [e.text, e.newline])).to.deep.equal([
        ['one', true],
        ['two', false],
      ]);
      expect(texts(await all(node.exec('cat', { stdin: Buffer.from('bytes\n') })), 'stdout')).to.deep.equal([
        'bytes',
      ]);
      expect(texts(await all(node.exec('cat; echo done')), 'stdout')).to.deep.equal(['done']);
    });

    it('does not fail when the command leaves its stdin unread', async () => {
      const exit = exitOf(await all(node.exec('exit 0', { stdin: Buffer.alloc(4 * 1024 * 1024) })));
      expect(exit.code).to.equal(0);
    });

    it('is cold: nothing runs before subscribing, and each subscription runs the command again', async () => {
      const file = join(dir, 'runs');
      const runs = node.exec(`echo run >> ${q(file)}`);
      await sleep(50);
      expect(existsSync(file)).to.equal(false);
      await all(runs);
      await all(runs);
      expect(await readFile(file, 'utf8')).to.equal('run\nrun\n');
    });

    it('refuses pty with a ConfigError', async () => {
      const e = await rejection(all(node.exec('true', { pty: true })));
      expect(isJobsError(e, 'config')).to.equal(true);
      expect((e as Error).message).to.match(/pty/);
    });

    it('fails with an error naming the command when the shell cannot be started', async () => {
      const e = await rejection(all(new LocalNode({ shell: '/nonexistent/sh' }).exec('echo hi')));
      expect(isJobsError(e, 'config')).to.equal(true);
      expect((e as Error).message)
        .to.include('"echo hi"')
        .and.to.include('/nonexistent/sh');
    });
  });

  describe("exec with output: 'chunks'", () => {
    const chunksOf = (events: readonly CommandEvent[], stream: 'stdout' | 'stderr') =>
      events.filter((e): e is ChunkEvent => e.type === 'chunk' && e.stream === stream);
    const bytesOf = (events: readonly CommandEvent[], stream: 'stdout' | 'stderr') =>
      Buffer.concat(chunksOf(events, stream).map((e) => e.bytes));

    it('emits chunk events only, none empty, then one exit event, then completes', async () => {
      const events = await all(
        node.exec("printf 'a\\nb'; printf 'e' >&2; sleep 0.05; printf 'c\\n'; exit 2", { output: 'chunks' }),
      );
      const exit = exitOf(events);
      expect([exit.code, exit.signal, exit.node]).to.deep.equal([2, null, nodeRef(node)]);
      const chunks = events.slice(0, -1);
      expect(
        chunks.every((e) => e.type === 'chunk' && e.node === nodeRef(node) && e.bytes.length > 0),
      ).to.equal(true);
      expect(chunksOf(events, 'stdout').length).to.be.at.least(2); // the sleep splits them
      expect(bytesOf(events, 'stdout').toString()).to.equal('a\nbc\n');
      expect(bytesOf(events, 'stderr').toString()).to.equal('e');
    });

    it('gives the exact bytes: binary, a 10 MB line, a last line without newline', async () => {
      const events = await all(node.exec(node$('bytes.mjs'), { output: 'chunks' }));
      const out = bytesOf(events, 'stdout');
      expect(createHash('sha256').update(out).digest('hex')).to.equal(
        bytesOf(events, 'stderr').toString().trim(),
      );
      expect(out.at(-1)).to.not.equal(0x0a);
      expect(chunksOf(events, 'stdout').length).to.be.greaterThan(1);
      expect(exitOf(events).code).to.equal(0);
    });

    it('gives a multi-byte character cut across two chunks as it came; lines() makes it whole', async () => {
      const events = await all(node.exec(node$('split-utf8.mjs'), { output: 'chunks' }));
      expect(chunksOf(events, 'stdout')).to.have.length(2);
      expect(bytesOf(events, 'stdout').toString()).to.equal('héllo wörld €uro 😀\nlast ü');
      expect(await lastValueFrom(of(...events).pipe(lines(), toArray()))).to.deep.equal([
        'héllo wörld €uro 😀',
        'last ü',
      ]);
    });

    it('emits nothing but the exit for a command without output', async () => {
      const events = await all(node.exec('true', { output: 'chunks' }));
      expect(events.map((e) => e.type)).to.deep.equal(['exit']);
    });

    it("gives line events with output: 'lines', as without the option", async () => {
      const events = await all(node.exec('echo a', { output: 'lines' }));
      expect(events.map((e) => e.type)).to.deep.equal(['line', 'exit']);
    });

    it('refuses an unknown output mode with a ConfigError, before running anything', async () => {
      const file = join(dir, 'ran');
      const e = await rejection(all(node.exec(`touch ${q(file)}`, { output: 'chunk' as 'chunks' })));
      expect(isJobsError(e, 'config')).to.equal(true);
      expect((e as Error).message).to.match(/output must be 'lines' or 'chunks'/);
      expect(existsSync(file)).to.equal(false);
    });
  });

  describe('cancellation', () => {
    it('kills the whole process group, background children included, without waiting for the grace', async () => {
      node = new LocalNode({ killGrace: 5000 });
      const marker = uniqueSleep();
      const errors: unknown[] = [];
      const subscription = node
        .exec(`sleep ${marker} & sleep ${marker} & echo started; wait`)
        .subscribe({ error: (e: unknown) => errors.push(e) });
      await waitFor(() => pgrep(`sleep ${marker}`).length === 3); // the shell and two sleeps
      const start = performance.now();
      subscription.unsubscribe();
      await node.close();
      expect(performance.now() - start).to.be.below(1000);
      expect(pgrep(`sleep ${marker}`)).to.deep.equal([]);
      expect(errors).to.deep.equal([]);
    });

    it('kills children that outlive the shell and still hold its output open', async () => {
      const marker = uniqueSleep();
      const subscription = node.exec(`sleep ${marker} & echo bye`).subscribe({ error: () => undefined });
      await waitFor(() => pgrep(`sleep ${marker}`).length > 0);
      subscription.unsubscribe();
      await node.close();
      expect(pgrep(`sleep ${marker}`)).to.deep.equal([]);
    });

    it('kills a command printing forever once take(1) has its line', async () => {
      const marker = `rxjobs-forever-${String(randomInt(1e9))}`;
      const [first] = await all(node.exec(`while :; do echo ${marker}; done`).pipe(take(1)));
      expect(first?.type === 'line' && first.text).to.equal(marker);
      await node.close();
      expect(pgrep(marker)).to.deep.equal([]);
    });

    it('sends SIGKILL after the grace when TERM is ignored, and close() waits for it', async () => {
      const marker = uniqueSleep();
      const subscription = node
        .exec(`trap '' TERM; sleep ${marker} & sleep ${marker}; wait`)
        .subscribe({ error: () => undefined });
      await waitFor(() => pgrep(`sleep ${marker}`).length === 3);
      const start = performance.now();
      subscription.unsubscribe();
      await sleep(100);
      expect(pgrep(`sleep ${marker}`)).to.have.length(3); // TERM ignored
      await node.close();
      expect(performance.now() - start).to.be.at.least(290);
      expect(pgrep(`sleep ${marker}`)).to.deep.equal([]);
    });

    it('has nothing to wait for once commands have completed', async () => {
      await all(node.exec('true'));
      const start = performance.now();
      await node.close();
      await node.close();
      expect(performance.now() - start).to.be.below(50);
    });
  });

  describe('push and pull', () => {
    const past = new Date('2001-02-03T04:05:06Z');
    let src: string;
    beforeEach(async () => {
      src = join(dir, 'src');
      await mkdir(join(src, 'tree', 'deep'), { recursive: true });
      await writeFile(join(src, 'a.txt'), 'alpha', { mode: 0o640 });
      await writeFile(join(src, 'tree', 'b.sh'), '#!/bin/sh\n', { mode: 0o755 });
      await writeFile(join(src, 'tree', 'deep', 'c.txt'), 'gamma', { mode: 0o600 });
      await symlink('b.sh', join(src, 'tree', 'link'));
      for (const path of ['a.txt', 'tree/b.sh', 'tree/deep/c.txt', 'tree/deep', 'tree'])
        await utimes(join(src, path), past, past);
    });

    it('push copies files and directories recursively into a created directory, keeping modes and times', async () => {
      const dest = join(dir, 'dest', 'new');
      await done(node.push([join(src, 'a.txt'), join(src, 'tree')], dest));
      expect(await readFile(join(dest, 'a.txt'), 'utf8')).to.equal('alpha');
      expect(await readFile(join(dest, 'tree', 'deep', 'c.txt'), 'utf8')).to.equal('gamma');
      expect(await modeOf(join(dest, 'a.txt'))).to.equal(0o640);
      expect(await modeOf(join(dest, 'tree', 'b.sh'))).to.equal(0o755);
      expect(await modeOf(join(dest, 'tree', 'deep', 'c.txt'))).to.equal(0o600);
      expect(await readlink(join(dest, 'tree', 'link'))).to.equal('b.sh');
      for (const path of ['a.txt', 'tree/deep/c.txt', 'tree/deep', 'tree'])
        expect((await lstat(join(dest, path))).mtime.getTime(), path).to.equal(past.getTime());
      expect(await readdir(join(dest, 'tree'))).to.have.members(['b.sh', 'deep', 'link']);
    });

    it('pull resolves relative paths against the working directory; without preserve, times are new', async () => {
      const dest = join(dir, 'pulled');
      const rel = (path: string) => relative(process.cwd(), path);
      await done(node.pull([rel(join(src, 'tree'))], rel(dest), { preserve: false }));
      expect(await readFile(join(dest, 'tree', 'deep', 'c.txt'), 'utf8')).to.equal('gamma');
      const probe = join(dir, 'probe'); // 777 less the umask
      await writeFile(probe, '', { mode: 0o777 });
      expect(await modeOf(join(dest, 'tree', 'b.sh'))).to.equal(0o755 & (await modeOf(probe)));
      expect((await lstat(join(dest, 'tree', 'b.sh'))).mtime.getTime()).to.be.above(past.getTime());
    });

    it('fails with a TransferError naming a missing source, before writing anything', async () => {
      const dest = join(dir, 'never');
      const missing = join(src, 'missing');
      const e = await rejection(done(node.push([join(src, 'a.txt'), missing], dest)));
      expect(isJobsError(e, 'transfer')).to.equal(true);
      expect(e).to.include({ host: 'localhost', path: missing });
      expect((e as Error).message).to.include(missing);
      expect(existsSync(dest)).to.equal(false);
    });

    it('refuses to copy a directory into itself', async () => {
      const e = await rejection(done(node.push([join(src, 'tree')], join(src, 'tree', 'deep'))));
      expect(isJobsError(e, 'transfer')).to.equal(true);
    });

    it('leaves neither a partial nor a temporary file when a 50 MB push is cancelled', async () => {
      const big = join(dir, 'big.bin');
      await writeFile(big, Buffer.alloc(50 * 1024 * 1024, 7));
      const dest = join(dir, 'big-dest');
      const subscription = node.push([big], dest).subscribe({ error: () => undefined });
      await waitFor(() => existsSync(dest) && readdirSync(dest).some((n) => n.includes('.rxjobs-tmp-')));
      subscription.unsubscribe();
      await node.close();
      expect(await readdir(dest)).to.deep.equal([]);
    });
  });

  describe('writeFile', () => {
    it('writes atomically with the mode given, and leaves no temporary file', async () => {
      const file = join(dir, 'f.txt');
      await done(node.writeFile(file, 'data', 0o600));
      expect([await readFile(file, 'utf8'), await modeOf(file)]).to.deep.equal(['data', 0o600]);
      await done(node.writeFile(file, Buffer.from('new')));
      expect([await readFile(file, 'utf8'), await modeOf(file)]).to.deep.equal(['new', 0o644]);
      expect(await readdir(dir)).to.deep.equal(['f.txt']);
    });

    it('creates missing parent directories, private (mode 700), as SshNode does', async () => {
      await done(node.writeFile(join(dir, 'a', 'b', 'f'), 'x'));
      expect([await modeOf(join(dir, 'a')), await modeOf(join(dir, 'a', 'b'))]).to.deep.equal([0o700, 0o700]);
      expect(await readFile(join(dir, 'a', 'b', 'f'), 'utf8')).to.equal('x');
    });

    it('fails with a TransferError when a parent is a file, leaving nothing', async () => {
      await done(node.writeFile(join(dir, 'plain'), 'x'));
      const e = await rejection(done(node.writeFile(join(dir, 'plain', 'f'), 'x')));
      expect(isJobsError(e, 'transfer')).to.equal(true);
      expect(await readdir(dir)).to.deep.equal(['plain']);
    });
  });

  describe('scriptDir', () => {
    it('is created on demand with mode 700', async () => {
      const scripts = join(dir, 'scripts');
      node = new LocalNode({ scriptDir: scripts });
      expect(node.scriptDir).to.equal(resolve(scripts));
      await done(node.writeFile(join(scripts, 'run.sh'), 'echo hi\n', 0o700));
      expect(await modeOf(scripts)).to.equal(0o700);
      expect(await modeOf(join(scripts, 'run.sh'))).to.equal(0o700);
    });

    it('is refused with a ConfigError naming it when group or others may write to it', async () => {
      const scripts = join(dir, 'scripts');
      await mkdir(scripts);
      await chmod(scripts, 0o777);
      node = new LocalNode({ scriptDir: scripts });
      const e = await rejection(done(node.writeFile(join(scripts, 'run.sh'), 'x')));
      expect(isJobsError(e, 'config')).to.equal(true);
      expect((e as Error).message)
        .to.include(scripts)
        .and.to.include('writable');
      expect(await readdir(scripts)).to.deep.equal([]);
    });

    it('is refused when another user owns it, or when it is a symbolic link', async () => {
      let foreign = '/'; // owned by root, when the tests do not run as root
      if (process.getuid?.() === 0) {
        foreign = join(dir, 'foreign');
        await mkdir(foreign, { mode: 0o700 });
        await chown(foreign, 65534, 65534);
      }
      const e = await rejection(
        done(new LocalNode({ scriptDir: foreign }).writeFile(join(foreign, 'x'), '')),
      );
      expect((e as Error).message).to.include('owned by uid');
      const link = join(dir, 'link');
      await mkdir(join(dir, 'private'), { mode: 0o700 });
      await symlink(join(dir, 'private'), link);
      const e2 = await rejection(done(new LocalNode({ scriptDir: link }).writeFile(join(link, 'x'), '')));
      expect(isJobsError(e2, 'config')).to.equal(true);
      expect((e2 as Error).message).to.include('symbolic link');
    });
  });
});
