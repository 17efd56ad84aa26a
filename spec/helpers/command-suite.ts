/**
 * The behaviour of the commands (Run, RunScript, RunString, Push, Pull) and of SshJob that must be the same on
 * every kind of node: one suite, run against a LocalNode (spec/commands) and against an SshNode on a private
 * sshd (spec/e2e). Ports of apssh's test_basics, test_processes and test_deferred scenarios are marked.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import { filter, firstValueFrom, lastValueFrom, toArray } from 'rxjs';

import { Pull, Push } from '../../lib/commands/transfer.js';
import { Run } from '../../lib/commands/run.js';
import { RunScript } from '../../lib/commands/run-script.js';
import { RunString } from '../../lib/commands/run-string.js';
import type { Command } from '../../lib/commands/command.js';
import { Variables } from '../../lib/commands/variables.js';
import { isJobsError } from '../../lib/errors/jobs-error.js';
import type { SchedulerEvent } from '../../lib/core/events.js';
import { Job } from '../../lib/core/job.js';
import { Scheduler } from '../../lib/scheduler.js';
import type { SchedulerOptions } from '../../lib/core/scheduler.js';
import { Sequence } from '../../lib/core/sequence.js';
import type { CommandEvent } from '../../lib/nodes/command-event.js';
import { nodeRef } from '../../lib/nodes/command-event.js';
import { CommandFailedError } from '../../lib/errors/command-failed-error.js';
import type { Node } from '../../lib/nodes/node.js';
import { exitStatus, stdout } from '../../lib/nodes/operators.js';
import { shellQuote } from '../../lib/nodes/shell-quote.js';
import { SshJob } from '../../lib/ssh-job/ssh-job.js';
import { rejection } from './errors.js';
import { eventually } from './eventually.js';

/** What the suite needs to know of a kind of node. */
export interface NodeKit {
  /** A new node; the suite closes it after each test. */
  node(): Node;
  /** A node on which anything sent fails with an error that is not a TransferError. */
  unreachable(): Promise<Node>;
  /** A fresh empty directory, by an absolute path that the node understands. */
  remoteDir(): Promise<string>;
  /** The live processes of the node's host whose command line holds `marker`. */
  processes(marker: string): Promise<number[]>;
  /** The connections open to the node's host, for kinds that have connections (SSH). */
  connections?: () => Promise<number>;
}

/** A number that `sleep` takes (about 12 days) and that no other process has on its command line. */
export const marker = (): string =>
  `1${String(100_000 + Math.floor(Math.random() * 900_000))}.${String(Date.now() % 1_000_000).padStart(6, '1')}`;

/** The command's events, shown as `stdout:text`, `stderr:text`, `stdout chunk:bytes`, `exit 0 null`. */
export const shown = (events: readonly CommandEvent[]): string[] =>
  events.map((e) =>
    e.type === 'line'
      ? `${e.stream}:${e.text}`
      : e.type === 'chunk'
        ? `${e.stream} chunk:${e.bytes.toString()}`
        : `exit ${String(e.code)} ${String(e.signal)}`,
  );

/** Runs a command on a node, outside of any job: its events. */
export const runOn = (command: Command, node: Node, variables = new Variables()): Promise<CommandEvent[]> =>
  lastValueFrom(command.run(node, { variables }).pipe(toArray()));

/** Runs a scheduler: its outcome, and its events. */
export const runJobs = async (
  jobs: readonly (Job | Sequence)[],
  options: SchedulerOptions = {},
): Promise<{ ok: boolean; events: SchedulerEvent[]; scheduler: Scheduler }> => {
  const scheduler = new Scheduler(jobs, options);
  const events = await lastValueFrom(scheduler.run().pipe(toArray()));
  const end = events.at(-1);
  return { ok: end?.type === 'end' && end.ok, events, scheduler };
};

/** The values (command events) of one job on a scheduler's stream. */
export const valuesOf = (events: readonly SchedulerEvent[], job: Job): CommandEvent[] =>
  events.flatMap((e) => (e.type === 'value' && e.job === job ? [e.value as CommandEvent] : []));

/** Whether `file` exists on the node. */
export const existsOn = async (node: Node, file: string): Promise<boolean> =>
  (await lastValueFrom(node.exec(`test -e ${shellQuote(file)}`).pipe(exitStatus()))).code === 0;

/** The `run-*` directories in the node's script directory (where RunScript and RunString run). */
export const runDirs = async (node: Node): Promise<string[]> => {
  const command = `ls -A ${shellQuote(node.scriptDir)} 2>/dev/null; true`;
  const names = await lastValueFrom(node.exec(command).pipe(stdout(), toArray()));
  return names.filter((name) => name.startsWith('run-'));
};

/** The live local processes whose command line holds `marker` (`pgrep -f`), zombies left out. */
export const localProcesses = (marker: string): Promise<number[]> =>
  new Promise((resolve, reject) => {
    const pattern = marker.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
    execFile('pgrep', ['-f', '--', pattern], { encoding: 'utf8' }, (error, out) => {
      if (error !== null && (error.code !== 1 || error.killed)) {
        reject(new Error(`pgrep failed: ${error.message}`, { cause: error }));
        return;
      }
      const pids = out
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map(Number)
        .filter((pid) => pid !== process.pid);
      Promise.all(
        pids.map(async (pid) => {
          const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8').catch(() => '');
          const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
          return stat !== '' && state !== 'Z' ? [pid] : [];
        }),
      ).then((live) => {
        resolve(live.flat());
      }, reject);
    });
  });

