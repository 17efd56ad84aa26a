// A command's env never shows in a command line on the host, and its stdin can be a stream (issue 11, §2 and
// §5), on a real sshd and on a LocalNode.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { promisify } from 'node:util';

import { expect } from 'chai';
import type { Observable, Subscription } from 'rxjs';
import { concatMap, finalize, from, lastValueFrom, Subject, tap, throwError, timer, toArray } from 'rxjs';

import { RunString } from '../../lib/commands/run-string.js';
import { Service } from '../../lib/commands/service.js';
import { Variables } from '../../lib/commands/variables.js';
import type { CommandEvent } from '../../lib/nodes/command-event.js';
import { LocalNode } from '../../lib/nodes/local/local-node.js';
import type { Node } from '../../lib/nodes/node.js';
import type { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import { rejection } from '../helpers/errors.js';
import { eventually } from '../helpers/eventually.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { remoteProcesses, startFleet } from '../helpers/sshd.js';

const run = (o: Observable<CommandEvent>) => lastValueFrom(o.pipe(toArray()));
/** The stdout bytes of a run's events (lines or chunks). */
const stdoutOf = (events: readonly CommandEvent[]): Buffer =>
  Buffer.concat(
    events.flatMap((e) =>
      e.type === 'chunk' && e.stream === 'stdout'
        ? [e.bytes]
        : e.type === 'line' && e.stream === 'stdout'
          ? [Buffer.from(`${e.text}${e.newline ? '\n' : ''}`)]
          : [],
    ),
  );
const exitOf = (events: readonly CommandEvent[]) => events.find((e) => e.type === 'exit');
const marker = (): string => `rxjobsenv${String(process.pid)}x${Math.random().toString(36).slice(2, 10)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until `check` answers true; fails after `ms`. */
const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> => {
  expect(await eventually(check, ms), what).to.equal(true);
};
/** The pids of the processes whose command line holds `tag`, on this machine. */
const localProcesses = async (tag: string): Promise<number[]> =>
  new Promise((resolve) => {
    execFile('pgrep', ['-f', '--', tag], (_e, out) => {
      resolve(
        out
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map(Number),
      );
    });
  });

/** Every process's command line on this machine (the harness's sshd is local). */
const allCommandLines = async (): Promise<string> =>
  (await promisify(execFile)('ps', ['-eo', 'args'], { maxBuffer: 64 * 1024 * 1024 })).stdout;

/** Values that a shell would mangle if they were not passed exactly. */
const HARD_VALUES: Readonly<Record<string, string>> = {
  QUOTES: `it's "quoted" '' \\' end`,
  LINES: 'line 1\nline 2\n\nlast\n',
  DOLLARS: '$HOME ${HOME} $(id) `id` $$ \\$ \\',
  BACKSLASHES: '\\n \\t \\\\ \\0101 \\',
  SPACES: '  leading and trailing  ',
  CONTROL: 'cr\r bell\x07 ctrl-c\x03 ctrl-d\x04 esc\x1b ctrl-v\x16 del\x7f tab\t',
  UNICODE: 'été ☃ 日本 🎉',
  EMPTY: '',
  LONG: 'x'.repeat(20_000),
};

describe('env and stdin of commands', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let ssh: SshNode;
  const local = new LocalNode();

  before(async () => {
    fleet = await startFleet({ hosts: 1 });
    ssh = fleetNode(fleet, 0);
  });
  after(async () => {
    await ssh.close();
    await local.close();
    await fleet.stop();
  });

  describe('env over SSH', () => {
    it('never shows a value in any command line on the host, while the command and its child run', async () => {
      const secret = `${marker()}secret`;
      const tag = marker();
      const running = run(
        // a command after the child, or the shell would exec the child in its place, taking its argv away
        ssh.exec(`echo started; sh -c 'sleep 1.5; printf "%s" "$SECRET"' ${tag}; echo`, {
          env: { SECRET: secret, OTHER: `${secret}-2` },
        }),
      );
      await until(async () => (await remoteProcesses(tag)).length > 0, 'the command runs');
      const seen: string[] = [];
      for (let i = 0; i < 5; i++) {
        seen.push(await allCommandLines());
        await sleep(150);
      }
      const events = await running;
      expect(seen.join('').includes(tag), 'ps sees the remote command').to.equal(true);
      expect(seen.filter((lines) => lines.includes(secret))).to.deep.equal([]);
      expect(stdoutOf(events).toString()).to.equal(`started\n${secret}\n`);
    });

    it('gives the command the exact values (newlines, quotes, $, \\, control characters, non-ASCII)', async () => {
      const names = Object.keys(HARD_VALUES);
      const events = await run(
        ssh.exec(`printf '%s\\0' ${names.map((n) => `"$${n}"`).join(' ')}`, {
          env: HARD_VALUES,
          output: 'chunks',
        }),
      );
      expect(exitOf(events)).to.include({ code: 0 });
      const values = stdoutOf(events).toString().split('\0').slice(0, -1);
      expect(Object.fromEntries(names.map((n, i) => [n, values[i]]))).to.deep.equal(HARD_VALUES);
    });

    it('leaves the stdin that follows to the command, byte for byte', async () => {
      const input = 'first line\nno newline at the end: \\ \' " $x';
      const events = await run(
        ssh.exec('printf "[%s]" "$A"; cat', { env: { A: 'a\nb' }, stdin: input, output: 'chunks' }),
      );
      expect(stdoutOf(events).toString()).to.equal(`[a\nb]${input}`);
    });

    it('with a pty: nothing echoed, control characters kept, the terminal restored for the command', async () => {
      const value = `${marker()}\nctrl-c\x03 ctrl-d\x04 cr\r del\x7f`;
      const events = await run(
        ssh.exec(
          `printf '[%s]' "$SECRET"; stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e icanon -e isig | sort | tr '\\n' ,`,
          { env: { SECRET: value }, pty: true, output: 'chunks' },
        ),
      );
      expect(exitOf(events)).to.include({ code: 0 });
      // the terminal turns the value's \n into \r\n on output, as it does for any output (onlcr)
      expect(stdoutOf(events).toString()).to.equal(`[${value.replace('\n', '\r\n')}]echo,icanon,isig,`);
    });

    it('reaches scripts (RunString) as it reaches commands, with a stream stdin after it', async () => {
      const command = new RunString('#!/bin/sh\nprintf "%s|" "$A"; cat', {
        env: { A: `a'\nb` },
        stdin: from(['in', 'put']),
        output: 'chunks',
      });
      const events = await run(command.run(ssh, { variables: new Variables() }));
      expect(stdoutOf(events).toString()).to.equal(`a'\nb|input`);
    });

    it("keeps a Service's env out of the text of its start command", () => {
      const secret = marker();
      const start = new Service('sleep 1', { serviceId: 'env-check', env: { TOKEN: secret } }).start();
      expect(start.describe()).not.to.include(secret);
      expect(start.options.env).to.deep.equal({ TOKEN: secret });
      expect(() => new Service('x', { serviceId: 'y', env: { 'A;B': '1' } })).to.throw(
        /env\.A;B is not a variable name/,
      );
    });

    it('costs nothing to a command without env: no header is read', async () => {
      const events = await run(ssh.exec('cat', { stdin: 'as is' }));
      expect(stdoutOf(events).toString()).to.equal('as is');
    });
  });

  for (const [name, node] of [
    ['SshNode', () => ssh],
    ['LocalNode', () => local],
  ] as const) {
    describe(`stdin streams on a ${name}`, () => {
      const the = (): Node => node();
      const processes = name === 'SshNode' ? remoteProcesses : localProcesses;

      it('reads an Observable, after the env, and ends stdin when it completes', async () => {
        const stdin = from(['a', Buffer.from('b\n'), new Uint8Array([0x63])]);
        const events = await run(
          the().exec('printf "%s:" "$E"; cat', { env: { E: 'env' }, stdin, output: 'chunks' }),
        );
        expect(exitOf(events)).to.include({ code: 0 });
        expect(stdoutOf(events).toString()).to.equal('env:ab\nc');
      });

      it('reads an async iterable (a Readable) and a cold Observable again on each run', async () => {
        const iterable = { [Symbol.asyncIterator]: () => Readable.from(['x', 'y'])[Symbol.asyncIterator]() };
        const cold = timer(10).pipe(concatMap(() => from(['1', '2'])));
        for (let i = 0; i < 2; i++) {
          expect(stdoutOf(await run(the().exec('cat', { stdin: iterable }))).toString()).to.equal('xy');
          expect(stdoutOf(await run(the().exec('cat', { stdin: cold }))).toString()).to.equal('12');
        }
        const readable = Readable.from([Buffer.from('once')]);
        expect(stdoutOf(await run(the().exec('cat', { stdin: readable }))).toString()).to.equal('once');
      });

      it('streams: the command reads a chunk before the next one exists; completing ends its stdin', async () => {
        const input = new Subject<string>();
        const lines: string[] = [];
        const done = run(
          the()
            .exec('while IFS= read -r l; do echo "got $l"; done; echo end', { stdin: input })
            .pipe(tap((e) => e.type === 'line' && lines.push(e.text))),
        );
        await until(() => input.observed, 'stdin subscribed');
        input.next('one\n');
        await until(() => lines.includes('got one'), 'the first line read');
        input.next('two\n');
        await until(() => lines.includes('got two'), 'the second line read');
        expect(lines).to.not.include('end');
        input.complete();
        const events = await done;
        expect(exitOf(events)).to.include({ code: 0 });
        expect(lines).to.deep.equal(['got one', 'got two', 'end']);
      });

      it('reads an async iterable only as fast as the command reads (back-pressure)', async () => {
        let produced = 0;
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        async function* big() {
          for (let i = 0; i < 400; i++) {
            await Promise.resolve();
            produced += chunk.length; // 25 MiB in all
            yield chunk;
          }
        }
        const events = run(
          the().exec('sleep 1; wc -c', { stdin: { [Symbol.asyncIterator]: big }, output: 'chunks' }),
        );
        await sleep(800);
        expect(produced, 'read while the command sleeps').to.be.below(8 * 1024 * 1024);
        expect(
          stdoutOf(await events)
            .toString()
            .trim(),
        ).to.equal(String(400 * chunk.length));
      });

      it('unsubscribing while stdin is open kills the command and stops the stream', async () => {
        const tag = marker();
        const subject = new Subject<string>();
        let finalized = false;
        const readable = new PassThrough();
        const subscriptions: Subscription[] = [];
        for (const stdin of [subject.pipe(finalize(() => (finalized = true))), readable])
          subscriptions.push(
            the()
              .exec(`cat; : ${tag}`, { stdin })
              .subscribe({ error: () => undefined }),
          );
        subject.next('x\n');
        readable.write('y\n');
        await until(async () => (await processes(tag)).length === 2, 'both commands run');
        for (const s of subscriptions) s.unsubscribe();
        await the().close();
        await until(async () => (await processes(tag)).length === 0, 'the commands are gone');
        expect((finalized as boolean) && !subject.observed, 'the Observable unsubscribed').to.equal(true);
        expect(readable.destroyed, 'the Readable destroyed').to.equal(true);
      });

      it('stops reading the stream once the command exits without reading it all', async () => {
        const input = new Subject<string>();
        const done = run(the().exec('head -n 1', { stdin: input }));
        await until(() => input.observed, 'stdin subscribed');
        input.next('first\nsecond\n');
        const events = await done;
        expect(stdoutOf(events).toString()).to.equal('first\n');
        expect(input.observed).to.equal(false);
      });

      it('errors the command when the stream errors, and kills it', async () => {
        const tag = marker();
        const failing = timer(300).pipe(concatMap(() => throwError(() => new Error('stdin source broke'))));
        const e = (await rejection(run(the().exec(`cat; : ${tag}`, { stdin: failing })))) as Error;
        expect(e.message).to.equal('stdin source broke');
        await the().close();
        await until(async () => (await processes(tag)).length === 0, 'the command is gone');
      });

      it('refuses a stream chunk that is neither text nor bytes', async () => {
        const e = (await rejection(
          run(the().exec('cat', { stdin: from([42 as unknown as string]) })),
        )) as Error;
        expect(e.message).to.match(/stdin: a stream must give strings or bytes.*got number/);
      });
    });
  }

  describe('env with a pty when a login script prints', () => {
    let noisy: Fleet;
    before(async () => {
      noisy = await startFleet({ hosts: 1 });
      await writeFile(`${noisy.home}/.bashrc`, 'echo noise from bashrc\n');
    });
    after(() => noisy.stop());
    // bash reads ~/.bashrc for sshd's commands; a login shell that does not cannot show the case
    const printsNoise = async (node: SshNode): Promise<boolean> =>
      stdoutOf(await run(node.exec('true')))
        .toString()
        .includes('noise');

    it('refuses to send the env (it could be echoed) rather than hang, and leaves no process', async function () {
      const node = fleetNode(noisy, 0);
      const tag = marker();
      try {
        if (!(await printsNoise(node))) this.skip();
        const e = (await rejection(
          run(node.exec(`echo "$A"; : ${tag}`, { env: { A: 'x' }, pty: true })),
        )) as Error;
        expect(e.message).to.match(
          /env not sent: with a pty, the shell printed something before the command/,
        );
      } finally {
        await node.close();
      }
      await until(async () => (await remoteProcesses(tag)).length === 0, 'the shell is gone');
    });

    it('ends a stdin stream all the same, although its feed never started', async function () {
      const node = fleetNode(noisy, 0);
      try {
        if (!(await printsNoise(node))) this.skip();
        const readable = new PassThrough();
        readable.write('never sent\n');
        async function* generator(): AsyncGenerator<string> {
          yield 'never sent\n';
          await sleep(60_000);
        }
        const iterator = generator();
        for (const stdin of [readable, iterator]) {
          const e = (await rejection(run(node.exec('cat', { env: { A: 'x' }, pty: true, stdin })))) as Error;
          expect(e.message).to.match(/env not sent/);
        }
        expect(readable.destroyed, 'the Readable destroyed').to.equal(true);
        expect(await iterator.next(), 'the generator returned').to.deep.equal({
          done: true,
          value: undefined,
        });
      } finally {
        await node.close();
      }
    });
  });
});
