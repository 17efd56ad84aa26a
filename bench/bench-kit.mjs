/**
 * What the benchmark scripts share, in plain Node (no build, no dependency). Mostly for the two that time
 * tools against a loopback sshd fleet (bench/ssh.bench.mjs, bench/cli.bench.mjs); the scheduler benchmark
 * takes the figures and table helpers.
 *
 * - figures: `median`, `fmt`, `fmtRatio`, `textTable` (fixed-width columns), the load-average and
 *   "targets met" lines, `targets()` (the PASS/MISS lines);
 * - processes: `runProcess` (one program in its own process group, killed after `RUN_KILL_MS`; wall time,
 *   CPU from GNU time, peak RSS of its process tree sampled from /proc), `runner` (where GNU time writes,
 *   whether a stop was asked) and `killRuns()` for Ctrl-C;
 * - the fleet: `startBenchFleet` (bench/sshd-fleet.mjs with the benchmarks' sshd settings), the CPU of its
 *   sshd, `quiesce` between runs;
 * - files and words: `sha256File`, `resetDir`, `shQuote`, `tailOf`, test data files, tool versions;
 * - cases: `fleetClient` (ssh options, host lists and files, bash loops, one per fleet), the peers of the
 *   `echo` and `out` cases (a bash loop of ssh, parallel-ssh, clush), `runCase` (interleaved rounds, the order
 *   rotating), `summarize` (medians over the measured runs), `caseTable` (the table of a case).
 *
 * A case is `{ title, reference, tools, unit?, unitName?, unitDigits?, ratioBy?, prepare? }`; a tool is
 * `{ name, run(round) -> { wallMs, peakRssKb, ok, problem, ... }, needs?, hosts?, unit? }` (`hosts` when it
 * works on fewer hosts than the others: no ratio then).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const MB = 1024 * 1024;
/** A tool whose run takes longer gets no more runs in its case. */
export const SLOW_RUN_MS = 15_000;
/** A run still going after this is killed (its whole process group). */
export const RUN_KILL_MS = 120_000;
const RSS_SAMPLE_MS = 200;
/** GNU time, for the CPU of a run and its descendants; undefined: no CPU figures. */
export const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
/** The fleet's sshd settings: many connections at once, one cheap key exchange. */
export const FLEET_SERVER = { maxStartups: '1000:30:1000', maxSessions: 100, kex: 'curve25519-sha256' };

// ---------------------------------------------------------------------------------------------------------
// Figures and tables

export const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length === 0 ? undefined : s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const fmt = (x, digits) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
export const fmtRatio = (x) => (x === undefined || Number.isNaN(x) ? '-' : `${x.toFixed(2)}x`);

/**
 * A table of fixed-width columns `[name, width, 'l' | 'r']`: `row(cells)` pads each cell to its column
 * (left- or right-aligned), two spaces apart; `head(names)` the names' row and a rule under it.
 */
export function textTable(columns) {
  const row = (cells) =>
    cells
      .map((cell, k) => {
        const [, width, align] = columns[k];
        return align === 'l' ? String(cell).padEnd(width) : String(cell).padStart(width);
      })
      .join('  ');
  const head = (names = columns.map(([name]) => name)) => [
    row(names),
    row(columns.map(([, width]) => '-'.repeat(width))),
  ];
  return { row, head };
}

/** The 1-minute load average, 2 decimals. */
export const loadAverage = () => os.loadavg()[0].toFixed(2);
export const loadAverageLine = () =>
  `load average (1 min) at start: ${loadAverage()} (figures are unreliable when it exceeds the cores)`;
/** The `cpu` line of /proc/stat: the machine's CPU time so far, in ticks, and how much of it was stolen. */
const cpuTicks = () => {
  try {
    const fields = fs
      .readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return undefined; // not Linux
  }
};
const ticksAtLoad = cpuTicks();
/**
 * The share of the CPU time that the hypervisor took for other machines (steal) since this module was
 * loaded: figures are unreliable when it is high. Empty when /proc/stat cannot say.
 */
