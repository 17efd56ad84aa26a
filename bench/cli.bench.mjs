// CLI benchmark: the `rxssh` command (dist/cli/rxssh.js, one process per run, start-up included) side by side
// with parallel-ssh (pssh), clush and a bash loop of `ssh ... &`, against the same loopback fleet of private
// sshd servers as bench/ssh.bench.mjs (bench/sshd-fleet.mjs), each tool at full parallelism:
//   help    start-up: `rxssh --help` (and `rxjobs --help` when dist/cli/rxjobs.js exists) against an empty node
//   echo    `echo ok` on 200 hosts: rxssh (stdout captured, every `host:ok` line checked), a bash loop of
//           `ssh ... &`, parallel-ssh -p 200, clush -f 200
//   out     10 MiB of text output from each of 20 hosts, one file per host, every byte checked (sha256 per host):
//           rxssh -o DIR, a bash loop of `ssh host cmd > file &`, parallel-ssh -o DIR, clush --outdir (2 hosts)
//   push    a file to 20 hosts at once: rxssh push, parallel-scp, clush --copy. The hosts share one filesystem
//           and one rxssh command names one @:DIR for all, so every tool pushes into the same remote directory
//           (the copies overwrite one another; the final file is checked)
//   pull    the same file from 20 hosts at once: rxssh pull (LOCALDIR/<host>/), parallel-slurp -L,
//           clush --rcopy; every host's copy checked (sha256)
// Run with `npm run bench:cli` (builds, then `node bench/cli.bench.mjs`); Linux, OpenSSH server and client,
// pssh (parallel-ssh, parallel-scp, parallel-slurp) and clush installed (a missing tool is reported and
// skipped). Prints figures and a summary of the targets, asserts nothing.
//
// Every run of every tool is one process started from here, so that its wall time includes process start-up
// and handshakes. Tools are interleaved within each round (the order rotating), so that they share the
// machine's noise; 1 warm-up round, then the measured ones; medians. Peak RSS: single-process tools (node,
// rxssh), their own high-water mark (GNU time %M); the others, the sum of the RSS of their whole process tree
// (ssh/scp clients included), sampled every 200 ms. Every tool runs with HOME set to an empty directory and
// without SSH_AUTH_SOCK.
// Environment: CLI_BENCH_CASES=help,echo,out,push,pull picks cases; CLI_BENCH_RUNS=N (every case) or
// CLI_BENCH_RUNS=echo=5,help=30 sets the measured runs; CLI_BENCH_HOSTS=N (default 200) the fleet's size, for
// a quick smoke run (out, push and pull use at most 20 hosts); CLI_BENCH_XFER_MB the size of the pushed and
// pulled file (default 50).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const RXSSH = path.join(ROOT, 'dist', 'cli', 'rxssh.js');
const RXJOBS = path.join(ROOT, 'dist', 'cli', 'rxjobs.js');