const SCRIPT = '#!/bin/sh\necho "$# args"\nfor a in "$@"; do echo "[$a]"; done\n';
const NEEDS_INCLUDE = '#!/bin/bash\n. "$(dirname "$0")"/inclusion.sh\nincluded "$@"\n';
const INCLUSION = 'included() { echo "included says: $*"; }\n';
// prints its own directory, then sleeps (its command line holds the marker given as $1)
const RUN_DIR = '#!/bin/sh\ncd "$(dirname "$0")" && pwd\nexec sleep "$1"\n';
// what parallel runs of one script write in their directories must stay theirs
const COLLIDE =
  '#!/bin/sh\nd=$(dirname "$0")\necho "$1" > "$d/state"\nsleep 0.1\ncat "$d/state" "$d/inclusion.sh"\n';

/** A script that ignores TERM, prints its directory, then sleeps `marker` seconds: only a KILL ends it. */
export const stubbornScript = (marker: string): string =>
  `#!/bin/sh\ntrap '' TERM\ncd "$(dirname "$0")" && pwd\nexec sleep ${marker}\n`;

/** `sleep <s>.<random digits>`: a sleep of about `s` seconds whose command line is unique. */
export const timedMarker = (s: number): string =>
  `${String(s)}.${String(Math.floor(Math.random() * 1e6))}${String(Date.now() % 1e6)}`;

