// SSH benchmark: rxjobs' SshNode (from the built dist/) side by side with OpenSSH's own tools, against the same
// loopback fleet of private sshd servers (bench/sshd-fleet.mjs), in one script:
//   echo    `echo ok` on 200 hosts at full parallelism: rxjobs, a bash loop of `ssh ... &`, parallel-ssh, clush
//   seq     100 commands one after the other on one host: rxjobs (one connection), `ssh` with ControlMaster
//           multiplexing, a new `ssh` per command
//   out     10 MiB of output (text lines) from each of 20 hosts, to one file per host, every byte checked
//           (sha256 per host): rxjobs (`output: 'chunks'` into writeHostFiles), rxjobs with line events (the
//           default output), a bash loop of `ssh host cmd > file &`, parallel-ssh -o, clush --outdir
//   push    a 200 MiB file to one host: rxjobs node.push() against scp (SFTP protocol, OpenSSH 9)
//   pull    the same file back: rxjobs node.pull() against scp
// Run with `npm run bench:ssh` (builds, then `node bench/ssh.bench.mjs`); Linux, OpenSSH server and client,
// parallel-ssh and clush installed. Prints figures and a summary of the targets, asserts nothing.
//
// Every run of every tool is one process started from here (rxjobs: this script with `--child`, plain node on
// dist/index.js), so that its wall time includes process start-up and handshakes, and its peak RSS is its own.
// Tools are interleaved within each round (the order rotating), so that they share the machine's noise.
// Peak RSS: rxjobs, the child's own high-water mark (getrusage maxrss); the others, the sum of the RSS of
// their whole process tree (ssh clients included), sampled every 200 ms.
// Environment: SSH_BENCH_CASES=echo,seq,out,push,pull picks cases; SSH_BENCH_CPU_PROF=<dir> runs the rxjobs
// children with --cpu-prof into that dir (figures are then not representative).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');

const ECHO_HOSTS = 200;
const OUT_HOSTS = 20;
const OUT_BYTES = 10 * 1024 * 1024;
const OUT_CLUSH_HOSTS = 2; // clush spends ~3.5 s of its own CPU per 10 MiB host: 20 would take over a minute
const SEQ_COMMANDS = 100;
const SEQ_NEW_SSH_COMMANDS = 10; // a new ssh per command costs ~130 ms: fewer, and the figure is per command
const BIG_BYTES = 200 * 1024 * 1024;
const RUNS = { echo: 3, seq: 5, out: 3, push: 3, pull: 3 }; // measured runs, after one warm-up run
const SLOW_RUN_MS = 15_000; // a tool whose run takes longer gets no more runs in its case
const RUN_KILL_MS = 120_000;
const RSS_SAMPLE_MS = 200;
const SERVER = { maxStartups: '1000:30:1000', maxSessions: 100, kex: 'curve25519-sha256' };

const TARGET_ECHO_VS_LOOP = 0.85;
const TARGET_RSS_MB = 300;
const TARGET_SEQ_MS = 4;
const TARGET_OUT_VS_LOOP = 1.2;
const TARGET_XFER_VS_SCP = 0.7;

const MB = 1024 * 1024;
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

// ---------------------------------------------------------------------------------------------------------
// Child: one rxjobs run, from dist/. Prints one JSON line (its result) on stdout.