const MB = 1024 * 1024;
const positiveInt = (text, fallback) => {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

const HOSTS = Math.min(253, positiveInt(process.env.CLI_BENCH_HOSTS, 200));
const OUT_HOSTS = Math.min(20, HOSTS);
const OUT_BYTES = 10 * MB;
const OUT_CLUSH_HOSTS = Math.min(2, HOSTS); // clush spends ~3.5 s of its own CPU per 10 MiB host
const XFER_HOSTS = Math.min(20, HOSTS);
// 20 x 200 MiB (4 GiB through SSH per run) takes ~40 s per rxssh run and over 100 s for parallel-scp on these
// 2 cores: the case would last 5 minutes. 20 x 50 MiB keeps it near a minute.
const XFER_MB = positiveInt(process.env.CLI_BENCH_XFER_MB, 50);
const XFER_BYTES = XFER_MB * MB;
const CASES = ['help', 'echo', 'out', 'push', 'pull'];
const DEFAULT_RUNS = { help: 20, echo: 3, out: 3, push: 2, pull: 2 }; // measured runs, after one warm-up
const SLOW_RUN_MS = 15_000; // a tool whose run takes longer gets no more runs in its case
const RUN_KILL_MS = 120_000;
const RSS_SAMPLE_MS = 200;
const SERVER = { maxStartups: '1000:30:1000', maxSessions: 100, kex: 'curve25519-sha256' };

const TARGET_HELP_MS = 300;

const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Measured runs per case: CLI_BENCH_RUNS=N for every case, or case=N pairs. */
function runsPerCase() {
  const runs = { ...DEFAULT_RUNS };
  const spec = (process.env.CLI_BENCH_RUNS ?? '').trim();
  if (spec === '') return runs;
  if (/^\d+$/.test(spec)) {
    for (const key of CASES) runs[key] = positiveInt(spec, runs[key]);
    return runs;
  }
  for (const pair of spec.split(',')) {
    const [key, value] = pair.split('=').map((s) => s.trim());
    if (key in runs) runs[key] = positiveInt(value, runs[key]);
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------------------
// Processes, their wall time, CPU and peak RSS

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length === 0 ? undefined : s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The RSS (kB) of `pid` and every process below it, from /proc. */
function treeRssKb(pid) {
  let total = 0;
  const queue = [pid];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+)/.exec(status);
      if (m) total += Number(m[1]);
      for (const task of fs.readdirSync(`/proc/${p}/task`)) {
        const children = fs.readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        if (children !== '') queue.push(...children.split(' ').map(Number));
      }
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** The process groups of the runs under way, killed on Ctrl-C; once stopping, no run starts. */
const liveGroups = new Set();
const state = { stopping: false, rusageDir: os.tmpdir() };
const killGroup = (pid) => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone
  }
};

/**
 * Runs a program to its end in its own process group (killed after RUN_KILL_MS): wall time from spawn to
 * exit, CPU of the process and its descendants and the maxrss of the largest of them (GNU time), peak RSS of
 * its tree (sampled), its stdout (when `capture`) and the tail of its stderr.
 */
let rusageSerial = 0;
function runProcess(file, args, { capture = false, env } = {}) {
  return new Promise((resolve) => {
    if (state.stopping) {
      resolve({ wallMs: 0, code: -1, signal: null, stdout: '', stderr: 'stopping', peakTreeKb: 0 });
      return;
    }
    const rusageFile =
      TIME === undefined ? undefined : path.join(state.rusageDir, `rusage-${++rusageSerial}`);
    const command =
      rusageFile === undefined ? [file, ...args] : [TIME, '-f', '%U %S %M', '-o', rusageFile, file, ...args];
    const t0 = performance.now();
    const proc = spawn(command[0], command.slice(1), {
      stdio: ['ignore', capture ? 'pipe' : 'ignore', 'pipe'],
      detached: true,
      env: env ?? process.env,
    });
    if (proc.pid !== undefined) liveGroups.add(proc.pid);
    let stdout = '';
    let stderr = '';
    let wallMs;
    let exit;
    let peakKb = 0;
    let killed = false;
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const sample = () => {
      if (proc.pid !== undefined && exit === undefined) peakKb = Math.max(peakKb, treeRssKb(proc.pid));
    };
    const sampler = setInterval(sample, RSS_SAMPLE_MS);
    const first = setTimeout(sample, 50);
    const killer = setTimeout(() => {
      killed = true;
      killGroup(proc.pid);
    }, RUN_KILL_MS);
    const stop = () => {
      clearInterval(sampler);
      clearTimeout(first);
      clearTimeout(killer);
    };
    proc.on('exit', (code, signal) => {
      wallMs = performance.now() - t0;
      exit = { code, signal };
      stop();
      // what the run left behind in its group (none expected) goes with it
      killGroup(proc.pid);
      liveGroups.delete(proc.pid);
    });
    proc.on('close', () => {
      let cpuMs;
      let maxRssKb;
      if (rusageFile !== undefined) {
        try {
          const [user, system, maxrss] = fs
            .readFileSync(rusageFile, 'utf8')
            .trim()
            .split('\n')
            .at(-1)
            .split(' ')
            .map(Number);
          if (Number.isFinite(user) && Number.isFinite(system)) cpuMs = (user + system) * 1000;
          if (Number.isFinite(maxrss)) maxRssKb = maxrss;
        } catch {
          // no figure
        }
        fs.rmSync(rusageFile, { force: true });
      }
      if (killed) stderr += `\nkilled after ${RUN_KILL_MS / 1000} s`;
      // GNU time reports a killed or failing program as "Command exited with non-zero status N" first
      resolve({ wallMs, ...exit, stdout, stderr, peakTreeKb: peakKb, maxRssKb, cpuMs });
    });
    proc.on('error', (e) => {
      stop();
      liveGroups.delete(proc.pid);
      resolve({
        wallMs: performance.now() - t0,
        code: -1,
        signal: null,
        stdout,
        stderr: e.message,
        peakTreeKb: 0,
      });
    });
  });
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/**
 * CPU (ms) used by the fleet's sshd: the listeners' own and that of every finished connection, which the
 * listener reaps (the connection's sshd reaps its session shells in turn, so theirs is included).
 */
function serverCpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
    } catch {
      // gone
    }
  }
  return (ticks * 1000) / CLK_TCK;
}

/** Waits (at most 2 s) until the fleet has no connection processes left, so that runs do not overlap. */
async function quiesce(fleet, descendants) {
  for (let i = 0; i < 100 && descendants(fleet.sshdPids()).length > 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
}

const sha256File = (file) => {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(4 * MB);
    for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer))
      hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
};
const resetDir = (dir) => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
};
const shQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const tailOf = (text) => text.trim().split('\n').slice(-2).join(' | ');
const version = (cmd, args, pattern) => {
  const out = spawnSync(cmd, args, { encoding: 'utf8' });
  if (out.error !== undefined) return 'not installed';
  const text = `${out.stdout ?? ''}${out.stderr ?? ''}`;
  return (pattern.exec(text)?.[1] ?? text.trim().split('\n')[0]) || '?';
};
const readVersion = (p) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, p), 'utf8')).version;
  } catch {
    return '?';
  }
};
/** The program's path on PATH, or undefined. */
const which = (name) =>
  (process.env.PATH ?? '')
    .split(':')
    .filter(Boolean)
    .map((d) => path.join(d, name))
    .find((p) => {
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return fs.statSync(p).isFile();
      } catch {
        return false;
      }
    });
