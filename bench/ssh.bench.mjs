// SSH benchmark: rxjobs' SshNode (from the built dist/) side by side with OpenSSH's own tools, against the same
// loopback fleet of private sshd servers (the tests' sshd harness, spec/helpers/sshd/), in one script:
//   echo    `echo ok` on 200 hosts at full parallelism: rxjobs, a bash loop of `ssh ... &`, parallel-ssh, clush
//   seq     100 commands one after the other on one host: rxjobs (one connection), `ssh` with ControlMaster
//           multiplexing, a new `ssh` per command
//   out     10 MiB of output (text lines) from each of 20 hosts, to one file per host, every byte checked
//           (sha256 per host): rxjobs (`output: 'chunks'` into writeHostFiles), rxjobs with line events (the
//           default output), a bash loop of `ssh host cmd > file &`, parallel-ssh -o, clush --outdir
//   push    a 200 MiB file to one host: rxjobs node.push() against scp (SFTP protocol, OpenSSH 9)
//   pull    the same file back: rxjobs node.pull() against scp
// Run with `npm run bench:ssh` (builds dist/ and the harness, then `node bench/ssh.bench.mjs`); Linux, OpenSSH
// server and client, parallel-ssh and clush installed. Prints figures and a summary of the targets, asserts nothing.
//
// Every run of every tool is one process started from here (rxjobs: this script with `--child`, plain node on
// dist/index.js), so that its wall time includes process start-up and handshakes, and its peak RSS is its own.
// Tools are interleaved within each round (the order rotating), so that they share the machine's noise.
// Peak RSS: rxjobs, the child's own high-water mark (getrusage maxrss); the others, the sum of the RSS of
// their whole process tree (ssh clients included), sampled every 200 ms.
// Environment: SSH_BENCH_CASES=echo,seq,out,push,pull picks cases; SSH_BENCH_CPU_PROF=<dir> runs the rxjobs
// children with --cpu-prof into that dir (figures are then not representative); SSH_BENCH_WORKERS=1 adds rows
// "rxjobs (worker)" to push and pull, the node in a worker thread (RXJOBS_SSH_WORKERS=1).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import {
  caseTable,
  checkFiles,
  echoCase,
  extraCaCertsLine,
  finish,
  FLEET_SERVER,
  fleetClient,
  fmt,
  fmtRatio,
  loadAverage,
  loadAverageLine,
  MB,
  median,
  outCase,
  outSetup,
  platformLine,
  resetDir,
  ROOT,
  runCase,
  runProcess,
  sha256File,
  shQuote,
  startBenchFleet,
  summarize,
  tailOf,
  targets,
  version,
  withoutExtraCaCerts,
  writeRandomBytes,
  writeTextLines,
} from './bench-kit.mjs';

const SELF = fileURLToPath(import.meta.url);

const ECHO_HOSTS = 200;
const OUT_HOSTS = 20;
const OUT_BYTES = 10 * MB;
const OUT_CLUSH_HOSTS = 2; // clush spends ~3.5 s of its own CPU per 10 MiB host: 20 would take over a minute
const SEQ_COMMANDS = 100;
const SEQ_NEW_SSH_COMMANDS = 10; // a new ssh per command costs ~130 ms: fewer, and the figure is per command
const BIG_BYTES = 200 * MB;
const RUNS = { echo: 3, seq: 5, out: 3, push: 3, pull: 3 }; // measured runs, after one warm-up run
/** SSH_BENCH_WORKERS=1: push and pull also run with the node in a worker thread, as "rxjobs (worker)". */
const XFER_WORKER = process.env.SSH_BENCH_WORKERS === '1';