async function child(config) {
  const tStart = performance.now();
  const { SshNode } = await import(new URL('../dist/index.js', import.meta.url).href);
  const { lastValueFrom, merge, ignoreElements, tap, toArray } = await import('rxjs');
  const tImported = performance.now();
  const makeNode = (h) =>
    new SshNode({
      hostname: h.address,
      port: h.port,
      username: config.user,
      keys: [config.key],
      agent: false,
      knownHosts: config.knownHosts,
      hostKeyPolicy: 'strict',
      sshConfig: false,
      // the ramp is per host:port already; this only says that nothing should wait for a handshake slot
      maxStartups: 1000,
      maxSessions: SERVER.maxSessions,
    });
  const done = (result) => {
    const ru = process.resourceUsage();
    process.stdout.write(
      `${JSON.stringify({
        ...result,
        importMs: tImported - tStart,
        maxRssKb: ru.maxRSS,
        cpuUserMs: ru.userCPUTime / 1000,
        cpuSystemMs: ru.systemCPUTime / 1000,
      })}\n`,
    );
  };
  const failures = [];

  if (config.mode === 'echo') {
    const nodes = config.hosts.map(makeNode);
    const t0 = performance.now();
    const perHost = await Promise.all(
      nodes.map((node) => lastValueFrom(node.exec(config.command).pipe(toArray())).catch((e) => e)),
    );
    const t1 = performance.now();
    await Promise.all(nodes.map((node) => node.close()));
    const t2 = performance.now();
    perHost.forEach((events, i) => {
      if (events instanceof Error) failures.push(`${config.hosts[i].address}: ${events.message}`);
      else {
        const text = events.filter((e) => e.type === 'line').map((e) => `${e.stream}:${e.text}`);
        const exit = events.at(-1);
        if (text.join('|') !== 'stdout:ok' || exit?.type !== 'exit' || exit.code !== 0)
          failures.push(
            `${config.hosts[i].address}: ${JSON.stringify(text)} exit ${JSON.stringify(exit?.code)}`,
          );
      }
    });
    done({ execMs: t1 - t0, closeMs: t2 - t1, failures });
  } else if (config.mode === 'seq') {
    const node = makeNode(config.host);
    const t0 = performance.now();
    await lastValueFrom(node.exec('true'), { defaultValue: undefined }); // connects
    const t1 = performance.now();
    const each = [];
    for (let i = 0; i < config.count; i++) {
      const c0 = performance.now();
      const events = await lastValueFrom(node.exec(config.command).pipe(toArray()));
      each.push(performance.now() - c0);
      const line = events.find((e) => e.type === 'line');
      if (events.length !== 2 || line?.text !== 'ok' || events[1].code !== 0)
        failures.push(`command ${i}: ${JSON.stringify(events.map((e) => e.text ?? e.code))}`);
    }
    const t2 = performance.now();
    await node.close();
    each.sort((a, b) => a - b);
    done({
      connectMs: t1 - t0,
      perCommandMs: (t2 - t1) / config.count,
      p50Ms: each[each.length >> 1],
      p90Ms: each[Math.floor(each.length * 0.9)],
      failures: failures.slice(0, 3),
    });
  } else if (config.mode === 'out' && config.output === 'chunks') {
    // one file per host, as `ssh host cmd > file`: `output: 'chunks'` (one event per ~32 KiB SSH read) into
    // the library's writeHostFiles (each chunk one write of its bytes to the host's file stream)
    const { writeHostFiles } = await import(new URL('../dist/index.js', import.meta.url).href);
    const nodes = config.hosts.map(makeNode);
    let chunks = 0;
    const t0 = performance.now();
    const streams = nodes.map((node) =>
      node.exec(config.command, { output: 'chunks' }).pipe(
        tap((e) => {
          if (e.type === 'chunk') {
            chunks++;
            if (e.stream !== 'stdout') failures.push(`${node.hostname} stderr: ${e.bytes.toString()}`);
          } else if (e.code !== 0) failures.push(`${node.hostname}: exit ${e.code}`);
        }),
      ),
    );
    await lastValueFrom(merge(...streams).pipe(writeHostFiles(config.outDir, { nodes }), ignoreElements()), {
      defaultValue: undefined,
    });
    const t1 = performance.now();
    await Promise.all(nodes.map((node) => node.close()));
    done({ execMs: t1 - t0, closeMs: performance.now() - t1, chunks, failures: failures.slice(0, 3) });
  } else if (config.mode === 'out') {
    // the per-line path (the default `output: 'lines'`), for comparison: one file per host, the lines' bytes
    // (and their \n) gathered into 64 KiB writes
    const NL = Buffer.from('\n');
    const nodes = config.hosts.map(makeNode);
    let lines = 0;
    const t0 = performance.now();
    const streams = nodes.map((node) => {
      const fd = fs.openSync(path.join(config.outDir, node.hostname), 'w');
      let parts = [];
      let size = 0;
      const flush = () => {
        if (size > 0) fs.writeSync(fd, parts.length === 1 ? parts[0] : Buffer.concat(parts, size));
        parts = [];
        size = 0;
      };
      return node.exec(config.command).pipe(
        tap({
          next: (e) => {
            if (e.type === 'line') {
              lines++;
              if (e.stream !== 'stdout') {
                failures.push(`${node.hostname} stderr: ${e.text}`);
                return;
              }
              parts.push(e.bytes);
              size += e.bytes.length;
              if (e.newline) {
                parts.push(NL);
                size++;
              }
              if (size >= 65536) flush();
            } else if (e.code !== 0) failures.push(`${node.hostname}: exit ${e.code}`);
          },
          finalize: () => {
            flush();
            fs.closeSync(fd);
          },
        }),
      );
    });
    await lastValueFrom(merge(...streams).pipe(ignoreElements()), { defaultValue: undefined });
    const t1 = performance.now();
    await Promise.all(nodes.map((node) => node.close()));
    done({ execMs: t1 - t0, closeMs: performance.now() - t1, lines, failures: failures.slice(0, 3) });
  } else if (config.mode === 'push' || config.mode === 'pull') {
    const node = makeNode(config.host);
    const t0 = performance.now();
    await lastValueFrom(node.exec('true'), { defaultValue: undefined }); // connects
    const t1 = performance.now();
    const transfer =
      config.mode === 'push'
        ? node.push([config.source], config.destDir)
        : node.pull([config.source], config.destDir);
    await lastValueFrom(transfer, { defaultValue: undefined });
    const t2 = performance.now();
    await node.close();
    done({ connectMs: t1 - t0, transferMs: t2 - t1, failures });
  } else throw new Error(`unknown mode ${config.mode}`);
}