/** The newest modification time (ms) of the .ts files under `dir`. */
const newestTs = (dir) => {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile() && entry.name.endsWith('.ts'))
      newest = Math.max(newest, fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  return newest;
};

// ---------------------------------------------------------------------------------------------------------
// The tools of each case. Each tool: { name, needs: [programs], run(round) -> { wallMs, peakRssKb, ok,
// problem } }; `hosts` when it works on fewer hosts than the others (no ratio then).

function tools(ctx) {
  const { fleet, work, env } = ctx;
  const results = {};

  // ---- start-up: --help
  const helpRun = (args, expect) => async () => {
    const r = await runProcess(process.execPath, args, { capture: true, env });
    const problem =
      r.code !== 0
        ? `exit ${r.signal ?? r.code}: ${tailOf(r.stderr)}`
        : expect.test(r.stdout)
          ? undefined
          : `unexpected output: ${r.stdout.slice(0, 80)}`;
    return { ...r, peakRssKb: r.maxRssKb ?? r.peakTreeKb, ok: problem === undefined, problem };
  };
  results.help = {
    title: 'start-up: --help, one process per run',
    reference: 'node (empty script)',
    unitName: 'wall ms',
    unit: (r) => r.wallMs,
    tools: [
      { name: 'node (empty script)', needs: [], run: helpRun(['-e', ''], /^$/) },
      { name: 'rxssh --help', needs: [RXSSH], run: helpRun([RXSSH, '--help'], /^Usage: rxssh /) },
      { name: 'rxjobs --help', needs: [RXJOBS], run: helpRun([RXJOBS, '--help'], /rxjobs/) },
    ],
  };
  if (fleet === undefined) return results;

  const sshOptions = [
    '-F',
    '/dev/null',
    '-i',
    fleet.clientKey,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${fleet.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
  ];
  const sshArgs = [...sshOptions, '-p', String(fleet.port)];
  const sshLine = sshArgs.map(shQuote).join(' ');
  // clush gives its -o options to ssh and to scp (whose -p is not the port): the port as an option
  const clushOptions = [...sshOptions, '-o', `Port=${fleet.port}`].map(shQuote).join(' ');
  const rxsshOptions = [
    '-F',
    'none',
    '-i',
    fleet.clientKey,
    '-O',
    `UserKnownHostsFile=${fleet.knownHosts}`,
    '-O',
    'StrictHostKeyChecking=yes',
    '-O',
    'IdentitiesOnly=yes',
    '-l',
    fleet.user,
    '-p',
    String(fleet.port),
  ];
  const user = fleet.user;
  const echoHosts = fleet.hosts.slice(0, HOSTS);
  const outHosts = fleet.hosts.slice(0, OUT_HOSTS);
  const xferHosts = fleet.hosts.slice(0, XFER_HOSTS);
  const nodeSet = (hosts) => {
    const first = hosts[0].address.split('.')[3];
    const last = hosts.at(-1).address.split('.')[3];
    return hosts.length === 1 ? hosts[0].address : hosts[0].address.replace(/\d+$/, `[${first}-${last}]`);
  };
  const hostsFile = (name, hosts) => {
    const file = path.join(work, name);
    fs.writeFileSync(file, hosts.map((h) => `${user}@${h.address}:${h.port}\n`).join(''));
    return file;
  };
  const psshName = (h) => `${user}@${h.address}:${h.port}`; // parallel-ssh names its files by host line
  const echoHostsFile = hostsFile('hosts-echo.txt', echoHosts);
  const outHostsFile = hostsFile('hosts-out.txt', outHosts);
  const xferHostsFile = hostsFile('hosts-xfer.txt', xferHosts);

  const rxssh = (args, options) =>
    runProcess(process.execPath, [RXSSH, ...args], { capture: true, env, ...options });
  const bash = (script, args, options) =>
    runProcess('/bin/bash', ['-c', script, 'bench', ...args], { env, ...options });
  const tool = (program, args, options) => runProcess(program, args, { env, ...options });
  const finish = (r, problem, ownRss = false) => ({
    ...r,
    peakRssKb: ownRss ? Math.max(r.maxRssKb ?? 0, r.peakTreeKb) : r.peakTreeKb,
    ok: problem === undefined,
    problem,
  });
  const exitProblem = (r) => (r.code !== 0 ? `exit ${r.signal ?? r.code}: ${tailOf(r.stderr)}` : undefined);
  // a bash loop of `ssh ... &`, each to its own file; exits with the number of failed ssh
  const loopScript = (command, outDir) =>
    `pids=(); for h in "$@"; do ssh ${sshLine} ${user}@"$h" ${shQuote(command)} > ${shQuote(outDir)}/"$h" & pids+=($!); done; ` +
    'failed=0; for p in "${pids[@]}"; do wait "$p" || failed=$((failed+1)); done; exit $failed';
  const checkFiles = (dir, hosts, expect, name = (h) => h.address) => {
    const bad = hosts.filter((h) => {
      try {
        return !expect(path.join(dir, name(h)));
      } catch {
        return true;
      }
    });
    return bad.length === 0 ? undefined : `${bad.length} hosts with wrong output (first ${bad[0].address})`;
  };

  // ---- echo on every host
  const echoDir = path.join(work, 'echo');
  const isOk = (file) => fs.readFileSync(file, 'utf8') === 'ok\n';
  /** rxssh's default output: `host:line`, the host padded to the longest label; every host exactly once. */
  const checkHostLines = (stdout, hosts) => {
    const lines = stdout.split('\n');
    if (lines.at(-1) === '') lines.pop();
    const seen = new Map();
    const bad = [];
    for (const line of lines) {
      const m = /^(\S+?)\s*:(.*)$/.exec(line);
      if (m === null || m[2] !== 'ok') bad.push(line);
      else seen.set(m[1], (seen.get(m[1]) ?? 0) + 1);
    }
    const missing = hosts.filter((h) => seen.get(h.address) !== 1);
    if (lines.length === hosts.length && bad.length === 0 && missing.length === 0) return undefined;
    return (
      `${lines.length} lines for ${hosts.length} hosts, ${bad.length} not host:ok` +
      `${bad.length > 0 ? ` (first ${JSON.stringify(bad[0].slice(0, 60))})` : ''}, ` +
      `${missing.length} hosts not exactly once${missing.length > 0 ? ` (first ${missing[0].address})` : ''}`
    );
  };
  results.echo = {
    title: `echo ok on ${HOSTS} hosts, full parallelism`,
    reference: 'bash loop ssh &',
    tools: [
      {
        name: 'rxssh',
        needs: [RXSSH],
        run: async () => {
          const r = await rxssh([
            '-w',
            String(HOSTS),
            '-t',
            nodeSet(echoHosts),
            ...rxsshOptions,
            'echo',
            'ok',
          ]);
          return finish(r, exitProblem(r) ?? checkHostLines(r.stdout, echoHosts), true);
        },
      },
      {
        name: 'bash loop ssh &',
        needs: ['ssh'],
        run: async () => {
          resetDir(echoDir);
          const r = await bash(
            loopScript('echo ok', echoDir),
            echoHosts.map((h) => h.address),
          );
          return finish(
            r,
            r.code !== 0 ? `${r.code} ssh failed: ${tailOf(r.stderr)}` : checkFiles(echoDir, echoHosts, isOk),
          );
        },
      },
      {
        name: 'parallel-ssh',
        needs: ['parallel-ssh', 'ssh'],
        run: async () => {
          resetDir(echoDir);
          const r = await tool('parallel-ssh', [
            '-h',
            echoHostsFile,
            '-p',
            String(HOSTS),
            '-t',
            '0',
            '-o',
            echoDir,
            '-x',
            sshOptions.map(shQuote).join(' '),
            'echo ok',
          ]);
          return finish(r, exitProblem(r) ?? checkFiles(echoDir, echoHosts, isOk, psshName));
        },
      },
      {
        name: 'clush',
        needs: ['clush', 'ssh'],
        run: async () => {
          const r = await tool(
            'clush',
            ['-f', String(HOSTS), '-S', '-l', user, '-o', clushOptions, '-w', nodeSet(echoHosts), 'echo ok'],
            { capture: true },
          );
          const got = new Set(
            r.stdout
              .split('\n')
              .filter((l) => l.endsWith(': ok'))
              .map((l) => l.slice(0, -4)),
          );
          const missing = echoHosts.filter((h) => !got.has(h.address)).length;
          return finish(r, exitProblem(r) ?? (missing > 0 ? `${missing} hosts missing` : undefined));
        },
      },
    ],
  };

  // ---- 10 MiB of output from each of 20 hosts, a file per host
  const outDir = path.join(work, 'out');
  const outCommand = `cat ${shQuote(ctx.outFile)}`;
  const outOk = (file) => sha256File(file) === ctx.outSha256;
  results.out = {
    title:
      `10 MiB of output (${Math.round(OUT_BYTES / 77 / 1000)}k lines) from each of ${OUT_HOSTS} hosts, ` +
      'to a file per host',
    reference: 'bash loop ssh > f &',
    tools: [
      {
        name: 'rxssh -o',
        needs: [RXSSH],
        run: async () => {
          resetDir(outDir);
          const r = await rxssh([
            '-w',
            String(OUT_HOSTS),
            '-o',
            outDir,
            '-t',
            nodeSet(outHosts),
            ...rxsshOptions,
            'cat',
            ctx.outFile,
          ]);
          const errFiles = outHosts.filter((h) => {
            const err = path.join(outDir, `${h.address}.err`);
            return fs.existsSync(err) && fs.statSync(err).size > 0;
          });
          const problem =
            exitProblem(r) ??
            checkFiles(outDir, outHosts, outOk) ??
            (errFiles.length > 0 ? `${errFiles.length} non-empty .err files` : undefined) ??
            (r.stdout.trim() === outDir ? undefined : `stdout ${JSON.stringify(r.stdout.slice(0, 80))}`);
          return finish(r, problem, true);
        },
      },
      {
        name: 'bash loop ssh > f &',
        needs: ['ssh'],
        run: async () => {
          resetDir(outDir);
          const r = await bash(
            loopScript(outCommand, outDir),
            outHosts.map((h) => h.address),
          );
          return finish(
            r,
            r.code !== 0 ? `${r.code} ssh failed: ${tailOf(r.stderr)}` : checkFiles(outDir, outHosts, outOk),
          );
        },
      },
      {
        name: 'parallel-ssh -o',
        needs: ['parallel-ssh', 'ssh'],
        run: async () => {
          resetDir(outDir);
          const r = await tool('parallel-ssh', [
            '-h',
            outHostsFile,
            '-p',
            String(OUT_HOSTS),
            '-t',
            '0',
            '-o',
            outDir,
            '-x',
            sshOptions.map(shQuote).join(' '),
            outCommand,
          ]);
          return finish(r, exitProblem(r) ?? checkFiles(outDir, outHosts, outOk, psshName));
        },
      },
      {
        name: `clush --outdir (${OUT_CLUSH_HOSTS} hosts)`,
        needs: ['clush', 'ssh'],
        hosts: OUT_CLUSH_HOSTS,
        run: async () => {
          resetDir(outDir);
          const hosts = outHosts.slice(0, OUT_CLUSH_HOSTS);
          const r = await tool('clush', [
            '-f',
            String(OUT_HOSTS),
            '-S',
            '-l',
            user,
            '-o',
            clushOptions,
            '-w',
            nodeSet(hosts),
            '--outdir',
            outDir,
            outCommand,
          ]);
          return finish(r, exitProblem(r) ?? checkFiles(outDir, hosts, outOk));
        },
      },
    ],
  };

  // ---- push and pull of a file, 20 hosts at once
  const pushDir = path.join(fleet.dir, 'push-dest'); // "remote": the sshd's side of the same machine
  const pullDir = path.join(work, 'pull-dest');
  const remoteBig = path.join(fleet.dir, 'remote-big.bin');
  const bigName = path.basename(ctx.bigFile ?? 'big.bin'); // no file when push and pull are not run
  const remoteName = path.basename(remoteBig);
  const throughput = (r) => (XFER_HOSTS * XFER_BYTES) / MB / (r.wallMs / 1000);
  /** The pushed file, alone in the remote directory (no temp file left), byte for byte. */
  const checkPushed = () => {
    const names = fs.readdirSync(pushDir);
    if (names.length !== 1 || names[0] !== bigName)
      return `remote dir holds ${JSON.stringify(names.slice(0, 4))}${names.length > 4 ? '...' : ''}`;
    return sha256File(path.join(pushDir, bigName)) === ctx.bigSha256 ? undefined : 'the copy differs';
  };
  const checkPulled = (name) =>
    checkFiles(pullDir, xferHosts, (file) => sha256File(file) === ctx.bigSha256, name);
  results.push = {
    title: `push a ${XFER_MB} MiB file to ${XFER_HOSTS} hosts at once (one remote directory, shared)`,
    reference: 'parallel-scp',
    unitName: 'MiB/s',
    unit: throughput,
    tools: [
      {
        name: 'rxssh push',
        needs: [RXSSH],
        run: async () => {
          resetDir(pushDir);
          const r = await rxssh([
            'push',
            '-w',
            String(XFER_HOSTS),
            '-t',
            nodeSet(xferHosts),
            ...rxsshOptions,
            ctx.bigFile,
            `@:${pushDir}`,
          ]);
          return finish(r, exitProblem(r) ?? checkPushed(), true);
        },
      },
      {
        name: 'parallel-scp',
        needs: ['parallel-scp', 'scp'],
        run: async () => {
          resetDir(pushDir);
          const r = await tool('parallel-scp', [
            '-h',
            xferHostsFile,
            '-p',
            String(XFER_HOSTS),
            '-t',
            '0',
            '-x',
            sshOptions.map(shQuote).join(' '),
            ctx.bigFile,
            `${pushDir}/`,
          ]);
          return finish(r, exitProblem(r) ?? checkPushed());
        },
      },
      {
        name: 'clush --copy',
        needs: ['clush', 'scp'],
        run: async () => {
          resetDir(pushDir);
          const r = await tool('clush', [
            '-f',
            String(XFER_HOSTS),
            '-S',
            '-l',
            user,
            '-o',
            clushOptions,
            '-w',
            nodeSet(xferHosts),
            '--copy',
            ctx.bigFile,
            '--dest',
            `${pushDir}/`,
          ]);
          return finish(r, exitProblem(r) ?? checkPushed());
        },
      },
    ],
  };
  results.pull = {
    title: `pull a ${XFER_MB} MiB file from ${XFER_HOSTS} hosts at once (a local file per host)`,
    reference: 'parallel-slurp',
    unitName: 'MiB/s',
    unit: throughput,
    prepare: () => {
      if (!fs.existsSync(remoteBig)) fs.copyFileSync(ctx.bigFile, remoteBig);
    },
    tools: [
      {
        name: 'rxssh pull',
        needs: [RXSSH],
        run: async () => {
          resetDir(pullDir);
          const r = await rxssh([
            'pull',
            '-w',
            String(XFER_HOSTS),
            '-t',
            nodeSet(xferHosts),
            ...rxsshOptions,
            `@:${remoteBig}`,
            pullDir,
          ]);
          // one host: LOCALDIR itself; several: LOCALDIR/<host>/
          const name = (h) => (XFER_HOSTS === 1 ? remoteName : path.join(h.address, remoteName));
          return finish(r, exitProblem(r) ?? checkPulled(name), true);
        },
      },
      {
        name: 'parallel-slurp',
        needs: ['parallel-slurp', 'scp'],
        run: async () => {
          resetDir(pullDir);
          const r = await tool('parallel-slurp', [
            '-h',
            xferHostsFile,
            '-p',
            String(XFER_HOSTS),
            '-t',
            '0',
            '-x',
            sshOptions.map(shQuote).join(' '),
            '-L',
            pullDir,
            remoteBig,
            remoteName,
          ]);
          return finish(
            r,
            exitProblem(r) ?? checkPulled((h) => path.join(`${h.address}:${h.port}`, remoteName)),
          );
        },
      },
      {
        name: 'clush --rcopy',
        needs: ['clush', 'scp'],
        run: async () => {
          resetDir(pullDir);
          const r = await tool('clush', [
            '-f',
            String(XFER_HOSTS),
            '-S',
            '-l',
            user,
            '-o',
            clushOptions,
            '-w',
            nodeSet(xferHosts),
            '--rcopy',
            remoteBig,
            '--dest',
            pullDir,
          ]);
          return finish(r, exitProblem(r) ?? checkPulled((h) => `${remoteName}.${h.address}`));
        },
      },
    ],
  };
  return results;
}

// ---------------------------------------------------------------------------------------------------------

const fmt = (x, digits) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
const fmtRatio = (x) => (x === undefined || Number.isNaN(x) ? '-' : `${x.toFixed(2)}x`);

const COLUMNS = [
  ['tool', 26, 'l'],
  ['wall s', 7, 'r'],
  ['min-max s', 11, 'r'],
  ['unit', 8, 'r'],
  ['CPU s', 6, 'r'],
  ['sshd CPU s', 10, 'r'],
  ['peak RSS MB', 11, 'r'],
  ['vs ref', 7, 'r'],
  ['runs', 4, 'r'],
  ['check', 5, 'l'],
];
const row = (cells) =>
  cells
    .map((cell, k) => {
      const [, width, align] = COLUMNS[k];
      return align === 'l' ? String(cell).padEnd(width) : String(cell).padStart(width);
    })
    .join('  ');

async function parent() {
  const began = performance.now();
  const log = (line = '') => {
    console.log(line);
  };
  const cpus = os.cpus();
  const only = (process.env.CLI_BENCH_CASES ?? CASES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => CASES.includes(s));
  const runs = runsPerCase();
  log('rxssh CLI benchmark');
  log(
    `node ${process.version} (${process.platform}/${process.arch}), ${cpus.length} cores` +
      `${cpus[0] === undefined ? '' : ` (${cpus[0].model.trim()})`}, ${Math.round(os.totalmem() / MB / 1024)} GB; ` +
      `rxjobs ${readVersion('package.json')} (dist/), ssh2 ${readVersion('node_modules/ssh2/package.json')}, ` +
      `rxjs ${readVersion('node_modules/rxjs/package.json')}`,
  );
  log(
    `${version('ssh', ['-V'], /(OpenSSH_\S+)/)}, parallel-ssh ${version('parallel-ssh', ['--version'], /(\S+)/)} ` +
      `(parallel-scp, parallel-slurp: ${which('parallel-scp') && which('parallel-slurp') ? 'installed' : 'not installed'}), ` +
      `clush ${version('clush', ['--version'], /clush (\S+)/)}, GNU time ${TIME === undefined ? 'missing (no CPU figures)' : 'yes'}`,
  );
  log(
    `load average (1 min) at start: ${os.loadavg()[0].toFixed(2)} (figures are unreliable when it exceeds the cores)`,
  );
  if (!fs.existsSync(RXSSH)) {
    log('dist/cli/rxssh.js is missing: run `npm run build` first');
    process.exitCode = 1;
    return;
  }
  const built = fs.statSync(RXSSH).mtimeMs;
  if (newestTs(path.join(ROOT, 'lib')) > built)
    log('warning: lib/ has .ts files newer than dist/cli/rxssh.js: dist/ may be stale (`npm run build`)');
  log(`cases: ${only.join(', ')}; measured runs: ${only.map((k) => `${k} ${runs[k]}`).join(', ')}`);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjobs-bench-cli-'));
  const home = path.join(work, 'home'); // the empty HOME of every tool run
  fs.mkdirSync(home);
  state.rusageDir = work;
  const env = { ...process.env, HOME: home };
  delete env.SSH_AUTH_SOCK;
  let fleet;
  let descendants;
  let cleaned;
  const cleanup = () => {
    cleaned ??= (async () => {
      for (const pid of liveGroups) killGroup(pid);
      await fleet?.stop();
      fs.rmSync(work, { recursive: true, force: true });
    })();
    return cleaned;
  };
  const onSignal = (signal, code) => {
    process.once(signal, () => {
      state.stopping = true;
      console.log(`\n${signal}: stopping, cleaning up`);
      void cleanup().then(() => process.exit(code));
    });
  };
  onSignal('SIGINT', 130);
  onSignal('SIGTERM', 143);
  onSignal('SIGHUP', 129);
  try {
    const needFleet = only.some((k) => k !== 'help');
    const ctx = { work, env };
    if (needFleet) {
      const t0 = performance.now();
      const mod = await import('./sshd-fleet.mjs');
      descendants = mod.descendants;
      try {
        fleet = await mod.startFleet({ hosts: HOSTS, ...SERVER });
      } catch (e) {
        log(`no fleet: ${e instanceof Error ? e.message : String(e)}`);
        process.exitCode = 1;
        return;
      }
      ctx.fleet = fleet;
      log(
        `fleet: ${HOSTS} hosts ${fleet.hosts[0].address}-${fleet.hosts.at(-1).address.split('.')[3]} on port ${fleet.port}, ` +
          `${fleet.sshdPids().length} sshd, MaxStartups ${SERVER.maxStartups}, MaxSessions ${SERVER.maxSessions}, ` +
          `KexAlgorithms ${SERVER.kex}, empty HOME; started in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      // data: 10 MiB of base64 text lines (76 characters + \n, the last one shorter; a final \n, since clush
      // adds one where it is missing), and the random bytes to push and pull
      if (only.includes('out')) {
        ctx.outFile = path.join(work, 'out-10MiB.txt');
        spawnSync('/bin/bash', [
          '-c',
          `head -c ${Math.ceil((OUT_BYTES * 3) / 4) + 1000} /dev/urandom | base64 -w 76 | head -c ${OUT_BYTES - 1} > ${shQuote(ctx.outFile)}; ` +
            `echo >> ${shQuote(ctx.outFile)}`,
        ]);
        ctx.outSha256 = sha256File(ctx.outFile);
      }
      if (only.includes('push') || only.includes('pull')) {
        ctx.bigFile = path.join(work, `big-${XFER_MB}MiB.bin`);
        spawnSync('/bin/bash', ['-c', `head -c ${XFER_BYTES} /dev/urandom > ${shQuote(ctx.bigFile)}`]);
        ctx.bigSha256 = sha256File(ctx.bigFile);
      }
      log(
        'client options: ssh/scp/pssh/clush -F /dev/null -i key -o IdentitiesOnly=yes -o UserKnownHostsFile=<fleet> ' +
          '-o StrictHostKeyChecking=yes -o BatchMode=yes (clush: -o Port=N, for its scp too); rxssh -F none -i key ' +
          '-O UserKnownHostsFile=<fleet> -O StrictHostKeyChecking=yes -O IdentitiesOnly=yes -l user -p port; every ' +
          'tool with HOME an empty dir and no SSH_AUTH_SOCK; parallel-scp and parallel-slurp run `scp -qC` ' +
          '(compression on: their own, fixed choice)',
      );
    }
    log(
      'figures: medians over the measured runs after 1 warm-up, tools interleaved within each round (order ' +
        'rotating); wall = process start to exit; CPU: user + system of the process and its descendants (GNU time); ' +
        "sshd CPU: the servers' (all sshd processes, shells included); peak RSS: node and rxssh their own maxrss, " +
        'others the sum over their process tree (sampled); vs ref: wall / reference wall (MiB/s: throughput / ' +
        "reference's); MiB/s: hosts x file size / wall",
    );
    if (only.includes('push') || only.includes('pull'))
      log(
        `push/pull: ${XFER_HOSTS} x ${XFER_MB} MiB per run` +
          (XFER_MB < 200 ? ' (not 200 MiB: 20 x 200 MiB takes minutes per case on 2 cores)' : ''),
      );

    const cases = tools(ctx);
    const summaries = {};
    for (const key of CASES) {
      if (!only.includes(key)) continue;
      const c = cases[key];
      c.prepare?.();
      log('');
      log(`${key}: ${c.title}`);
      const available = c.tools.filter((t) =>
        t.needs.every((p) => (path.isAbsolute(p) ? fs.existsSync(p) : which(p))),
      );
      log(row(COLUMNS.map(([name]) => (name === 'unit' ? (c.unitName ?? '') : name))));
      log(row(COLUMNS.map(([, width]) => '-'.repeat(width))));
      const results = new Map(available.map((t) => [t.name, []]));
      const slow = new Set();
      const rounds = runs[key] + 1;
      for (let round = 0; round < rounds; round++) {
        const order = available.map((_, k) => available[(k + round) % available.length]);
        for (const t of order) {
          if (slow.has(t.name) || state.stopping) continue;
          const server = key === 'help' ? undefined : fleet;
          const cpuBefore = server === undefined ? 0 : serverCpuMs(server.sshdPids());
          const r = await t.run(round);
          if (server !== undefined) {
            await quiesce(server, descendants);
            r.serverCpuMs = serverCpuMs(server.sshdPids()) - cpuBefore;
          }
          r.round = round;
          results.get(t.name).push(r);
          if (state.stopping) break;
          if (!r.ok) log(`FAIL ${key} ${t.name} ${round === 0 ? 'warm-up' : `run ${round}`}: ${r.problem}`);
          if (r.wallMs > SLOW_RUN_MS && round < rounds - 1) {
            slow.add(t.name);
            log(`SLOW ${key} ${t.name}: ${(r.wallMs / 1000).toFixed(1)} s, no more runs`);
          }
        }
      }
      if (state.stopping) return;
      const summary = {};
      for (const t of available) {
        const all = results.get(t.name);
        const measured = all.filter((r) => r.round > 0);
        const used = measured.length > 0 ? measured : all;
        if (used.length === 0) continue;
        const walls = used.map((r) => r.wallMs);
        summary[t.name] = {
          wallMs: median(walls),
          minMs: Math.min(...walls),
          maxMs: Math.max(...walls),
          unit: c.unit ? median(used.map(c.unit).filter((x) => Number.isFinite(x))) : undefined,
          cpuMs: median(used.map((r) => r.cpuMs).filter((x) => Number.isFinite(x))),
          serverCpuMs: median(used.map((r) => r.serverCpuMs).filter((x) => Number.isFinite(x))),
          peakRssMb: median(used.map((r) => r.peakRssKb / 1024)),
          count: measured.length > 0 ? String(measured.length) : 'w-up',
          ok: all.every((r) => r.ok),
          hosts: t.hosts,
        };
      }
      const ref = summary[c.reference];
      for (const t of c.tools) {
        const s = summary[t.name];
        if (s === undefined) {
          log(`${t.name.padEnd(COLUMNS[0][1])}  not installed (${t.needs.join(', ')}): skipped`);
          continue;
        }
        s.ratio =
          ref === undefined || t.name === c.reference || !s.ok || !ref.ok || t.hosts !== undefined
            ? undefined
            : c.unitName === 'MiB/s'
              ? s.unit / ref.unit
              : s.wallMs / ref.wallMs;
        log(
          row([
            t.name,
            fmt(s.wallMs / 1000, 2),
            `${fmt(s.minMs / 1000, 2)}-${fmt(s.maxMs / 1000, 2)}`,
            s.unit === undefined ? '' : fmt(s.unit, 0),
            fmt(s.cpuMs === undefined ? undefined : s.cpuMs / 1000, 2),
            fmt(s.serverCpuMs === undefined ? undefined : s.serverCpuMs / 1000, 2),
            fmt(s.peakRssMb, 0),
            fmtRatio(s.ratio),
            s.count,
            s.ok ? 'ok' : 'FAIL',
          ]),
        );
      }
      summaries[key] = summary;
    }

    // ---- targets
    let met = 0;
    let count = 0;
    const verdict = (label, text, ok) => {
      count++;
      if (ok === true) met++;
      log(`  ${label.padEnd(56)} ${text.padStart(24)}  ${ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS'}`);
    };
    const secs = (s) => `${fmt(s?.wallMs === undefined ? undefined : s.wallMs / 1000, 2)} s`;
    /** rxssh's median wall below the peer's, rxssh's check passed (n/a when either did not run). */
    const faster = (key, rxName, peerName, label) => {
      const rx = summaries[key]?.[rxName];
      const peer = summaries[key]?.[peerName];
      const note = rx !== undefined && !rx.ok ? ' (rxssh check FAILED)' : '';
      verdict(
        `${label}${note}`,
        `${secs(rx)} vs ${peer === undefined ? 'n/a' : secs(peer)}`,
        rx === undefined || peer === undefined ? undefined : rx.ok && rx.wallMs < peer.wallMs,
      );
    };
    log('');
    log(`targets (rxssh; load average (1 min) now ${os.loadavg()[0].toFixed(2)}):`);
    if (summaries.help) {
      const rx = summaries.help['rxssh --help'];
      verdict(
        `rxssh --help: start-up <= ${TARGET_HELP_MS} ms`,
        `${fmt(rx?.wallMs, 0)} ms`,
        rx === undefined ? undefined : rx.ok && rx.wallMs <= TARGET_HELP_MS,
      );
    }
    if (summaries.echo) {
      faster('echo', 'rxssh', 'parallel-ssh', `echo ${HOSTS} hosts: rxssh faster than parallel-ssh`);
      faster('echo', 'rxssh', 'clush', `echo ${HOSTS} hosts: rxssh faster than clush`);
    }
    if (summaries.out) {
      faster(
        'out',
        'rxssh -o',
        'parallel-ssh -o',
        `out ${OUT_HOSTS} x 10 MiB: rxssh faster than parallel-ssh`,
      );
      faster(
        'out',
        'rxssh -o',
        `clush --outdir (${OUT_CLUSH_HOSTS} hosts)`,
        `out: rxssh (${OUT_HOSTS} hosts) faster than clush (${OUT_CLUSH_HOSTS} hosts)`,
      );
    }
    if (summaries.push) {
      faster(
        'push',
        'rxssh push',
        'parallel-scp',
        `push ${XFER_HOSTS} x ${XFER_MB} MiB: faster than parallel-scp`,
      );
      faster(
        'push',
        'rxssh push',
        'clush --copy',
        `push ${XFER_HOSTS} x ${XFER_MB} MiB: faster than clush --copy`,
      );
    }
    if (summaries.pull) {
      faster(
        'pull',
        'rxssh pull',
        'parallel-slurp',
        `pull ${XFER_HOSTS} x ${XFER_MB} MiB: faster than parallel-slurp`,
      );
      faster(
        'pull',
        'rxssh pull',
        'clush --rcopy',
        `pull ${XFER_HOSTS} x ${XFER_MB} MiB: faster than clush --rcopy`,
      );
    }
    log(
      `  ${met} of ${count} targets met; bench took ${((performance.now() - began) / 1000).toFixed(1)} s, ` +
        `load average (1 min) at end: ${os.loadavg()[0].toFixed(2)}`,
    );
  } finally {
    await cleanup();
  }
}

await parent();