const TARGET_ECHO_VS_LOOP = 0.85;
const TARGET_RSS_MB = 300;
const TARGET_SEQ_MS = 4;
const TARGET_OUT_VS_LOOP = 1.2;
const TARGET_XFER_VS_SCP = 0.7;

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
      maxSessions: FLEET_SERVER.maxSessions,
    });
  const done = (result) => {
    const ru = process.resourceUsage();
    process.stdout.write(
      `${JSON.stringify({
        ...result,
        startMs: tStart, // from the process's start to this script's first line
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
// Parent: the tools of each case (cases and tools as bench/bench-kit.mjs describes them; the peers of echo
// and out, a bash loop of ssh, parallel-ssh and clush, come from there). Each tool: { name, run(round) ->
// { wallMs, peakRssKb, ok, problem, extra } }.

const sameFiles = (a, b) => spawnSync('cmp', ['-s', a, b]).status === 0;

function tools(ctx) {
  const { fleet, work } = ctx;
  const client = fleetClient({ fleet, work });
  const { sshOptions, sshArgs, sshLine, user, bash } = client;
  const echoHosts = fleet.hosts.slice(0, ECHO_HOSTS);
  const outHosts = fleet.hosts.slice(0, OUT_HOSTS);
  const seqHost = fleet.hosts[0];
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
      // RXJOBS_SSH_WORKERS: its nodes in worker threads (the "(worker)" rows), else none
      { capture: true, env: { ...withoutExtraCaCerts(), RXJOBS_SSH_WORKERS: config.workers ?? '0' } },
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

  // ---- echo on 200 hosts
  const echo = echoCase(client, echoHosts, [
    {
      name: 'rxjobs',
      run: () => rxjobs({ mode: 'echo', hosts: echoHosts, command: 'echo ok' }),
    },
  ]);

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
        return finish(r, r.code !== 0 ? `not every command printed ok: ${tailOf(r.stderr)}` : undefined);
      },
    },
    {
      name: `ssh, new each (${SEQ_NEW_SSH_COMMANDS})`,
      unit: (r) => r.wallMs / SEQ_NEW_SSH_COMMANDS,
      run: async () => {
        const r = await bash(seqLoop(SEQ_NEW_SSH_COMMANDS, ''), []);
        return finish(r, r.code !== 0 ? `not every command printed ok: ${tailOf(r.stderr)}` : undefined);
      },
    },
  ];

  // ---- 10 MiB of output from each of 20 hosts
  const out = outSetup(client, ctx);
  const rxjobsOut = (output) => async () => {
    resetDir(out.dir);
    const r = await rxjobs({ mode: 'out', output, hosts: outHosts, command: out.command, outDir: out.dir });
    if (!r.ok) return r;
    const problem = checkFiles(out.dir, outHosts, out.expect);
    return { ...r, ok: problem === undefined, problem };
  };
  const outTools = [
    { name: 'rxjobs', run: rxjobsOut('chunks') },
    { name: 'rxjobs, lines', run: rxjobsOut('lines') },
  ];

  // ---- push and pull of a 200 MiB file
  const pushDir = path.join(fleet.dir, 'push-dest'); // "remote": the sshd's side of the same machine
  const pullDir = path.join(work, 'pull-dest');
  const remoteBig = path.join(fleet.dir, 'remote-big.bin');
  const pushed = path.join(pushDir, path.basename(ctx.bigFile));
  const pulled = path.join(pullDir, path.basename(remoteBig));
  const throughput = (r) => BIG_BYTES / MB / (r.wallMs / 1000);
  const rxjobsXfer = (mode, workers) => ({
    name: workers === undefined ? 'rxjobs' : 'rxjobs (worker)',
    unit: throughput,
    run: async () => {
      resetDir(mode === 'push' ? pushDir : pullDir);
      const r = await rxjobs({
        mode,
        host: seqHost,
        source: mode === 'push' ? ctx.bigFile : remoteBig,
        destDir: mode === 'push' ? pushDir : pullDir,
        workers,
      });
      if (!r.ok) return r;
      const same = sameFiles(ctx.bigFile, mode === 'push' ? pushed : pulled);
      return { ...r, ok: same, problem: same ? undefined : 'the copy differs' };
    },
  });
  const xfer = (mode) => [
    rxjobsXfer(mode),
    ...(XFER_WORKER ? [rxjobsXfer(mode, '1')] : []),
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
        return finish(
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
    echo,
    seq: {
      title: `${SEQ_COMMANDS} commands (echo ok) one after the other on one host`,
      tools: seq,
      reference: 'ssh ControlMaster',
      unitName: 'ms/cmd',
      unitDigits: 2,
      ratioBy: 'unit',
    },
    out: outCase(client, out, { hosts: outHosts, clushHosts: OUT_CLUSH_HOSTS, bytes: OUT_BYTES }, outTools),
    push: {
      title: 'push a 200 MiB file (SFTP)',
      tools: xfer('push'),
      reference: 'scp',
      unitName: 'MiB/s',
      ratioBy: 'unit',
      prepare: prepareXfer,
    },
    pull: {
      title: 'pull a 200 MiB file (SFTP)',
      tools: xfer('pull'),
      reference: 'scp',
      unitName: 'MiB/s',
      ratioBy: 'unit',
      prepare: prepareXfer,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------

async function parent() {
  const began = performance.now();
  const log = (line = '') => {
    console.log(line);
  };
  const only = (process.env.SSH_BENCH_CASES ?? 'echo,seq,out,push,pull').split(',').map((s) => s.trim());
  log('rxjobs SSH benchmark');
  log(platformLine());
  log(
    `${version('ssh', ['-V'], /(OpenSSH_\S+?),/)}, parallel-ssh ${version('parallel-ssh', ['--version'], /(\S+)/)}, ` +
      `clush ${version('clush', ['--version'], /clush (\S+)/)}`,
  );
  log(loadAverageLine());
  const caLine = extraCaCertsLine();
  if (caLine !== undefined) log(caLine);
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) {
    log('dist/index.js is missing: run `npm run build` first');
    process.exitCode = 1;
    return;
  }

  const { fleet, descendants, line: fleetLine } = await startBenchFleet(ECHO_HOSTS);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjobs-bench-ssh-'));
  const cleanup = async () => {
    await fleet.stop();
    fs.rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    void cleanup().then(() => process.exit(130));
  });
  try {
    log(fleetLine);
    // data: 10 MiB of base64 text lines, and 200 MiB of random bytes
    const outFile = path.join(work, 'out-10MiB.txt');
    const bigFile = path.join(work, 'big-200MiB.bin');
    writeTextLines(outFile, OUT_BYTES);
    writeRandomBytes(bigFile, BIG_BYTES);
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

    const table = caseTable(12, log);
    const summaries = {};
    for (const key of ['echo', 'seq', 'out', 'push', 'pull']) {
      if (!only.includes(key)) continue;
      const c = cases[key];
      c.prepare?.();
      log('');
      log(`${key}: ${c.title}`);
      table.head(c);
      const results = await runCase({ key, tools: c.tools, rounds: RUNS[key] + 1, fleet, descendants, log });
      const summary = summarize(c, c.tools, results);
      table.rows(c, summary);
      // rxjobs' own timings, from inside the child
      const rx = summary.rxjobs;
      if (rx !== undefined) {
        const inner = (field) => median(rx.runs.map((r) => r.result?.[field]).filter((x) => x !== undefined));
        const cpu = `CPU user ${fmt(inner('cpuUserMs'), 0)} ms + system ${fmt(inner('cpuSystemMs'), 0)} ms`;
        const imp = `start ${fmt(inner('startMs'), 0)} ms, import ${fmt(inner('importMs'), 0)} ms`;
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
    const { verdict, end } = targets(log, 48, 22);
    log('');
    log(`targets (rxjobs; load average (1 min) now ${loadAverage()}):`);
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
      // for information, not a target: the same without Node.js's start and the import of dist/ and rxjs
      // (ssh2 is loaded by the first connection: within exec)
      const inProcess = median(
        (rx?.runs ?? []).map((r) => r.result?.execMs + r.result?.closeMs).filter(Number.isFinite),
      );
      log(
        `  (without Node's start and the import of rxjobs and rxjs: exec + close ${fmt(inProcess / 1000, 2)} s = ` +
          `${fmtRatio(loop ? inProcess / loop.wallMs : undefined)} the bash loop)`,
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
    end(began);
  } finally {
    await cleanup();
  }
}

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]));
else await parent();