/** The suite; `kit` is called in `before()`, once the nodes can be made. */
export const commandSuite = (name: string, makeKit: () => NodeKit | Promise<NodeKit>): void => {
  describe(`commands and SshJob on ${name}`, function () {
    this.timeout(20_000);
    let kit: NodeKit;
    let local: string;
    let nodes: Node[] = [];
    const file = (base: string): string => path.join(local, base);
    const node = (): Node => {
      const n = kit.node();
      nodes.push(n);
      return n;
    };

    before(async () => {
      local = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-cmd-suite-'));
      await writeFile(file('script.sh'), SCRIPT, { mode: 0o755 });
      await writeFile(file('needsinclude.sh'), NEEDS_INCLUDE, { mode: 0o755 });
      await writeFile(file('inclusion.sh'), INCLUSION);
      await writeFile(file('rundir.sh'), RUN_DIR, { mode: 0o755 });
      await writeFile(file('collide.sh'), COLLIDE, { mode: 0o755 });
      kit = await makeKit();
    });
    afterEach(async () => {
      await Promise.all(nodes.map((n) => n.close()));
      nodes = [];
    });
    /**
     * Whether the connections to the node's host are back to `open` (within 3 s: sshd sees a close a little
     * after the client), without the suite's own close() of the test's nodes; true for kinds without
     * connections.
     */
    const connectionsBackTo = async (open: number | undefined): Promise<boolean> => {
      const count = kit.connections;
      return (
        open === undefined ||
        count === undefined ||
        (await eventually(async () => (await count()) === open, 3000))
      );
    };
    after(async () => {
      await rm(local, { recursive: true, force: true });
    });

    describe('Run', () => {
      it('ends with an exit event naming the command: Run, RunScript, RunString as described', async () => {
        const exitOf = async (command: Command): Promise<unknown> => {
          const last = (await runOn(command, node(), new Variables([['x', 'X']]))).at(-1);
          return last?.type === 'exit' ? last.command : last;
        };
        expect(await exitOf(new Run('exit 4', { allowedExits: [4] }))).to.equal('exit 4');
        expect(await exitOf(new Run('echo {{x}}', 'a b'))).to.equal("echo X 'a b'");
        expect(await exitOf(new RunScript(file('script.sh'), '{{x}}'))).to.equal('script.sh X');
        expect(await exitOf(new RunString('true', { remoteName: 'do-it.sh' }))).to.equal('do-it.sh');
      });

      it('passes each extra argument as one word: spaces, quotes, $, ;, globs, empty', async () => {
        const args = ['a b', "it's", '"double"', '$HOME', '`id`', 'x;echo injected', '*', '', 'tab\there'];
        const events = await runOn(new Run(`printf '[%s]\\n'`, ...args), node());
        expect(shown(events)).to.deep.equal([...args.map((a) => `stdout:[${a}]`), 'exit 0 null']);
      });

      it('takes the first argument as shell text: pipes, redirections, variables', async () => {
        const events = await runOn(new Run('echo one | tr o 0; X=two; echo "$X" >&2', 'three'), node());
        expect(shown(events)).to.have.members(['stdout:0ne', 'stderr:two three', 'exit 0 null']);
      });

      it('evaluates {{name}} templates and function arguments when it runs, not when it is made', async () => {
        const variables = new Variables();
        let calls = 0;
        const run = new Run(`printf '[%s]'`, '{{greeting}}', '{{who}} {{unknown}}', (v) => {
          calls++;
          return `n=${v.get('n') ?? 'unset'}`;
        });
        const head = new Run('echo {{tail}}');
        expect(run.label).to.equal(`printf '[%s]' '{{greeting}}' '{{who}} {{unknown}}' '<fn>'`);
        expect(calls).to.equal(0);
        variables.set('greeting', 'hello;').set('who', 'the world').set('n', '42').set('tail', 'end; echo x');
        // in the other arguments, a value is one word; in the first, it is shell text (`;` ends a command)
        const words = await lastValueFrom(run.run(node(), { variables }).pipe(stdout(), toArray()));
        expect(words).to.deep.equal(['[hello;][the world {{unknown}}][n=42]']);
        expect(calls).to.be.above(0);
        const lines = await lastValueFrom(head.run(node(), { variables }).pipe(stdout(), toArray()));
        expect(lines).to.deep.equal(['end', 'x']);
      });

      it('passes env and stdin', async () => {
        const run = new Run('echo "$GREETING / $OTHER"; cat', {
          env: { GREETING: "it's $me", OTHER: 'a;b' },
          stdin: 'in\nput\n',
        });
        const lines = await lastValueFrom(
          run.run(node(), { variables: new Variables() }).pipe(stdout(), toArray()),
        );
        expect(lines).to.deep.equal(["it's $me / a;b", 'in', 'put']);
      });

      it('refuses a NUL byte in a command or its environment before anything is sent; the node carries on', async () => {
        const n = node();
        const withNul = new SshJob(n, new Run('echo', 'a\0b'), { label: 'nul' });
        const inEnv = new SshJob(n, new Run('true', { env: { X: 'a\0b' } }), { label: 'nul env' });
        const sibling = new SshJob(n, ['sleep 0.2', 'echo sibling'], { label: 'sibling' });
        const { ok, events } = await runJobs([withNul, inEnv, sibling], { critical: false });
        expect(ok).to.equal(true); // non-critical failures
        for (const job of [withNul, inEnv]) {
          const e = job.raisedException();
          expect(isJobsError(e, 'config'), String(e)).to.equal(true);
          expect((e as Error).message).to.contain('NUL byte');
        }
        expect((withNul.raisedException() as Error).message).to.contain(String.raw`echo 'a\u0000b'`);
        expect(sibling.status).to.equal('done');
        expect(shown(valuesOf(events, sibling))).to.deep.equal([
          'exit 0 null',
          'stdout:sibling',
          'exit 0 null',
        ]);
      });

      it('allows the exit codes listed in allowedExits, and only those', async () => {
        const n = node();
        const plain = new SshJob(n, 'exit 3', { label: 'plain' });
        const listed = new SshJob(n, new Run('exit 3', { allowedExits: [3] }), { label: 'listed' });
        const other = new SshJob(n, new Run('exit 3', { allowedExits: [4, 'TERM'] }), { label: 'other' });
        const { ok } = await runJobs([plain, listed, other], { critical: false });
        expect(ok).to.equal(true); // non-critical failures
        expect([plain.status, listed.status, other.status]).to.deep.equal(['failed', 'done', 'failed']);
        expect(listed.result()).to.equal(3);
      });

      // apssh test_processes allowed_signal_{regular,term,term_mix,term_foreign}, plus 'SIGTERM'
      for (const [allowed, expected] of [
        [[], false],
        [['TERM'], true],
        [['TERM', 100], true],
        [[100], false],
        [['SIGTERM'], true],
      ] as const) {
        it(`a command killed by TERM with allowedExits ${JSON.stringify(allowed)}: run ${String(expected)}`, async () => {
          const job = new SshJob(node(), new Run('kill -TERM $$', { allowedExits: allowed }));
          const { ok, events } = await runJobs([job], { critical: true });
          expect(ok).to.equal(expected);
          expect(shown(valuesOf(events, job))).to.deep.equal(['exit null SIGTERM']);
          if (expected) expect(job.result()).to.equal(null);
          else expect((job.raisedException() as CommandFailedError).signal).to.equal('SIGTERM');
        });
      }

      // apssh test_processes allowed_retcod_*: the shell reports exit 1000 as 232, so allowing 1000 never helps
      it('a command exiting 1000 exits 232, which allowedExits [1000] does not allow', async () => {
        const job = new SshJob(node(), new Run('exit 1000', { allowedExits: [1000] }));
        const { ok } = await runJobs([job], { critical: true });
        expect(ok).to.equal(false);
        expect((job.raisedException() as CommandFailedError).exitCode).to.equal(232);
      });

      it('captures stdout (not stderr) into a variable, one final newline removed', async () => {
        const variables = new Variables();
        const events = await runOn(
          new Run(`printf 'a  b\\n\\nc\\n\\n'; echo err >&2`, { capture: 'out' }),
          node(),
          variables,
        );
        expect(variables.get('out')).to.equal('a  b\n\nc\n');
        expect(shown(events)).to.include('stderr:err'); // captured lines still flow
        await runOn(new Run(`printf 'no newline'`, { capture: 'bare' }), node(), variables);
        expect(variables.get('bare')).to.equal('no newline');
        await runOn(new Run('true', { capture: 'empty' }), node(), variables);
        expect(variables.get('empty')).to.equal('');
      });

      // apssh test_deferred deferred_chain
      it('passes a captured value to a later command as {{name}} (deferred_chain)', async () => {
        const variables = new Variables();
        const job = new SshJob(
          node(),
          [
            new Run('echo from-first-run', { capture: 'run1' }),
            new Run('echo {{run1}}', { capture: 'final' }),
            new RunString('echo "{{final}} in a script: $1"', '{{run1}}', { capture: 'script' }),
          ],
          { variables },
        );
        const { ok } = await runJobs([job]);
        expect(ok).to.equal(true);
        expect(variables.get('final')).to.equal('from-first-run');
        expect(variables.get('script')).to.equal('from-first-run in a script: from-first-run');
      });

      it('leaves the variable alone when the command fails (or exits with a disallowed code)', async () => {
        const variables = new Variables([['out', 'before']]);
        await runOn(new Run('echo partial; exit 1', { capture: 'out' }), node(), variables);
        expect(variables.get('out')).to.equal('before');
        await runOn(
          new Run('echo allowed; exit 1', { capture: 'out', allowedExits: [1] }),
          node(),
          variables,
        );
        expect(variables.get('out')).to.equal('allowed');
      });
    });

    describe("output: 'chunks'", () => {
      const bytesOf = (events: readonly CommandEvent[], stream: 'stdout' | 'stderr'): string =>
        Buffer.concat(
          events.flatMap((e) => (e.type === 'chunk' && e.stream === stream ? [e.bytes] : [])),
        ).toString();

      it('makes Run deliver chunk events, and still captures stdout', async () => {
        const variables = new Variables();
        const events = await runOn(
          new Run(`printf 'a\\nb\\n\\n'; printf 'err' >&2`, { output: 'chunks', capture: 'out' }),
          node(),
          variables,
        );
        expect(events.map((e) => e.type).filter((t) => t !== 'chunk')).to.deep.equal(['exit']);
        expect([bytesOf(events, 'stdout'), bytesOf(events, 'stderr')]).to.deep.equal(['a\nb\n\n', 'err']);
        expect(variables.get('out')).to.equal('a\nb\n');
      });

      it('makes RunString and RunScript deliver chunk events', async () => {
        const events = await runOn(
          new RunString('printf "%s" "$1"', 'no newline', { output: 'chunks' }),
          node(),
        );
        expect(shown(events)).to.deep.equal(['stdout chunk:no newline', 'exit 0 null']);
        const script = await runOn(new RunScript(file('script.sh'), 'x', { output: 'chunks' }), node());
        expect(bytesOf(script, 'stdout')).to.equal('1 args\n[x]\n');
      });

      it('is the default of an SshJob for its commands, unless they choose; the stderr tail comes from chunks', async () => {
        const n = node();
        const failing = new Run(`printf 'e1\\ne2\\ne3' >&2; exit 3`);
        const job = new SshJob(n, ['echo a', new Run('echo b', { output: 'lines' }), failing], {
          output: 'chunks',
          stderrTail: 2,
        });
        const { events } = await runJobs([job]);
        const values = valuesOf(events, job);
        expect(shown(values).slice(0, 4)).to.deep.equal([
          'stdout chunk:a\n',
          'exit 0 null',
          'stdout:b',
          'exit 0 null',
        ]);
        expect(bytesOf(values, 'stderr')).to.equal('e1\ne2\ne3');
        const failure = job.raisedException() as CommandFailedError;
        expect([failure.exitCode, failure.stderrTail]).to.deep.equal([3, ['e2', 'e3']]);
      });

      it('is refused by SshJob when it is neither lines nor chunks, with a ConfigError', () => {
        expect(() => new SshJob(node(), 'true', { output: 'bytes' as 'chunks' }))
          .to.throw(/output must be 'lines' or 'chunks', not "bytes"/)
          .that.satisfies((e: unknown) => isJobsError(e, 'config'));
      });
    });

    describe('RunScript', () => {
      // apssh test_basics local_script_args
      it('copies a local script and runs it with its arguments quoted (local_script_args)', async () => {
        const events = await runOn(
          new RunScript(file('script.sh'), 'foo', 'bar baz', "it's", '$x;y'),
          node(),
        );
        expect(shown(events)).to.deep.equal([
          'stdout:4 args',
          'stdout:[foo]',
          'stdout:[bar baz]',
          "stdout:[it's]",
          'stdout:[$x;y]',
          'exit 0 null',
        ]);
      });

      // apssh test_basics local_script_includes
      it('copies its includes beside it, where it sources them (local_script_includes)', async () => {
        const run = new RunScript(file('needsinclude.sh'), '{{who}}', { includes: [file('inclusion.sh')] });
        const events = await runOn(run, node(), new Variables([['who', 'me and you']]));
        expect(shown(events)).to.deep.equal(['stdout:included says: me and you', 'exit 0 null']);
      });

      it('fails with a TransferError, before anything is sent, when the local script is missing', async () => {
        const e = await rejection(runOn(new RunScript(file('nope.sh')), await kit.unreachable()));
        expect(isJobsError(e, 'transfer')).to.equal(true);
        expect((e as Error).message).to.contain(file('nope.sh'));
      });

      it('fails with a TransferError, before anything is sent, when an include is missing', async () => {
        const run = new RunScript(file('script.sh'), { includes: [file('inclusion.sh'), file('gone.sh')] });
        const e = await rejection(runOn(run, await kit.unreachable()));
        expect(isJobsError(e, 'transfer')).to.equal(true);
        expect((e as Error).message).to.contain(file('gone.sh'));
      });

      it('runs two copies of one script at once on one node, each in a directory of its own', async () => {
        const n = node();
        const includes = [file('inclusion.sh')];
        const [a, b] = await Promise.all(
          ['first', 'second'].map((arg) =>
            lastValueFrom(
              new RunScript(file('collide.sh'), arg, { includes })
                .run(n, { variables: new Variables() })
                .pipe(stdout(), toArray()),
            ),
          ),
        );
        expect(a).to.deep.equal(['first', INCLUSION.trim()]);
        expect(b).to.deep.equal(['second', INCLUSION.trim()]);
      });

      it('removes its private directory after the run, whether the script succeeds or fails', async () => {
        const n = node();
        const ok = await runOn(new RunString('cd "$(dirname "$0")" && pwd'), n);
        const failed = await runOn(new RunString('cd "$(dirname "$0")" && pwd; exit 7'), n);
        expect(shown(failed).at(-1)).to.equal('exit 7 null');
        for (const events of [ok, failed]) {
          const dir = shown(events)[0]?.replace('stdout:', '') ?? '';
          expect(dir).to.match(/\/run-[0-9a-f]{12}$/);
          expect(await existsOn(n, dir)).to.equal(false);
        }
      });

      it('removes its private directory, and kills the script, when cancelled', async () => {
        const n = node();
        const m = marker();
        const dir = await firstValueFrom(
          new RunScript(file('rundir.sh'), m).run(n, { variables: new Variables() }).pipe(stdout()),
        );
        expect(dir).to.match(/\/run-[0-9a-f]{12}$/);
        await n.close(); // waits for the kill, which waits for the wrapper's clean-up
        expect(await kit.processes(m)).to.deep.equal([]);
        expect(await existsOn(n, dir)).to.equal(false);
      });

      /** A script with a 4 GiB include (sparse here: nothing written; seconds to copy there). */
      const slowUpload = async (): Promise<RunScript> => {
        const big = file('big.bin');
        await writeFile(big, '');
        await truncate(big, 4 * 2 ** 30);
        return new RunScript(file('script.sh'), { includes: [big] });
      };
      /** Resolves true once a run directory not in `before` holds the script, and not yet its include. */
      const uploading = async (n: Node, before: readonly string[]): Promise<boolean> => {
        let dir = '';
        const seen = await eventually(
          async () => {
            const fresh = (await runDirs(n)).find((name) => !before.includes(name));
            dir = fresh === undefined ? '' : `${n.scriptDir}/${fresh}`;
            return dir !== '' && (await existsOn(n, `${dir}/script.sh`));
          },
          10_000,
          10,
        );
        return seen && !(await existsOn(n, `${dir}/big.bin`));
      };

      it('removes its private directory when cancelled during the upload', async function () {
        this.timeout(30_000);
        const n = node();
        const script = await slowUpload();
        const before = await runDirs(n);
        const subscription = script
          .run(n, { variables: new Variables() })
          .subscribe({ error: () => undefined });
        try {
          expect(await uploading(n, before), 'the script is there, its include on its way').to.equal(true);
        } finally {
          subscription.unsubscribe();
        }
        await n.close(); // waits for the removal
        expect(await runDirs(n)).to.deep.equal(before);
      });

      it('removes its private directory when cancelled, even when the script ignores TERM', async () => {
        const n = node();
        const m = marker();
        const before = await runDirs(n);
        const stubborn = stubbornScript(m);
        const dir = await firstValueFrom(
          new RunString(stubborn).run(n, { variables: new Variables() }).pipe(stdout()),
        );
        expect(dir).to.match(/\/run-[0-9a-f]{12}$/);
        await n.close(); // waits for the KILL, which takes the wrapper too, then for the removal
        expect(await kit.processes(m)).to.deep.equal([]);
        expect(await runDirs(n)).to.deep.equal(before);
      });

      it('a run aborted during a script upload leaves no directory once orchestrate() resolves', async function () {
        this.timeout(30_000);
        const n = node();
        const before = await runDirs(n);
        const upload = new SshJob(n, await slowUpload(), { label: 'upload' });
        const watch = new Job(
          async () => {
            throw new Error((await uploading(n, before)) ? 'abort now' : 'the upload was not seen');
          },
          { label: 'watch' },
        );
        const { ok, events } = await runJobs([upload, watch], { critical: true });
        expect(ok).to.equal(false);
        const failed = events.find((e) => e.type === 'failed' && e.job === watch);
        expect(failed?.type === 'failed' ? failed.error.message : '').to.contain('abort now');
        // no close() here: the run's shutdown closed the node, once the removal was done
        expect(await runDirs(n)).to.deep.equal(before);
      });
    });

    describe('RunString', () => {
      // apssh test_basics local_string_includes
      it('runs a script given as text: remoteName, includes, {{name}} in the body, arguments', async () => {
        const variables = new Variables([['greeting', 'hello']]);
        const run = new RunString(
          '#!/bin/bash\n. "$(dirname "$0")"/inclusion.sh\necho "{{greeting}} from $(basename "$0")"\nincluded "$@"\n',
          'more text',
          '{{greeting}}',
          { remoteName: 'run-script-sample.sh', includes: [file('inclusion.sh')] },
        );
        const events = await runOn(run, node(), variables);
        expect(shown(events)).to.deep.equal([
          'stdout:hello from run-script-sample.sh',
          'stdout:included says: more text hello',
          'exit 0 null',
        ]);
      });

      it('runs the script with the default signal dispositions (a broken pipe still kills)', async () => {
        const run = new RunString('#!/bin/bash\nyes | head -n 1; echo "${PIPESTATUS[0]}"');
        expect(shown(await runOn(run, node()))).to.deep.equal(['stdout:y', 'stdout:141', 'exit 0 null']);
      });

      it('runs a body without #! with sh', async () => {
        const events = await runOn(new RunString('echo "$(basename "$0") $1"\nexit 2', 'x y'), node());
        expect(shown(events)).to.deep.equal(['stdout:script x y', 'exit 2 null']);
      });
    });

    describe('Push and Pull', () => {
      it('copy files there and back, each ending with one exit event (code 0)', async () => {
        const n = node();
        const data = randomBytes(100_000);
        await writeFile(file('data.bin'), data);
        await writeFile(file('note.txt'), 'note\n');
        const remote = await kit.remoteDir();
        const variables = new Variables([['where', remote]]);
        const push = new Push([file('data.bin'), file('note.txt')], '{{where}}');
        expect(push.label).to.equal(`Push: ${file('data.bin')} ${file('note.txt')} onto {{where}}`);
        expect(shown(await runOn(push, n, variables))).to.deep.equal(['exit 0 null']);
        const back = path.join(local, `back-${randomBytes(4).toString('hex')}`);
        const pull = new Pull([`${remote}/data.bin`, `${remote}/note.txt`], back, { label: 'fetch' });
        expect(pull.label).to.equal('fetch');
        const events = await runOn(pull, n);
        expect(events).to.have.length(1);
        expect(events[0]?.node).to.equal(nodeRef(n));
        expect(shown(events)).to.deep.equal(['exit 0 null']);
        expect(events[0]?.type === 'exit' && events[0].command).to.equal(
          `Pull: ${remote}/data.bin ${remote}/note.txt into ${back}`,
        );
        expect((await readFile(path.join(back, 'data.bin'))).equals(data)).to.equal(true);
        expect(await readFile(path.join(back, 'note.txt'), 'utf8')).to.equal('note\n');
      });

      it('Pull of one remote file writes it as the path given, as scp does, unless that is a directory', async () => {
        const n = node();
        const remote = await kit.remoteDir();
        await lastValueFrom(n.writeFile(`${remote}/data.csv`, 'a,b\n'), { defaultValue: undefined });
        const base = path.join(local, `pull-file-${randomBytes(4).toString('hex')}`);
        // a new name: written as that file, its directory created
        const named = path.join(base, 'sub', 'mine.csv');
        expect(shown(await runOn(new Pull(`${remote}/data.csv`, named), n))).to.deep.equal(['exit 0 null']);
        expect(await readFile(named, 'utf8')).to.equal('a,b\n');
        // an existing file: replaced
        await writeFile(named, 'old\n');
        await runOn(new Pull(`${remote}/data.csv`, named), n);
        expect(await readFile(named, 'utf8')).to.equal('a,b\n');
        // a trailing /, or an existing directory: into it
        await runOn(new Pull(`${remote}/data.csv`, path.join(base, 'dir') + '/'), n);
        expect(await readFile(path.join(base, 'dir', 'data.csv'), 'utf8')).to.equal('a,b\n');
        await runOn(new Pull(`${remote}/data.csv`, path.join(base, 'sub')), n);
        expect(await readFile(path.join(base, 'sub', 'data.csv'), 'utf8')).to.equal('a,b\n');
        // several files, or a directory: into the directory, created
        await lastValueFrom(n.writeFile(`${remote}/tree/x.txt`, 'x\n'), { defaultValue: undefined });
        await runOn(new Pull([`${remote}/data.csv`, `${remote}/tree/x.txt`], path.join(base, 'two')), n);
        expect((await readdir(path.join(base, 'two'))).sort()).to.deep.equal(['data.csv', 'x.txt']);
        await runOn(new Pull(`${remote}/tree`, path.join(base, 'of-tree')), n);
        expect(await readFile(path.join(base, 'of-tree', 'tree', 'x.txt'), 'utf8')).to.equal('x\n');
        // no temporary file left beside any of them
        expect((await readdir(path.join(base, 'sub'))).sort()).to.deep.equal(['data.csv', 'mine.csv']);
        expect((await readdir(base)).sort()).to.deep.equal(['dir', 'of-tree', 'sub', 'two']);
      });

      it('Pull to a file leaves no partial file when it fails or is cancelled', async () => {
        const n = node();
        const remote = await kit.remoteDir();
        const big = `${remote}/big.bin`;
        await lastValueFrom(n.exec(`head -c 50000000 /dev/zero > ${shellQuote(big)}`));
        const base = await mkdtemp(path.join(local, 'pull-cancel-'));
        const target = path.join(base, 'big.copy');
        const sub = new Pull(big, target)
          .run(n, { variables: new Variables() })
          .subscribe({ error: () => undefined });
        await eventually(async () => (await readdir(base)).length > 0, 5000, 5);
        sub.unsubscribe();
        await n.close();
        // nothing, or (had the copy ended first) the whole file: never a temporary or partial one
        const left = await readdir(base);
        expect(left.filter((f) => f !== 'big.copy')).to.deep.equal([]);
        if (left.length > 0) expect((await stat(target)).size).to.equal(50_000_000);
        await rm(target, { force: true });
        const e = await rejection(runOn(new Pull(`${remote}/missing`, target), n));
        expect(isJobsError(e, 'transfer')).to.equal(true);
        expect(await readdir(base)).to.deep.equal([]);
      });

      it('fail with a TransferError naming the path', async () => {
        const e = await rejection(runOn(new Pull(`${await kit.remoteDir()}/missing`, local), node()));
        expect(isJobsError(e, 'transfer')).to.equal(true);
        expect((e as Error).message).to.contain('missing');
      });
    });

    describe('SshJob', () => {
      // apssh test_basics s1-s4 / p1-p4
      it('takes its commands as a string, a Run, a list of Runs, a list of strings (s1-s4)', async () => {
        const n = node();
        const jobs = [
          new SshJob(n, 'echo s1'),
          new SshJob(n, new Run('echo', 's2')),
          new SshJob(n, [new Run('echo s3')]),
          new SshJob(n, ['echo s4', new Run('echo', 's4 bis')]),
        ];
        const { ok, events } = await runJobs(jobs);
        expect(ok).to.equal(true);
        expect(jobs.map((j) => j.result())).to.deep.equal([0, 0, 0, 0]);
        expect(
          jobs.map((j) => shown(valuesOf(events, j)).filter((l) => l.startsWith('stdout'))),
        ).to.deep.equal([['stdout:s1'], ['stdout:s2'], ['stdout:s3'], ['stdout:s4', 'stdout:s4 bis']]);
      });

      it('emits every command event as a value; result() is the last exit code', async () => {
        const n = node();
        const job = new SshJob(n, [
          'echo one; echo two >&2',
          new Run('printf "%s\\n"', 'three'),
          new Run('exit 4', { allowedExits: [4] }),
        ]);
        const { ok, events } = await runJobs([job]);
        expect(ok).to.equal(true);
        const values = valuesOf(events, job);
        expect(values.every((v) => v.node === nodeRef(n))).to.equal(true);
        const text = shown(values);
        expect(text.slice(0, 3)).to.have.members(['stdout:one', 'stderr:two', 'exit 0 null']);
        expect(text[2]).to.equal('exit 0 null');
        expect(text.slice(3)).to.deep.equal(['stdout:three', 'exit 0 null', 'exit 4 null']);
        expect(job.result()).to.equal(4);
        const done = events.find((e) => e.type === 'done' && e.job === job);
        expect(done).to.not.equal(undefined);
      });

      it('critical: fails at the first disallowed exit with a CommandFailedError; later commands do not run', async () => {
        const n = node();
        const remote = await kit.remoteDir();
        const variables = new Variables([['who', 'the world']]);
        const loud = 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "err $i" >&2; done; exit 3 #';
        const job = new SshJob(
          n,
          ['echo first', new Run(loud, '{{who}}'), new Run('touch', `${remote}/ran`), 'echo never'],
          { variables, critical: true },
        );
        const short = new SshJob(n, new Run(loud), { stderrTail: 2, critical: true });
        const { ok, events } = await runJobs([job]);
        await runJobs([short]);
        expect(ok).to.equal(false); // critical
        const e = job.raisedException();
        expect(e).to.be.instanceOf(CommandFailedError);
        const failure = e as CommandFailedError;
        expect(failure.code).to.equal('command-failed');
        expect(failure.node).to.equal(nodeRef(n));
        expect(failure.command).to.equal(`${loud} 'the world'`);
        expect([failure.exitCode, failure.signal]).to.deep.equal([3, null]);
        expect(failure.stderrTail).to.deep.equal(
          [3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((i) => `err ${String(i)}`),
        );
        expect(failure.message).to.contain('exit 3').and.contain('err 12');
        expect((short.raisedException() as CommandFailedError).stderrTail).to.deep.equal([
          'err 11',
          'err 12',
        ]);
        expect(shown(valuesOf(events, job)).at(-1)).to.equal('exit 3 null');
        expect(shown(valuesOf(events, job))).to.not.include('stdout:never');
        expect(await existsOn(n, `${remote}/ran`)).to.equal(false);
        expect(job.result()).to.equal(undefined);
        const failed = events.find((x) => x.type === 'failed' && x.job === job);
        expect(failed?.type === 'failed' && failed.error).to.equal(e);
      });

      it('calls the function arguments of a Run once per run', async () => {
        let calls = 0;
        const count = () => String(++calls);
        const job = new SshJob(node(), [new Run('echo', count), new Run('echo', count)]);
        const { ok, events } = await runJobs([job]);
        expect(ok).to.equal(true);
        expect(calls).to.equal(2);
        expect(shown(valuesOf(events, job))).to.deep.equal([
          'stdout:1',
          'exit 0 null',
          'stdout:2',
          'exit 0 null',
        ]);
        const failing = new SshJob(node(), new Run('exit 2; echo', count));
        await runJobs([failing]);
        expect((failing.raisedException() as CommandFailedError).command).to.match(/^exit 2; echo \d$/);
      });

      it('names the signal that killed a command in its CommandFailedError', async () => {
        const job = new SshJob(node(), ['kill -TERM $$', 'echo never']);
        const { ok } = await runJobs([job], { critical: false });
        expect(ok).to.equal(true);
        const e = job.raisedException() as CommandFailedError;
        expect([e.exitCode, e.signal, e.command]).to.deep.equal([null, 'SIGTERM', 'kill -TERM $$']);
        expect(e.message).to.contain('killed by SIGTERM');
      });

      // apssh test_basics local_script, local_script_includes, local_script_args, mixed_commands,
      // local_string, local_string_includes
      it('runs the test_basics scripts: local_script*, mixed_commands, local_string*', async () => {
        const n = node();
        const includes = [file('inclusion.sh')];
        const jobs = {
          local_script: new SshJob(n, new RunScript(file('script.sh'))),
          local_script_includes: new SshJob(n, new RunScript(file('needsinclude.sh'), { includes })),
          local_script_args: new SshJob(n, new RunScript(file('script.sh'), 'foo', 'bar', 'tutu')),
          mixed_commands: new SshJob(n, [
            new RunScript(file('needsinclude.sh'), 'mixed', { includes }),
            new Run('echo; cat /no/such/lsb-release; echo'),
            new RunScript(file('script.sh'), 'last'),
          ]),
          local_string: new SshJob(n, new RunString(SCRIPT, 'arg')),
          local_string_includes: new SshJob(
            n,
            new RunString(NEEDS_INCLUDE, 'more text', { remoteName: 'run-script-sample.sh', includes }),
          ),
        };
        const { ok, events } = await runJobs(Object.values(jobs), { critical: true });
        expect(ok).to.equal(true);
        expect(Object.values(jobs).map((j) => j.result())).to.deep.equal([0, 0, 0, 0, 0, 0]);
        const out = (job: Job) => shown(valuesOf(events, job)).filter((l) => l.startsWith('stdout:'));
        expect(out(jobs.local_script)).to.deep.equal(['stdout:0 args']);
        expect(out(jobs.local_script_args)).to.deep.equal([
          'stdout:3 args',
          'stdout:[foo]',
          'stdout:[bar]',
          'stdout:[tutu]',
        ]);
        expect(out(jobs.mixed_commands)).to.deep.equal([
          'stdout:included says: mixed',
          'stdout:',
          'stdout:',
          'stdout:1 args',
          'stdout:[last]',
        ]);
        expect(out(jobs.local_string)).to.deep.equal(['stdout:1 args', 'stdout:[arg]']);
        expect(out(jobs.local_string_includes)).to.deep.equal(['stdout:included says: more text']);
      });

      it('not critical: runs every command, then fails with the CommandFailedError of the last failing one', async () => {
        const n = node();
        const remote = await kit.remoteDir();
        const job = new SshJob(
          n,
          [
            'echo one; exit 3',
            'echo two',
            'echo three >&2; exit 4',
            new Run('touch', `${remote}/ran`),
            'echo end',
          ],
          { critical: false },
        );
        const { ok, events } = await runJobs([job]);
        expect(ok).to.equal(true);
        const e = job.raisedException() as CommandFailedError;
        expect(e).to.be.instanceOf(CommandFailedError);
        expect([e.exitCode, e.command, e.stderrTail]).to.deep.equal([4, 'echo three >&2; exit 4', ['three']]);
        expect(shown(valuesOf(events, job))).to.deep.equal([
          'stdout:one',
          'exit 3 null',
          'stdout:two',
          'exit 0 null',
          'stderr:three',
          'exit 4 null',
          'exit 0 null',
          'stdout:end',
          'exit 0 null',
        ]);
        expect(await existsOn(n, `${remote}/ran`)).to.equal(true);
        const failed = events.filter((x) => x.type === 'failed' && x.job === job);
        expect(failed).to.have.length(1);
        // inherited from the scheduler the same way: critical there stops at the first failure
        const inherits = new SshJob(n, ['exit 3', 'echo never']);
        const run = await runJobs([inherits], { critical: true });
        expect(run.ok).to.equal(false);
        expect(shown(valuesOf(run.events, inherits))).to.deep.equal(['exit 3 null']);
        const runsOn = new SshJob(n, ['exit 3', 'echo ran']);
        const other = await runJobs([runsOn], { critical: false });
        expect(other.ok).to.equal(true);
        expect(shown(valuesOf(other.events, runsOn))).to.deep.equal([
          'exit 3 null',
          'stdout:ran',
          'exit 0 null',
        ]);
        expect((runsOn.raisedException() as CommandFailedError).exitCode).to.equal(3);
      });

      it('not critical: a transport failure still stops the job at once', async () => {
        const job = new SshJob(node(), [new Pull(`${await kit.remoteDir()}/missing`, local), 'echo never'], {
          critical: false,
        });
        const { events } = await runJobs([job]);
        expect(isJobsError(job.raisedException(), 'transfer')).to.equal(true);
        expect(shown(valuesOf(events, job))).to.deep.equal([]);
      });

      // apssh test_basics logic1 / logic2: a non-critical job runs on after a failing command, as in apssh
      it('logic1: a non-critical job [false, true] runs both, fails alone, and the run is fine', async () => {
        const job = new SshJob(node(), ['false', 'true'], { critical: false });
        const { ok, events } = await runJobs([job]);
        expect(ok).to.equal(true);
        expect((job.raisedException() as CommandFailedError).exitCode).to.equal(1);
        expect(shown(valuesOf(events, job))).to.deep.equal(['exit 1 null', 'exit 0 null']);
      });

      it('logic2: a critical job [true, false] in a non-critical scheduler fails the run', async () => {
        const job = new SshJob(node(), ['true', 'false'], { critical: true });
        const { ok, scheduler } = await runJobs([job], { critical: false });
        expect(ok).to.equal(false);
        expect(scheduler.failedCritical()).to.equal(true);
        expect(scheduler.why()).to.contain('false');
      });

      it('passes variables from job to job through a shared Variables', async () => {
        const variables = new Variables();
        const n = node();
        const first = new SshJob(n, new Run('echo produced', { capture: 'value' }), { variables });
        const second = new SshJob(n, new Run('echo "got {{value}}"'), { variables, requires: first });
        const { ok, events } = await runJobs([new Sequence(first, second)]);
        expect(ok).to.equal(true);
        expect(shown(valuesOf(events, second))).to.deep.equal(['stdout:got produced', 'exit 0 null']);
      });

      it("a critical failure aborts the scheduler and kills the other jobs' processes", async () => {
        const m = marker();
        const sleeper = new SshJob(node(), `echo started; sleep ${m}`, { label: 'sleeper' });
        // fails once the sleeper's process runs ([p]: its own command line does not match)
        const failing = new SshJob(
          node(),
          `i=0; while ! pgrep -f 'slee[p] ${m}' >/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; echo $i; exit 5`,
          { label: 'failing', critical: true },
        );
        const later = new SshJob(node(), 'echo never', { label: 'later', requires: failing });
        const open = await kit.connections?.();
        const { ok, events, scheduler } = await runJobs([sleeper, failing, later]);
        expect(ok).to.equal(false);
        expect(await connectionsBackTo(open), 'connections closed by the shutdown').to.equal(true);
        expect(scheduler.failedCritical()).to.equal(true);
        expect(shown(valuesOf(events, sleeper))).to.deep.equal(['stdout:started']);
        expect(sleeper.isCancelled()).to.equal(true);
        expect((failing.raisedException() as CommandFailedError).exitCode).to.equal(5);
        expect(Number(shown(valuesOf(events, failing))[0]?.replace('stdout:', ''))).to.be.below(100); // saw it
        expect(later.isIdle()).to.equal(true);
        expect(await kit.processes(`sleep ${m}`)).to.deep.equal([]);
      });

      it('cancels a forever job once the others are done; its processes are gone when orchestrate resolves', async () => {
        const m = marker();
        const variables = new Variables();
        const ticker = new SshJob(node(), `: ${m}; while true; do sleep 0.1; done`, { forever: true });
        const work = new SshJob(
          node(),
          new Run(
            `i=0; while ! pgrep -f '[:] ${m}' >/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; echo $i`,
            { capture: 'tries' },
          ),
          { variables },
        );
        const scheduler = new Scheduler([ticker, work]);
        const open = await kit.connections?.();
        expect(await scheduler.orchestrate()).to.equal(true);
        expect(await connectionsBackTo(open), 'connections closed by the shutdown').to.equal(true);
        expect(ticker.isCancelled()).to.equal(true);
        expect(work.result()).to.equal(0);
        expect(Number(variables.get('tries'))).to.be.below(100); // the ticker ran
        expect(await kit.processes(m)).to.deep.equal([]);
      });

      it('a scheduler timeout cancels a long command, and nothing survives', async () => {
        const m = marker();
        const job = new SshJob(node(), `echo started; sleep ${m}`);
        const open = await kit.connections?.();
        const { ok, events, scheduler } = await runJobs([job], { timeout: 600 });
        expect(ok).to.equal(false);
        expect(await connectionsBackTo(open), 'connections closed by the shutdown').to.equal(true);
        expect(scheduler.failedTimeout()).to.equal(true);
        expect(job.isCancelled()).to.equal(true);
        expect(shown(valuesOf(events, job))).to.deep.equal(['stdout:started']);
        expect(await kit.processes(`sleep ${m}`)).to.deep.equal([]);
      });

      it('unsubscribing from run() cancels the jobs: their processes die and the connections close', async () => {
        const m = marker();
        const open = await kit.connections?.();
        const scheduler = new Scheduler([
          new SshJob(node(), `echo started; sleep ${m}`),
          new SshJob(node(), `echo started; sleep ${m}`),
        ]);
        // the first line of output, then the subscription ends
        const first = await firstValueFrom(scheduler.run().pipe(filter((e) => e.type === 'value')));
        expect(shown([first.value as CommandEvent])).to.deep.equal(['stdout:started']);
        expect(await eventually(async () => (await kit.processes(`sleep ${m}`)).length === 0)).to.equal(true);
        expect(await connectionsBackTo(open), 'connections closed by the shutdown').to.equal(true);
      });
    });
  });
};