// ---------------------------------------------------------------------------------------------------------
// Parent: processes, their wall time and peak RSS

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

/**
 * Runs a program to its end in its own process group: wall time from spawn to exit, peak RSS of its tree
 * (sampled), its stdout (when `capture`) and the tail of its stderr.
 */
let rusageSerial = 0;
function runProcess(file, args, { capture = false, env } = {}) {
  return new Promise((resolve) => {
    // GNU time reports the CPU of the process and of every descendant it (or they) waited for
    const rusageFile =
      TIME === undefined
        ? undefined
        : path.join(os.tmpdir(), `rxjobs-bench-ssh-rusage-${process.pid}-${++rusageSerial}`);
    const command =
      rusageFile === undefined ? [file, ...args] : [TIME, '-f', '%U %S', '-o', rusageFile, file, ...args];
    const t0 = performance.now();
    const proc = spawn(command[0], command.slice(1), {
      stdio: ['ignore', capture ? 'pipe' : 'ignore', 'pipe'],
      detached: true,
      env: env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    let wallMs;
    let exit;
    let peakKb = 0;
    proc.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    proc.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const sample = () => {
      if (proc.pid !== undefined && exit === undefined) peakKb = Math.max(peakKb, treeRssKb(proc.pid));
    };
    const sampler = setInterval(sample, RSS_SAMPLE_MS);
    const first = setTimeout(sample, 50);
    const killer = setTimeout(() => {
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, RUN_KILL_MS);
    proc.on('exit', (code, signal) => {
      wallMs = performance.now() - t0;
      exit = { code, signal };
      clearInterval(sampler);
      clearTimeout(first);
      clearTimeout(killer);
    });
    proc.on('close', () => {
      let cpuMs;
      if (rusageFile !== undefined) {
        try {
          const [user, system] = fs
            .readFileSync(rusageFile, 'utf8')
            .trim()
            .split('\n')
            .at(-1)
            .split(' ')
            .map(Number);
          if (Number.isFinite(user) && Number.isFinite(system)) cpuMs = (user + system) * 1000;
        } catch {
          // no figure
        }
        fs.rmSync(rusageFile, { force: true });
      }
      resolve({ wallMs, ...exit, stdout, stderr, peakTreeKb: peakKb, cpuMs });
    });
    proc.on('error', (e) => {
      clearInterval(sampler);
      clearTimeout(first);
      clearTimeout(killer);
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

const sha256File = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const sameFiles = (a, b) => spawnSync('cmp', ['-s', a, b]).status === 0;
const resetDir = (dir) => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
};
const shQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const tailOf = (text) => text.trim().split('\n').slice(-2).join(' | ');
const version = (cmd, args, pattern) => {
  const out = spawnSync(cmd, args, { encoding: 'utf8' });
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

// ---------------------------------------------------------------------------------------------------------
// Parent: the tools of each case. Each tool: { name, run(round) -> { wallMs, peakRssKb, ok, problem, extra } }.

function tools(ctx) {
  const { fleet, work } = ctx;
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
  const user = fleet.user;
  const echoHosts = fleet.hosts.slice(0, ECHO_HOSTS);
  const outHosts = fleet.hosts.slice(0, OUT_HOSTS);
  const seqHost = fleet.hosts[0];
  const nodeSet = (hosts) => {
    const last = hosts.at(-1).address.split('.');
    return `${hosts[0].address}`.replace(/\d+$/, `[${hosts[0].address.split('.')[3]}-${last[3]}]`);
  };
  const hostsFile = (name, hosts) => {
    const file = path.join(work, name);
    fs.writeFileSync(file, hosts.map((h) => `${user}@${h.address}:${h.port}\n`).join(''));
    return file;
  };
  const psshName = (h) => `${user}@${h.address}:${h.port}`; // parallel-ssh names its files by host line
  const echoHostsFile = hostsFile('hosts-echo.txt', echoHosts);
  const outHostsFile = hostsFile('hosts-out.txt', outHosts);
  const childBase = { user, key: fleet.clientKey, knownHosts: fleet.knownHosts };
  const profDir = process.env.SSH_BENCH_CPU_PROF;

  const rxjobs = async (config) => {
    const r = await runProcess(
      process.execPath,
      [
        ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
        SELF,
        '--child',
        JSON.stringify({ ...childBase, ...config }),
      ],
      { capture: true },
    );
    let result;
    try {
      result = JSON.parse(r.stdout.trim().split('\n').at(-1));
    } catch {
      return { ...r, ok: false, problem: `child exited ${r.signal ?? r.code}: ${tailOf(r.stderr)}` };
    }
    const problem =
      r.code !== 0
        ? `child exited ${r.signal ?? r.code}: ${tailOf(r.stderr)}`
        : result.failures.length > 0
          ? result.failures.slice(0, 2).join('; ')
          : undefined;
    return { ...r, peakRssKb: result.maxRssKb, result, ok: problem === undefined, problem };
  };
  const bash = (script, args, options) => runProcess('/bin/bash', ['-c', script, 'bench', ...args], options);
  const peer = (r, problem) => ({ ...r, peakRssKb: r.peakTreeKb, ok: problem === undefined, problem });
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

  // ---- echo on 200 hosts
  const echoDir = path.join(work, 'echo');
  const isOk = (file) => fs.readFileSync(file, 'utf8') === 'ok\n';
  const echo = [
    {
      name: 'rxjobs',
      run: () => rxjobs({ mode: 'echo', hosts: echoHosts, command: 'echo ok' }),
    },
    {
      name: 'bash loop ssh &',
      run: async () => {
        resetDir(echoDir);
        const r = await bash(
          loopScript('echo ok', echoDir),
          echoHosts.map((h) => h.address),
        );
        return peer(
          r,
          r.code !== 0 ? `${r.code} ssh failed: ${tailOf(r.stderr)}` : checkFiles(echoDir, echoHosts, isOk),
        );
      },
    },
    {
      name: 'parallel-ssh',
      run: async () => {
        resetDir(echoDir);
        const r = await runProcess('parallel-ssh', [
          '-h',
          echoHostsFile,
          '-p',
          String(ECHO_HOSTS),
          '-t',
          '0',
          '-o',
          echoDir,
          '-x',
          sshOptions.map(shQuote).join(' '),
          'echo ok',
        ]);
        return peer(
          r,
          r.code !== 0
            ? `exit ${r.code}: ${tailOf(r.stderr)}`
            : checkFiles(echoDir, echoHosts, isOk, psshName),
        );
      },
    },
    {
      name: 'clush',
      run: async () => {
        const r = await runProcess(
          'clush',
          [
            '-f',
            String(ECHO_HOSTS),
            '-S',
            '-l',
            user,
            '-o',
            sshArgs.map(shQuote).join(' '),
            '-w',
            nodeSet(echoHosts),
            'echo ok',
          ],
          { capture: true },
        );
        const got = new Set(
          r.stdout
            .split('\n')
            .filter((l) => l.endsWith(': ok'))
            .map((l) => l.slice(0, -4)),
        );
        const missing = echoHosts.filter((h) => !got.has(h.address)).length;
        return peer(
          r,
          r.code !== 0
            ? `exit ${r.code}: ${tailOf(r.stderr)}`
            : missing > 0
              ? `${missing} hosts missing`
              : undefined,
        );
      },
    },
  ];

  // ---- 100 commands in a row on one host
  const controlPath = path.join(work, 'cm.sock');
  const seqLoop = (n, extra) =>
    `n=0; for i in $(seq ${n}); do out=$(ssh ${extra} ${sshLine} ${user}@${seqHost.address} echo ok) && [ "$out" = ok ] && n=$((n+1)); done; [ $n -eq ${n} ]`;
  const seq = [
    {
      name: 'rxjobs',
      unit: (r) => r.result?.perCommandMs,
      run: () => rxjobs({ mode: 'seq', host: seqHost, command: 'echo ok', count: SEQ_COMMANDS }),
    },
    {
      name: 'ssh ControlMaster',
      unit: (r) => r.wallMs / SEQ_COMMANDS,
      run: async () => {
        fs.rmSync(controlPath, { force: true });
        // the master is set up before the timed loop (as rxjobs' connection is, in its own figure)
        const master = spawn(
          'ssh',
          ['-M', '-S', controlPath, '-N', ...sshArgs, `${user}@${seqHost.address}`],
          {
            stdio: 'ignore',
          },
        );
        for (let i = 0; i < 500 && !fs.existsSync(controlPath); i++)
          await new Promise((r) => setTimeout(r, 10));
        const r = await bash(seqLoop(SEQ_COMMANDS, `-S ${shQuote(controlPath)}`), []);
        master.kill('SIGTERM');
        await new Promise((resolve) => (master.exitCode !== null ? resolve() : master.once('exit', resolve)));
        return peer(r, r.code !== 0 ? `not every command printed ok: ${tailOf(r.stderr)}` : undefined);
      },
    },
    {
      name: `ssh, new each (${SEQ_NEW_SSH_COMMANDS})`,
      unit: (r) => r.wallMs / SEQ_NEW_SSH_COMMANDS,
      run: async () => {
        const r = await bash(seqLoop(SEQ_NEW_SSH_COMMANDS, ''), []);
        return peer(r, r.code !== 0 ? `not every command printed ok: ${tailOf(r.stderr)}` : undefined);
      },
    },
  ];

  // ---- 10 MiB of output from each of 20 hosts
  const outDir = path.join(work, 'out');
  const outCommand = `cat ${shQuote(ctx.outFile)}`;
  const outOk = (file) => sha256File(file) === ctx.outSha256;
  const rxjobsOut = (output) => async () => {
    resetDir(outDir);
    const r = await rxjobs({ mode: 'out', output, hosts: outHosts, command: outCommand, outDir });
    if (!r.ok) return r;
    const problem = checkFiles(outDir, outHosts, outOk);
    return { ...r, ok: problem === undefined, problem };
  };
  const out = [
    { name: 'rxjobs', run: rxjobsOut('chunks') },
    { name: 'rxjobs, lines', run: rxjobsOut('lines') },
    {
      name: 'bash loop ssh > f &',
      run: async () => {
        resetDir(outDir);
        const r = await bash(
          loopScript(outCommand, outDir),
          outHosts.map((h) => h.address),
        );
        return peer(
          r,
          r.code !== 0 ? `${r.code} ssh failed: ${tailOf(r.stderr)}` : checkFiles(outDir, outHosts, outOk),
        );
      },
    },
    {
      name: 'parallel-ssh -o',
      run: async () => {
        resetDir(outDir);
        const r = await runProcess('parallel-ssh', [
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
        return peer(
          r,
          r.code !== 0
            ? `exit ${r.code}: ${tailOf(r.stderr)}`
            : checkFiles(outDir, outHosts, outOk, psshName),
        );
      },
    },
    {
      name: `clush --outdir (${OUT_CLUSH_HOSTS} hosts)`,
      hosts: OUT_CLUSH_HOSTS,
      run: async () => {
        resetDir(outDir);
        const hosts = outHosts.slice(0, OUT_CLUSH_HOSTS);
        const r = await runProcess('clush', [
          '-f',
          String(OUT_HOSTS),
          '-S',
          '-l',
          user,
          '-o',
          sshArgs.map(shQuote).join(' '),
          '-w',
          nodeSet(hosts),
          '--outdir',
          outDir,
          outCommand,
        ]);
        return peer(
          r,
          r.code !== 0 ? `exit ${r.code}: ${tailOf(r.stderr)}` : checkFiles(outDir, hosts, outOk),
        );
      },
    },
  ];

  // ---- push and pull of a 200 MiB file
  const pushDir = path.join(fleet.dir, 'push-dest'); // "remote": the sshd's side of the same machine
  const pullDir = path.join(work, 'pull-dest');
  const remoteBig = path.join(fleet.dir, 'remote-big.bin');
  const pushed = path.join(pushDir, path.basename(ctx.bigFile));
  const pulled = path.join(pullDir, path.basename(remoteBig));
  const throughput = (r) => BIG_BYTES / MB / (r.wallMs / 1000);
  const xfer = (mode) => [
    {
      name: 'rxjobs',
      unit: throughput,
      run: async () => {
        resetDir(mode === 'push' ? pushDir : pullDir);
        const r = await rxjobs({
          mode,
          host: seqHost,
          source: mode === 'push' ? ctx.bigFile : remoteBig,
          destDir: mode === 'push' ? pushDir : pullDir,
        });
        if (!r.ok) return r;
        const same = sameFiles(ctx.bigFile, mode === 'push' ? pushed : pulled);
        return { ...r, ok: same, problem: same ? undefined : 'the copy differs' };
      },
    },
    {
      name: 'scp',
      unit: throughput,
      run: async () => {
        resetDir(mode === 'push' ? pushDir : pullDir);
        const target = `${user}@${seqHost.address}:`;
        const r = await runProcess(
          'scp',
          mode === 'push'
            ? [...sshOptions, '-P', String(fleet.port), ctx.bigFile, `${target}${pushDir}/`]
            : [...sshOptions, '-P', String(fleet.port), `${target}${remoteBig}`, `${pullDir}/`],
        );
        const same = r.code === 0 && sameFiles(ctx.bigFile, mode === 'push' ? pushed : pulled);
        return peer(
          r,
          r.code !== 0 ? `exit ${r.code}: ${tailOf(r.stderr)}` : same ? undefined : 'the copy differs',
        );
      },
    },
  ];
  const prepareXfer = () => {
    if (!fs.existsSync(remoteBig)) fs.copyFileSync(ctx.bigFile, remoteBig);
  };

  return {
    echo: {
      title: `echo ok on ${ECHO_HOSTS} hosts, full parallelism`,
      tools: echo,
      reference: 'bash loop ssh &',
    },
    seq: {
      title: `${SEQ_COMMANDS} commands (echo ok) one after the other on one host`,
      tools: seq,
      reference: 'ssh ControlMaster',
      unitName: 'ms/cmd',
    },
    out: {
      title: `10 MiB of output (${Math.round(OUT_BYTES / 77 / 1000)}k lines) from each of ${OUT_HOSTS} hosts, to a file per host`,
      tools: out,
      reference: 'bash loop ssh > f &',
    },
    push: {
      title: 'push a 200 MiB file (SFTP)',
      tools: xfer('push'),
      reference: 'scp',
      unitName: 'MiB/s',
      prepare: prepareXfer,
    },
    pull: {
      title: 'pull a 200 MiB file (SFTP)',
      tools: xfer('pull'),
      reference: 'scp',
      unitName: 'MiB/s',
      prepare: prepareXfer,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------

const fmt = (x, digits) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
const fmtRatio = (x) => (x === undefined ? '-' : `${x.toFixed(2)}x`);

const COLUMNS = [
  ['tool', 26, 'l'],
  ['wall s', 7, 'r'],
  ['min-max s', 11, 'r'],
  ['unit', 12, 'r'],
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
  const only = (process.env.SSH_BENCH_CASES ?? 'echo,seq,out,push,pull').split(',').map((s) => s.trim());
  log('rxjobs SSH benchmark');
  log(
    `node ${process.version} (${process.platform}/${process.arch}), ${cpus.length} cores` +
      `${cpus[0] === undefined ? '' : ` (${cpus[0].model.trim()})`}, ${Math.round(os.totalmem() / MB / 1024)} GB; ` +
      `rxjobs ${readVersion('package.json')} (dist/), ssh2 ${readVersion('node_modules/ssh2/package.json')}, ` +
      `rxjs ${readVersion('node_modules/rxjs/package.json')}`,
  );
  log(
    `${version('ssh', ['-V'], /(OpenSSH_\S+?),/)}, parallel-ssh ${version('parallel-ssh', ['--version'], /(\S+)/)}, ` +
      `clush ${version('clush', ['--version'], /clush (\S+)/)}`,
  );
  log(
    `load average (1 min) at start: ${os.loadavg()[0].toFixed(2)} (figures are unreliable when it exceeds the cores)`,
  );
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) {
    log('dist/index.js is missing: run `npm run build` first');
    process.exitCode = 1;
    return;
  }

  const { startFleet, descendants } = await import('./sshd-fleet.mjs');
  const t0 = performance.now();
  const fleet = await startFleet({ hosts: ECHO_HOSTS, ...SERVER });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjobs-bench-ssh-'));
  const cleanup = async () => {
    await fleet.stop();
    fs.rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    void cleanup().then(() => process.exit(130));
  });
  try {
    log(
      `fleet: ${ECHO_HOSTS} hosts 127.0.0.2-${fleet.hosts.at(-1).address.split('.')[3]} on port ${fleet.port}, ` +
        `${fleet.sshdPids().length} sshd, MaxStartups ${SERVER.maxStartups}, MaxSessions ${SERVER.maxSessions}, ` +
        `KexAlgorithms ${SERVER.kex}, empty HOME; started in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    // data: 10 MiB of base64 text lines (76 characters + \n, the last one shorter; a final \n, since clush adds
    // one where it is missing), and 200 MiB of random bytes
    const outFile = path.join(work, 'out-10MiB.txt');
    const bigFile = path.join(work, 'big-200MiB.bin');
    spawnSync('/bin/bash', [
      '-c',
      `head -c ${Math.ceil((OUT_BYTES * 3) / 4) + 1000} /dev/urandom | base64 -w 76 | head -c ${OUT_BYTES - 1} > ${shQuote(outFile)}; ` +
        `echo >> ${shQuote(outFile)}; ` +
        `head -c ${BIG_BYTES} /dev/urandom > ${shQuote(bigFile)}`,
    ]);
    const ctx = { fleet, work, outFile, bigFile, outSha256: sha256File(outFile) };
    const cases = tools(ctx);
    log(
      'client options: ssh/scp/pssh/clush -F /dev/null -i key -o IdentitiesOnly=yes -o UserKnownHostsFile=<fleet> ' +
        '-o StrictHostKeyChecking=yes -o BatchMode=yes; rxjobs one SshNode per host (strict, sshConfig false, agent false, ' +
        'key, maxStartups 1000), one child process per run',
    );
    log(
      'figures: medians over the measured runs after 1 warm-up, tools interleaved within each round; wall = process ' +
        'start to exit; unit: ms/cmd (rxjobs: in-process, connection excluded; ssh: loop wall / commands), MiB/s ' +
        '(200 MiB / wall); CPU: user + system of the process and its descendants (GNU time; not the ControlMaster ' +
        "master, which does the crypto of the multiplexed commands); sshd CPU: the servers' (all sshd processes, " +
        'shells included); peak RSS: rxjobs its own maxrss, others the sum ' +
        'over their process tree (sampled)',
    );

    const summaries = {};
    for (const key of ['echo', 'seq', 'out', 'push', 'pull']) {
      if (!only.includes(key)) continue;
      const c = cases[key];
      c.prepare?.();
      log('');
      log(`${key}: ${c.title}`);
      log(row(COLUMNS.map(([name]) => (name === 'unit' ? (c.unitName ?? '') : name))));
      log(row(COLUMNS.map(([, width]) => '-'.repeat(width))));
      const results = new Map(c.tools.map((t) => [t.name, []]));
      const slow = new Set();
      const rounds = RUNS[key] + 1;
      for (let round = 0; round < rounds; round++) {
        const order = c.tools.map((_, k) => c.tools[(k + round) % c.tools.length]);
        for (const tool of order) {
          if (slow.has(tool.name)) continue;
          const cpuBefore = serverCpuMs(fleet.sshdPids());
          const r = await tool.run(round);
          await quiesce(fleet, descendants);
          r.serverCpuMs = serverCpuMs(fleet.sshdPids()) - cpuBefore;
          r.round = round;
          results.get(tool.name).push(r);
          if (!r.ok)
            log(`FAIL ${key} ${tool.name} ${round === 0 ? 'warm-up' : `run ${round}`}: ${r.problem}`);
          if (r.wallMs > SLOW_RUN_MS && round < rounds - 1) {
            slow.add(tool.name);
            log(`SLOW ${key} ${tool.name}: ${(r.wallMs / 1000).toFixed(1)} s, no more runs`);
          }
        }
      }
      const summary = {};
      for (const tool of c.tools) {
        const all = results.get(tool.name);
        const measured = all.filter((r) => r.round > 0);
        const runs = measured.length > 0 ? measured : all;
        if (runs.length === 0) continue;
        const walls = runs.map((r) => r.wallMs);
        summary[tool.name] = {
          wallMs: median(walls),
          minMs: Math.min(...walls),
          maxMs: Math.max(...walls),
          unit: tool.unit ? median(runs.map(tool.unit).filter((x) => Number.isFinite(x))) : undefined,
          cpuMs: median(runs.map((r) => r.cpuMs).filter((x) => Number.isFinite(x))),
          serverCpuMs: median(runs.map((r) => r.serverCpuMs)),
          peakRssMb: median(runs.map((r) => r.peakRssKb / 1024)),
          count: measured.length > 0 ? String(measured.length) : 'w-up',
          ok: all.every((r) => r.ok),
          runs,
        };
      }
      const ref = summary[c.reference];
      for (const tool of c.tools) {
        const s = summary[tool.name];
        if (s === undefined) continue;
        // times: smaller is better, ratio = tool / reference; throughput: ratio = tool / reference too
        s.ratio =
          ref === undefined || tool.name === c.reference || !s.ok || !ref.ok || tool.hosts !== undefined
            ? undefined
            : c.unitName === 'MiB/s' || c.unitName === 'ms/cmd'
              ? s.unit / ref.unit
              : s.wallMs / ref.wallMs;
        log(
          row([
            tool.name,
            fmt(s.wallMs / 1000, 2),
            `${fmt(s.minMs / 1000, 2)}-${fmt(s.maxMs / 1000, 2)}`,
            s.unit === undefined ? '' : fmt(s.unit, c.unitName === 'MiB/s' ? 0 : 2),
            fmt(s.cpuMs === undefined ? undefined : s.cpuMs / 1000, 2),
            fmt(s.serverCpuMs / 1000, 2),
            fmt(s.peakRssMb, 0),
            fmtRatio(s.ratio),
            s.count,
            s.ok ? 'ok' : 'FAIL',
          ]),
        );
      }
      // rxjobs' own timings, from inside the child
      const rx = summary.rxjobs;
      if (rx !== undefined) {
        const inner = (field) => median(rx.runs.map((r) => r.result?.[field]).filter((x) => x !== undefined));
        const cpu = `CPU user ${fmt(inner('cpuUserMs'), 0)} ms + system ${fmt(inner('cpuSystemMs'), 0)} ms`;
        const imp = `import ${fmt(inner('importMs'), 0)} ms`;
        if (key === 'echo' || key === 'out')
          log(
            `  rxjobs inside: ${imp}, exec ${fmt(inner('execMs'), 0)} ms, close ${fmt(inner('closeMs'), 0)} ms; ${cpu}`,
          );
        else if (key === 'seq')
          log(
            `  rxjobs inside: ${imp}, connect ${fmt(inner('connectMs'), 0)} ms, per command mean ${fmt(inner('perCommandMs'), 2)} ms, ` +
              `p50 ${fmt(inner('p50Ms'), 2)} ms, p90 ${fmt(inner('p90Ms'), 2)} ms; ${cpu}`,
          );
        else
          log(
            `  rxjobs inside: ${imp}, connect ${fmt(inner('connectMs'), 0)} ms, transfer ${fmt(inner('transferMs'), 0)} ms ` +
              `(${fmt(BIG_BYTES / MB / (inner('transferMs') / 1000), 0)} MiB/s); ${cpu}`,
          );
      }
      summaries[key] = summary;
    }

    // ---- targets
    let met = 0;
    let count = 0;
    const verdict = (label, text, ok) => {
      count++;
      if (ok) met++;
      log(`  ${label.padEnd(48)} ${text.padStart(22)}  ${ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS'}`);
    };
    log('');
    log(`targets (rxjobs; load average (1 min) now ${os.loadavg()[0].toFixed(2)}):`);
    const s = (key, tool) => summaries[key]?.[tool];
    if (summaries.echo) {
      const rx = s('echo', 'rxjobs');
      const loop = s('echo', 'bash loop ssh &');
      const ratio = rx && loop ? rx.wallMs / loop.wallMs : undefined;
      verdict(
        `echo ${ECHO_HOSTS} hosts: wall <= ${TARGET_ECHO_VS_LOOP}x bash loop`,
        `${fmt(rx?.wallMs / 1000, 2)} s = ${fmtRatio(ratio)}`,
        ratio === undefined ? undefined : ratio <= TARGET_ECHO_VS_LOOP && rx.ok,
      );
      verdict(
        `echo ${ECHO_HOSTS} hosts: peak RSS <= ${TARGET_RSS_MB} MB`,
        `${fmt(rx?.peakRssMb, 0)} MB`,
        rx && rx.peakRssMb <= TARGET_RSS_MB,
      );
    }
    if (summaries.seq) {
      const rx = s('seq', 'rxjobs');
      verdict(
        `${SEQ_COMMANDS} commands in a row: <= ${TARGET_SEQ_MS} ms per command`,
        `${fmt(rx?.unit, 2)} ms`,
        rx === undefined ? undefined : rx.unit <= TARGET_SEQ_MS && rx.ok,
      );
    }
    if (summaries.out) {
      const rx = s('out', 'rxjobs');
      const loop = s('out', 'bash loop ssh > f &');
      const ratio = rx && loop ? rx.wallMs / loop.wallMs : undefined;
      verdict(
        `10 MiB x ${OUT_HOSTS} hosts: every byte (sha256 per host)`,
        rx?.ok ? 'all runs' : 'FAILED',
        rx?.ok,
      );
      verdict(
        `10 MiB x ${OUT_HOSTS} hosts: wall <= ${TARGET_OUT_VS_LOOP}x bash loop`,
        `${fmt(rx?.wallMs / 1000, 2)} s = ${fmtRatio(ratio)}`,
        ratio === undefined ? undefined : ratio <= TARGET_OUT_VS_LOOP,
      );
      verdict(
        `10 MiB x ${OUT_HOSTS} hosts: peak RSS <= ${TARGET_RSS_MB} MB`,
        `${fmt(rx?.peakRssMb, 0)} MB`,
        rx && rx.peakRssMb <= TARGET_RSS_MB,
      );
    }
    for (const key of ['push', 'pull']) {
      if (!summaries[key]) continue;
      const rx = s(key, 'rxjobs');
      verdict(
        `${key} 200 MiB: throughput >= ${TARGET_XFER_VS_SCP}x scp`,
        `${fmt(rx?.unit, 0)} MiB/s = ${fmtRatio(rx?.ratio)}`,
        rx?.ratio === undefined ? undefined : rx.ratio >= TARGET_XFER_VS_SCP && rx.ok,
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

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]));
else await parent();