const stealText = () => {
  const now = cpuTicks();
  if (ticksAtLoad === undefined || now === undefined || now.total <= ticksAtLoad.total) return '';
  const share = (now.steal - ticksAtLoad.steal) / (now.total - ticksAtLoad.total);
  return `; CPU time stolen by the hypervisor during the bench: ${(share * 100).toFixed(1)}%`;
};
/** The last line of the targets: how many were met, how long the bench took (`began`: performance.now()). */
export const targetsMetLine = (met, count, began) =>
  `  ${String(met)} of ${String(count)} targets met; bench took ${((performance.now() - began) / 1000).toFixed(1)} s, ` +
  `load average (1 min) at end: ${loadAverage()}${stealText()}`;

/**
 * The targets block: `verdict(label, text, ok)` logs one line (PASS, MISS, or n/a when `ok` is undefined),
 * `end(began)` the count of those met.
 */
export function targets(log, labelWidth, textWidth) {
  let met = 0;
  let count = 0;
  return {
    verdict: (label, text, ok) => {
      count++;
      if (ok === true) met++;
      log(
        `  ${label.padEnd(labelWidth)} ${text.padStart(textWidth)}  ${ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS'}`,
      );
    },
    end: (began) => {
      log(targetsMetLine(met, count, began));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Versions

export const version = (cmd, args, pattern) => {
  const out = spawnSync(cmd, args, { encoding: 'utf8' });
  if (out.error !== undefined) return 'not installed';
  const text = `${out.stdout ?? ''}${out.stderr ?? ''}`;
  return (pattern.exec(text)?.[1] ?? text.trim().split('\n')[0]) || '?';
};
/** The `version` of a package.json, `p` relative to the repository's root. */
export const readVersion = (p) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, p), 'utf8')).version;
  } catch {
    return '?';
  }
};
/** Node, the machine, and the versions of rxjobs (dist/), ssh2 and rxjs. */
export const platformLine = () => {
  const cpus = os.cpus();
  return (
    `node ${process.version} (${process.platform}/${process.arch}), ${cpus.length} cores` +
    `${cpus[0] === undefined ? '' : ` (${cpus[0].model.trim()})`}, ${Math.round(os.totalmem() / MB / 1024)} GB; ` +
    `rxjobs ${readVersion('package.json')} (dist/), ssh2 ${readVersion('node_modules/ssh2/package.json')}, ` +
    `rxjs ${readVersion('node_modules/rxjs/package.json')}`
  );
};

/**
 * `env` without NODE_EXTRA_CA_CERTS, for the children of a bench: Node.js reads and parses that file at
 * every start, before any code of ours runs (the other tools ignore it), and no bench opens TLS.
 */
export const withoutExtraCaCerts = (env = process.env) => {
  const copy = { ...env };
  delete copy.NODE_EXTRA_CA_CERTS;
  return copy;
};

/**
 * A line saying that the Node.js children run without NODE_EXTRA_CA_CERTS, with what that costs here (the
 * median wall time of `node -e 0` with and without it, 5 runs each); undefined when it is not set.
 */
export const extraCaCertsLine = () => {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (file === undefined || file === '') return undefined;
  const startMs = (env) =>
    median(
      Array.from({ length: 5 }, () => {
        const t0 = performance.now();
        spawnSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
        return performance.now() - t0;
      }),
    );
  return (
    `NODE_EXTRA_CA_CERTS=${file} is set here; the Node.js children run without it (\`node -e 0\`: ` +
    `${Math.round(startMs(process.env))} ms with it, ${Math.round(startMs(withoutExtraCaCerts()))} ms without)`
  );
};

// ---------------------------------------------------------------------------------------------------------
// Processes, their wall time, CPU and peak RSS

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

/** `rusageDir`: where GNU time writes its figures; `stopping`: set on Ctrl-C, no run starts any more. */
export const runner = { stopping: false, rusageDir: os.tmpdir() };
/** The process groups of the runs under way. */
const liveGroups = new Set();
const killGroup = (pid) => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone
  }
};
/** Kills the runs under way (their whole process groups). */
export const killRuns = () => {
  for (const pid of liveGroups) killGroup(pid);
};

/**
 * Runs a program to its end in its own process group (killed after RUN_KILL_MS): wall time from spawn to
 * exit, CPU of the process and its descendants and the maxrss of the largest of them (GNU time), peak RSS of
 * its tree (sampled), its stdout (when `capture`) and the tail of its stderr.
 */
