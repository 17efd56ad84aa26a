// rxssh's stdin goes to the command of every host, as clush does (issue 11 §5): streamed, ended with it,
// never read from a terminal or with --no-stdin, and bounded in memory when a host reads slowly.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import {
  cliEnv,
  cliPath,
  fleetArgs,
  linesOf,
  marker,
  runCliInPty,
  shellQuote,
  sortedLines,
  startProgram,
  useCliFleet,
} from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { remoteProcesses } from '../helpers/sshd.js';

/** The RSS of process `pid` in bytes (0 once it is gone). */
const rssOf = (pid: number): number => {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
};

/** The temp dirs of rxssh's stdin under `dir`, and the modes of the files in them. */
const spoolsIn = (dir: string): { dirs: string[]; modes: number[] } => {
  const dirs = readdirSync(dir).filter((d) => d.startsWith('rxssh-stdin-'));
  const modes = dirs.flatMap((d) => {
    try {
      return readdirSync(join(dir, d)).map((f) => statSync(join(dir, d, f)).mode & 0o777);
    } catch {
      return []; // removed meanwhile
    }
  });
  return { dirs, modes };
};

describe('rxssh stdin (real hosts)', function () {
  this.timeout(60_000);
  const { fleet, all } = useCliFleet(3);

  /** rxssh with the fleet's options, its stdin a pipe left open for the test to write and end. */
  const startWithStdin = (args: readonly string[]) => {
    const child = spawn(process.execPath, [cliPath('rxssh'), ...fleetArgs(fleet()), ...args], {
      env: cliEnv({ TMPDIR: tmp }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => undefined);
    const exit = new Promise<number | null>((resolve) => child.once('close', resolve));
    return { child, exit, output: () => ({ stdout, stderr }) };
  };

  /** rxssh with the fleet's options, through `sh -c`, its stdin redirected by `redirect`. */
  const rxsshRedirected = (args: readonly string[], redirect: string) =>
    startProgram('sh', [
      '-c',
      `exec ${[process.execPath, cliPath('rxssh'), ...fleetArgs(fleet()), ...args].map(shellQuote).join(' ')} ${redirect}`,
    ]).result;

  /** A TMPDIR of its own for an rxssh, removed after the test. */
  let tmp = '';
  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'rxssh-stdin-spec-'));
  });
  afterEach(() => rm(tmp, { recursive: true, force: true }));

  /** Runs rxssh with `input` on its stdin (then closed). */
  const runCliWithInput = (args: readonly string[], input: string) =>
    startProgram(process.execPath, [cliPath('rxssh'), ...fleetArgs(fleet()), ...args], { input }).result;

  it('sends its stdin to the command of every host', async () => {
    const [a = '', b = ''] = all();
    const r = await runCliWithInput(['-t', a, '-t', b, 'cat'], 'x\nlast line, no newline');
    expect(r.code, r.stderr).to.equal(0);
    expect(sortedLines(r.stdout)).to.deep.equal([
      `${a}:last line, no newline`,
      `${a}:x`,
      `${b}:last line, no newline`,
      `${b}:x`,
    ]);
  });

  it('gives hosts that wait for their turn (-w 1) the whole of it too', async () => {
    const r = await runCliWithInput(['-w', '1', '-t', '127.0.0.[2-4]', 'cat'], 'x\ny\n');
    expect(r.code, r.stderr).to.equal(0);
    expect(sortedLines(r.stdout)).to.deep.equal(all().flatMap((h) => [`${h}:x`, `${h}:y`]));
  });

  it('streams: each host gets a line as it comes; closing stdin ends the remote stdin', async () => {
    const run = startWithStdin(['-t', '127.0.0.[2-4]', 'cat; echo end']);
    run.child.stdin.write('one\n');
    expect(
      await eventually(() => linesOf(run.output().stdout).length === 3, 10_000),
      run.output().stderr,
    ).to.equal(true);
    run.child.stdin.write('two\n');
    expect(await eventually(() => linesOf(run.output().stdout).length === 6, 10_000)).to.equal(true);
    expect(run.output().stdout).not.to.include('end');
    run.child.stdin.end();
    expect(await run.exit).to.equal(0);
    expect(sortedLines(run.output().stdout)).to.deep.equal(
      all().flatMap((h) => [`${h}:end`, `${h}:one`, `${h}:two`]),
    );
  });

  it('--no-stdin: does not read it, and closes the remote stdin at once', async () => {
    const [a = ''] = all();
    const r = await runCliWithInput(['--no-stdin', '-t', a, 'cat; echo done'], 'not for the hosts\n');
    expect(r.code, r.stderr).to.equal(0);
    expect(linesOf(r.stdout)).to.deep.equal([`${a}:done`]);
  });

  it('works with stdin from /dev/null, or closed', async () => {
    const [a = ''] = all();
    for (const redirect of ['</dev/null', '<&-']) {
      const r = await rxsshRedirected(['-t', a, 'cat; echo done'], redirect);
      expect(r.code, `${redirect}: ${r.stderr}`).to.equal(0);
      expect(linesOf(r.stdout), redirect).to.deep.equal([`${a}:done`]);
    }
  });

  it('does not read a terminal: the remote stdin is closed at once', async () => {
    const [a = ''] = all();
    const r = await runCliInPty('rxssh', [...fleetArgs(fleet()), '-q', '-t', a, 'cat; echo done'], {
      timeoutMs: 20_000,
    });
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).to.include(`${a}:done`);
  });

  it('ends when the commands end, stdin still open, and leaves no remote process', async () => {
    const mark = marker('stdin');
    const run = startWithStdin(['-t', '127.0.0.[2-4]', '--timeout', '1', `cat; echo ${mark}`]);
    run.child.stdin.write('x\n');
    const code = await Promise.race([run.exit, new Promise((r) => setTimeout(r, 15_000, 'still running'))]);
    expect(code, run.output().stderr).to.equal(1); // each host timed out, its cat killed
    expect(run.output().stderr).to.match(/3 of 3 hosts failed/);
    expect(await eventually(async () => (await remoteProcesses(mark)).length === 0)).to.equal(true);
    run.child.stdin.destroy();
  });

  it('keeps memory bounded when the hosts read slower than stdin comes (every byte delivered)', async () => {
    const size = 200 * 1024 * 1024;
    const source = spawn('head', ['-c', String(size), '/dev/zero'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const child = spawn(
      process.execPath,
      [cliPath('rxssh'), ...fleetArgs(fleet()), '-t', '127.0.0.[2-3]', 'sleep 1; wc -c'],
      { env: cliEnv(), stdio: [source.stdout, 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.resume();
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(child.pid ?? 0));
    }, 50);
    const code = await new Promise((resolve) => child.once('close', resolve)).finally(() => {
      clearInterval(sampler);
      source.kill(); // when rxssh did not read it all
    });
    expect(code).to.equal(0);
    expect(sortedLines(stdout)).to.deep.equal(['127.0.0.2', '127.0.0.3'].map((h) => `${h}:${String(size)}`));
    expect(peak / 2 ** 20, 'peak RSS (MiB)').to.be.below(200);
  });

  it('-w: keeps what waiting hosts have not read in a temp file, not in memory, and removes it', async () => {
    const size = 300 * 1024 * 1024;
    const data = join(tmp, 'data');
    await startProgram('sh', ['-c', `head -c ${String(size)} /dev/urandom > ${shellQuote(data)}`]).result;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(data)) hash.update(chunk as Buffer);
    const sum = hash.digest('hex');
    const source = spawn('cat', [data], { stdio: ['ignore', 'pipe', 'ignore'] });
    const child = spawn(
      process.execPath,
      [cliPath('rxssh'), ...fleetArgs(fleet()), '-w', '1', '-t', '127.0.0.[2-3]', 'sha256sum'],
      { env: cliEnv({ TMPDIR: tmp }), stdio: [source.stdout, 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let peak = 0;
    const modes = new Set<number>();
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(child.pid ?? 0));
      for (const mode of spoolsIn(tmp).modes) modes.add(mode);
    }, 50);
    const code = await new Promise((resolve) => child.once('close', resolve)).finally(() => {
      clearInterval(sampler);
      source.kill();
    });
    expect(code, stderr).to.equal(0);
    expect(sortedLines(stdout)).to.deep.equal(['127.0.0.2', '127.0.0.3'].map((h) => `${h}:${sum}  -`));
    expect(peak / 2 ** 20, 'peak RSS (MiB)').to.be.below(200);
    expect([...modes], 'the temp file, mode 0600').to.deep.equal([0o600]);
    expect(spoolsIn(tmp).dirs, 'temp dirs left').to.deep.equal([]);
  });

  it('-w: removes the temp file when stopped by Ctrl-C mid-run', async () => {
    const run = startWithStdin(['-w', '1', '-t', '127.0.0.[2-3]', 'cat >/dev/null']);
    const mib = Buffer.alloc(1024 * 1024, 'x');
    try {
      for (let i = 0; i < 20; i++) run.child.stdin.write(mib);
      expect(
        await eventually(() => spoolsIn(tmp).modes.length === 1, 20_000),
        `a temp file: ${run.output().stderr}`,
      ).to.equal(true);
      run.child.kill('SIGINT');
      const code = await Promise.race([run.exit, new Promise((r) => setTimeout(r, 15_000, 'still running'))]);
      expect(code, run.output().stderr).to.equal(130);
      expect(spoolsIn(tmp).dirs, 'temp dirs left').to.deep.equal([]);
    } finally {
      run.child.stdin.destroy();
      run.child.kill('SIGKILL'); // should it still run
    }
  });

  it('-w: a temp file that cannot be written fails the waiting hosts with one line; the others go on', async () => {
    const [a = '', b = ''] = all();
    const input = 'x'.repeat(20 * 1024 * 1024);
    const r = await startProgram(
      process.execPath,
      [cliPath('rxssh'), ...fleetArgs(fleet()), '-w', '1', '-t', a, '-t', b, 'wc -c'],
      { input, env: { TMPDIR: join(tmp, 'missing') } },
    ).result;
    expect(r.code, r.stderr).to.equal(1);
    expect(linesOf(r.stdout)).to.deep.equal([`${a}:${String(input.length)}`]);
    expect(r.stderr).to.match(
      /stdin could not be kept on disk for the hosts waiting their turn \(-w\): ENOENT/,
    );
    expect(r.stderr).not.to.match(/\n\s+at /); // no stack trace
  });
});