let rusageSerial = 0;
export function runProcess(file, args, { capture = false, env } = {}) {
  return new Promise((resolve) => {
    if (runner.stopping) {
      resolve({ wallMs: 0, code: -1, signal: null, stdout: '', stderr: 'stopping', peakTreeKb: 0 });
      return;
    }
    // GNU time reports the CPU of the process and of every descendant it (or they) waited for
    const rusageFile =
      TIME === undefined
        ? undefined
        : path.join(runner.rusageDir, `rxjobs-bench-rusage-${process.pid}-${++rusageSerial}`);
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

/** A run's result with its peak RSS (its own maxrss when `ownRss`, else its tree's) and its check. */
export const finish = (r, problem, ownRss = false) => ({
  ...r,
  peakRssKb: ownRss ? Math.max(r.maxRssKb ?? 0, r.peakTreeKb) : r.peakTreeKb,
  ok: problem === undefined,
  problem,
});
/** What a non-zero exit says, with the tail of stderr; undefined on exit 0. */
export const exitProblem = (r) =>
  r.code !== 0 ? `exit ${r.signal ?? r.code}: ${tailOf(r.stderr)}` : undefined;

// ---------------------------------------------------------------------------------------------------------
// The fleet's side

/**
 * Starts a fleet of `hosts` loopback sshd hosts with FLEET_SERVER's settings; `line` describes it.
 * `descendants` is bench/sshd-fleet.mjs's (for `quiesce`).
 */
export async function startBenchFleet(hosts) {
  const t0 = performance.now();
  const { startFleet, descendants } = await import('./sshd-fleet.mjs');
  const fleet = await startFleet({ hosts, ...FLEET_SERVER });
  const line =
    `fleet: ${fleet.hosts.length} hosts ${fleet.hosts[0].address}-${fleet.hosts.at(-1).address.split('.')[3]} ` +
    `on port ${fleet.port}, ${fleet.sshdPids().length} sshd, MaxStartups ${FLEET_SERVER.maxStartups}, ` +
    `MaxSessions ${FLEET_SERVER.maxSessions}, KexAlgorithms ${FLEET_SERVER.kex}, empty HOME; ` +
    `started in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  return { fleet, descendants, line };
}

let clockTicks;
/**
 * CPU (ms) used by the fleet's sshd: the listeners' own and that of every finished connection, which the
 * listener reaps (the connection's sshd reaps its session shells in turn, so theirs is included).
 */
function serverCpuMs(pids) {
  clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
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
  return (ticks * 1000) / clockTicks;
}

/** Waits (at most 2 s) until the fleet has no connection processes left, so that runs do not overlap. */
async function quiesce(fleet, descendants) {
  for (let i = 0; i < 100 && descendants(fleet.sshdPids()).length > 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
}

// ---------------------------------------------------------------------------------------------------------
// Files and words

export const sha256File = (file) => {
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
export const resetDir = (dir) => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
};
export const shQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
export const tailOf = (text) => text.trim().split('\n').slice(-2).join(' | ');

/**
 * Writes `bytes` of base64 text lines (76 characters + \n, the last one shorter) to `file`, with a final \n
 * (clush adds one where it is missing).
 */
export const writeTextLines = (file, bytes) => {
  spawnSync('/bin/bash', [
    '-c',
    `head -c ${Math.ceil((bytes * 3) / 4) + 1000} /dev/urandom | base64 -w 76 | head -c ${bytes - 1} > ${shQuote(file)}; ` +
      `echo >> ${shQuote(file)}`,
  ]);
};
/** Writes `bytes` random bytes to `file`. */
export const writeRandomBytes = (file, bytes) => {
  spawnSync('/bin/bash', ['-c', `head -c ${bytes} /dev/urandom > ${shQuote(file)}`]);
};

// ---------------------------------------------------------------------------------------------------------
// The tools against a fleet

/**
 * What the tools of a case need to reach `fleet`, their scratch files in `work`, every run with `env`
 * (undefined: ours): the OpenSSH client options (`sshOptions`; `sshArgs` with the port; `sshLine` for a
 * shell; `clushOptions`, the port as an option, since clush gives them to scp too), `nodeSet` (a clush
 * range), `hostsFile` (a pssh host list), `psshName` (the file pssh names after a host), `tool` and `bash`
 * (a program, a bash script), `loopScript` (a bash loop of `ssh ... &`), `pssh` (a program of the pssh
 * family on the hosts of a host list, `fanout` at once, no timeout, with `sshOptions`) and `clush` (on
 * `hosts`, `fanout` at once, with `clushOptions`).
 */
export function fleetClient({ fleet, work, env }) {
  const user = fleet.user;
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
  const tool = (program, args, options) => runProcess(program, args, { env, ...options });
  const clushOptions = [...sshOptions, '-o', `Port=${fleet.port}`].map(shQuote).join(' ');
  const nodeSet = (hosts) => {
    const first = hosts[0].address.split('.')[3];
    const last = hosts.at(-1).address.split('.')[3];
    return hosts.length === 1 ? hosts[0].address : hosts[0].address.replace(/\d+$/, `[${first}-${last}]`);
  };
  return {
    fleet,
    work,
    user,
    sshOptions,
    sshArgs,
    sshLine,
    clushOptions,
    nodeSet,
    hostsFile: (name, hosts) => {
      const file = path.join(work, name);
      fs.writeFileSync(file, hosts.map((h) => `${user}@${h.address}:${h.port}\n`).join(''));
      return file;
    },
    psshName: (h) => `${user}@${h.address}:${h.port}`, // parallel-ssh names its files by host line
    tool,
    bash: (script, args, options) => tool('/bin/bash', ['-c', script, 'bench', ...args], options),
    // a bash loop of `ssh ... &`, each to its own file; exits with the number of failed ssh
    loopScript: (command, outDir) =>
      `pids=(); for h in "$@"; do ssh ${sshLine} ${user}@"$h" ${shQuote(command)} > ${shQuote(outDir)}/"$h" & pids+=($!); done; ` +
      'failed=0; for p in "${pids[@]}"; do wait "$p" || failed=$((failed+1)); done; exit $failed',
    pssh: (program, hostsFile, fanout, args, options) =>
      tool(
        program,
        ['-h', hostsFile, '-p', String(fanout), '-t', '0', '-x', sshOptions.map(shQuote).join(' '), ...args],
        options,
      ),
    clush: (hosts, fanout, args, options) =>
      tool(
        'clush',
        ['-f', String(fanout), '-S', '-l', user, '-o', clushOptions, '-w', nodeSet(hosts), ...args],
        options,
      ),
  };
}

/** The hosts whose file `dir/name(host)` fails `expect` (or cannot be read): undefined when none. */
export const checkFiles = (dir, hosts, expect, name = (h) => h.address) => {
  const bad = hosts.filter((h) => {
    try {
      return !expect(path.join(dir, name(h)));
    } catch {
      return true;
    }
  });
  return bad.length === 0 ? undefined : `${bad.length} hosts with wrong output (first ${bad[0].address})`;
};

/** A bash loop of `ssh host command > dir/host &` on `hosts`, every file checked with `expect`. */
const bashLoopTool = (client, name, command, dir, hosts, expect) => ({
  name,
  needs: ['ssh'],
  run: async () => {
    resetDir(dir);
    const r = await client.bash(
      client.loopScript(command, dir),
      hosts.map((h) => h.address),
    );
    return finish(
      r,
      r.code !== 0 ? `${r.code} ssh failed: ${tailOf(r.stderr)}` : checkFiles(dir, hosts, expect),
    );
  },
});

/** parallel-ssh -o dir on `hosts` at once, every file checked with `expect`. */
const parallelSshTool = (client, name, command, dir, hosts, hostsFile, expect) => ({
  name,
  needs: ['parallel-ssh', 'ssh'],
  run: async () => {
    resetDir(dir);
    const r = await client.pssh('parallel-ssh', hostsFile, hosts.length, ['-o', dir, command]);
    return finish(r, exitProblem(r) ?? checkFiles(dir, hosts, expect, client.psshName));
  },
});

/**
 * The `echo` case: `echo ok` on every host of `hosts` at full parallelism, by the script's `own` tools, a
 * bash loop of `ssh ... &` (the reference), parallel-ssh and clush (its `host: ok` lines checked).
 */
export function echoCase(client, hosts, own) {
  const dir = path.join(client.work, 'echo');
  const isOk = (file) => fs.readFileSync(file, 'utf8') === 'ok\n';
  const hostsFile = client.hostsFile('hosts-echo.txt', hosts);
  return {
    title: `echo ok on ${hosts.length} hosts, full parallelism`,
    reference: 'bash loop ssh &',
    tools: [
      ...own,
      bashLoopTool(client, 'bash loop ssh &', 'echo ok', dir, hosts, isOk),
      parallelSshTool(client, 'parallel-ssh', 'echo ok', dir, hosts, hostsFile, isOk),
      {
        name: 'clush',
        needs: ['clush', 'ssh'],
        run: async () => {
          const r = await client.clush(hosts, hosts.length, ['echo ok'], { capture: true });
          const got = new Set(
            r.stdout
              .split('\n')
              .filter((l) => l.endsWith(': ok'))
              .map((l) => l.slice(0, -4)),
          );
          const missing = hosts.filter((h) => !got.has(h.address)).length;
          return finish(r, exitProblem(r) ?? (missing > 0 ? `${missing} hosts missing` : undefined));
        },
      },
    ],
  };
}

/**
 * The `out` case's set-up, from the file every host prints (`outFile`, its sha256 `outSha256`): `dir` (a file
 * per host), `command` (prints the file) and `expect` (a host's file is the same, byte for byte).
 */
export const outSetup = (client, { outFile, outSha256 }) => ({
  dir: path.join(client.work, 'out'),
  command: `cat ${shQuote(outFile)}`,
  expect: (file) => sha256File(file) === outSha256,
});

/**
 * The `out` case: `bytes` of output from each of `hosts`, a file per host, by the script's `own` tools, a
 * bash loop of `ssh host cmd > file &` (the reference), parallel-ssh -o and clush --outdir (on the first
 * `clushHosts` hosts only: clush spends ~3.5 s of its own CPU per 10 MiB host).
 */
export function outCase(client, out, { hosts, clushHosts, bytes }, own) {
  const hostsFile = client.hostsFile('hosts-out.txt', hosts);
  return {
    title:
      `${Math.round(bytes / MB)} MiB of output (${Math.round(bytes / 77 / 1000)}k lines) from each of ` +
      `${hosts.length} hosts, to a file per host`,
    reference: 'bash loop ssh > f &',
    tools: [
      ...own,
      bashLoopTool(client, 'bash loop ssh > f &', out.command, out.dir, hosts, out.expect),
      parallelSshTool(client, 'parallel-ssh -o', out.command, out.dir, hosts, hostsFile, out.expect),
      {
        name: `clush --outdir (${clushHosts} hosts)`,
        needs: ['clush', 'ssh'],
        hosts: clushHosts,
        run: async () => {
          resetDir(out.dir);
          const some = hosts.slice(0, clushHosts);
          const r = await client.clush(some, hosts.length, ['--outdir', out.dir, out.command]);
          return finish(r, exitProblem(r) ?? checkFiles(out.dir, some, out.expect));
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Cases: interleaved rounds, medians, the table

/**
 * Runs `rounds` rounds of `tools` (the first one the warm-up), each tool once per round, the order rotating
 * from round to round so that they share the machine's noise; with a `fleet`, the CPU its sshd spent on each
 * run. Logs the failed runs, and stops running a tool slower than SLOW_RUN_MS. Returns each tool's results.
 */
export async function runCase({ key, tools, rounds, fleet, descendants, log }) {
  const results = new Map(tools.map((t) => [t.name, []]));
  const slow = new Set();
  for (let round = 0; round < rounds; round++) {
    const order = tools.map((_, k) => tools[(k + round) % tools.length]);
    for (const t of order) {
      if (slow.has(t.name) || runner.stopping) continue;
      const cpuBefore = fleet === undefined ? 0 : serverCpuMs(fleet.sshdPids());
      const r = await t.run(round);
      if (fleet !== undefined) {
        await quiesce(fleet, descendants);
        r.serverCpuMs = serverCpuMs(fleet.sshdPids()) - cpuBefore;
      }
      r.round = round;
      results.get(t.name).push(r);
      if (runner.stopping) break;
      if (!r.ok) log(`FAIL ${key} ${t.name} ${round === 0 ? 'warm-up' : `run ${round}`}: ${r.problem}`);
      if (r.wallMs > SLOW_RUN_MS && round < rounds - 1) {
        slow.add(t.name);
        log(`SLOW ${key} ${t.name}: ${(r.wallMs / 1000).toFixed(1)} s, no more runs`);
      }
    }
  }
  return results;
}

/**
 * Each tool's medians over its measured runs (the warm-up run only when nothing else was measured): wall
 * time, its min and max, the tool's (or the case's) `unit`, CPU, sshd CPU, peak RSS; `ok` when every run
 * passed its check.
 */
export function summarize(c, tools, results) {
  const summary = {};
  for (const t of tools) {
    const all = results.get(t.name);
    const measured = all.filter((r) => r.round > 0);
    const runs = measured.length > 0 ? measured : all;
    if (runs.length === 0) continue;
    const walls = runs.map((r) => r.wallMs);
    const unit = t.unit ?? c.unit;
    summary[t.name] = {
      wallMs: median(walls),
      minMs: Math.min(...walls),
      maxMs: Math.max(...walls),
      unit: unit ? median(runs.map(unit).filter((x) => Number.isFinite(x))) : undefined,
      cpuMs: median(runs.map((r) => r.cpuMs).filter((x) => Number.isFinite(x))),
      serverCpuMs: median(runs.map((r) => r.serverCpuMs).filter((x) => Number.isFinite(x))),
      peakRssMb: median(runs.map((r) => r.peakRssKb / 1024)),
      count: measured.length > 0 ? String(measured.length) : 'w-up',
      ok: all.every((r) => r.ok),
      hosts: t.hosts,
      runs,
    };
  }
  return summary;
}

/**
 * The table of the cases, its `unit` column `unitWidth` wide: `head(c)` logs the column names (the case's
 * `unitName` over the unit) and a rule; `rows(c, summary)` sets each tool's ratio to the reference (of the
 * units with `ratioBy: 'unit'`, else of the wall times; none for a tool on fewer hosts) and logs a row per
 * tool, its unit with `unitDigits` (default 0) decimals; a tool with no figures and `needs` is said skipped.
 */
export function caseTable(unitWidth, log) {
  const columns = [
    ['tool', 26, 'l'],
    ['wall s', 7, 'r'],
    ['min-max s', 11, 'r'],
    ['unit', unitWidth, 'r'],
    ['CPU s', 6, 'r'],
    ['sshd CPU s', 10, 'r'],
    ['peak RSS MB', 11, 'r'],
    ['vs ref', 7, 'r'],
    ['runs', 4, 'r'],
    ['check', 5, 'l'],
  ];
  const { row, head } = textTable(columns);
  return {
    head: (c) => {
      for (const line of head(columns.map(([name]) => (name === 'unit' ? (c.unitName ?? '') : name))))
        log(line);
    },
    rows: (c, summary) => {
      const ref = summary[c.reference];
      for (const t of c.tools) {
        const s = summary[t.name];
        if (s === undefined) {
          if (t.needs !== undefined)
            log(`${t.name.padEnd(columns[0][1])}  not installed (${t.needs.join(', ')}): skipped`);
          continue;
        }
        s.ratio =
          ref === undefined || t.name === c.reference || !s.ok || !ref.ok || t.hosts !== undefined
            ? undefined
            : c.ratioBy === 'unit'
              ? s.unit / ref.unit
              : s.wallMs / ref.wallMs;
        log(
          row([
            t.name,
            fmt(s.wallMs / 1000, 2),
            `${fmt(s.minMs / 1000, 2)}-${fmt(s.maxMs / 1000, 2)}`,
            s.unit === undefined ? '' : fmt(s.unit, c.unitDigits ?? 0),
            fmt(s.cpuMs === undefined ? undefined : s.cpuMs / 1000, 2),
            fmt(s.serverCpuMs === undefined ? undefined : s.serverCpuMs / 1000, 2),
            fmt(s.peakRssMb, 0),
            fmtRatio(s.ratio),
            s.count,
            s.ok ? 'ok' : 'FAIL',
          ]),
        );
      }
    },
  };
}
