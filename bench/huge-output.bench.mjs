// Huge outputs (issue 11 §4): memory in proportion to what is kept, not to line length or consumer speed.
//
// (a) One line of HUGE_MB (default 600) MB of base64 text, from one loopback sshd host, through the built
//     rxssh (host:line output, --json, -o DIR) and through the library (SshNode exec in the default line
//     mode, its events hashed by the subscriber): every byte must arrive (sha256 of what arrives, --json
//     records decoded back, against that of the file sent), and the peak RSS of the rxssh (or consumer)
//     process must stay <= 200 MB. Peers in the same rounds: `ssh host cat FILE` (OpenSSH's client) and
//     `cat FILE` (no network), each piped into this script.
// (b) HOSTS_B (20) hosts x 10 MiB of text lines each, rxssh's output piped into a reader of this script
//     throttled to 10 MiB/s: rxssh's peak RSS must stay <= 200 MB. Peer: a bash loop of `ssh ... &`, its
//     output throttled the same way (the peak RSS of its whole tree).
// Peak RSS: GNU time's maxrss of the process measured. Medians over ROUNDS (default 3) rounds for (a), ROUNDS_B
// (default 1) for (b), the tools' order rotating.
//
// Run with `npm run bench:huge`; `HUGE_MB=100` for a quicker run. `RXJOBS_DIST=/path/to/dist` measures
// another build (e.g. one of main, for a before/after comparison).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import {
  MB,
  ROOT,
  fleetClient,
  fmt,
  loadAverage,
  loadAverageLine,
  median,
  platformLine,
  sha256File,
  shQuote,
  startBenchFleet,
  textTable,
} from './bench-kit.mjs';

const DIST = process.env.RXJOBS_DIST ?? path.join(ROOT, 'dist');
const LIMIT_MB = 200;

// ---------------------------------------------------------------------------------------------------------
// The library consumer: this script run as a child with `--consumer <json>`

if (process.argv[2] === '--consumer') {
  const o = JSON.parse(process.argv[3]);
  const { SshNode, Flow } = await import(path.join(o.dist, 'index.js'));
  const node = new SshNode({
    hostname: o.host,
    port: o.port,
    username: o.user,
    keys: [o.key],
    agent: false,
    knownHosts: o.knownHosts,
    hostKeyPolicy: 'strict',
    sshConfig: false,
  });
  const hash = createHash('sha256');
  const options = Flow === undefined ? {} : { flow: new Flow() };
  await new Promise((resolve, reject) => {
    node.exec(`cat ${shQuote(o.file)}`, options).subscribe({
      next: (e) => {
        if (e.type !== 'line' || e.stream !== 'stdout') return;
        hash.update(e.bytes);
        if (e.newline) hash.update('\n');
      },
      complete: resolve,
      error: reject,
    });
  });
  await node.close();
  process.stdout.write(`${hash.digest('hex')}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------------------
// Running a program: peak RSS (GNU time), wall time, its stdout given to `reader` as it comes

const rusageFile = path.join(os.tmpdir(), `rxjobs-bench-huge-${process.pid}`);

/** Runs `file args` under GNU time; `reader(chunk, stream)` gets its stdout; resolves with the figures. */
function measure(file, args, reader) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rusageFile, file, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    child.stdout.on('data', (chunk) => reader(chunk, child.stdout));
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      let rssKb;
      try {
        rssKb = Number(fs.readFileSync(rusageFile, 'utf8').trim().split('\n').at(-1));
      } catch {
        rssKb = undefined;
      }
      resolve({ code, wallMs, rssMb: rssKb === undefined ? undefined : rssKb / 1024, stderr });
    });
  });
}

/** A reader that hashes what it gets (after `prefix`). */
const hashing = () => {
  const hash = createHash('sha256');
  return { read: (chunk) => hash.update(chunk), digest: () => hash.digest('hex') };
};

/** A reader of --json records: the stdout line texts hashed back into bytes; the longest record kept. */
const jsonDecoding = () => {
  const hash = createHash('sha256');
  let parts = [];
  let longest = 0;
  const record = (line) => {
    longest = Math.max(longest, line.length);
    const r = JSON.parse(line.toString('utf8'));
    if (r.type !== 'line' || r.stream !== 'stdout') return;
    hash.update(r.base64 !== undefined ? Buffer.from(r.base64, 'base64') : Buffer.from(r.text));
    if (r.newline) hash.update('\n');
  };
  return {
    read: (chunk) => {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        parts.push(chunk.subarray(start, nl));
        record(Buffer.concat(parts));
        parts = [];
        start = nl + 1;
      }
      if (start < chunk.length) parts.push(chunk.subarray(start));
    },
    digest: () => hash.digest('hex'),
    longest: () => longest,
  };
};

/** Wraps a reader: at most `rate` bytes per second (pauses the stream when ahead). */
const throttled = (rate, inner = () => undefined) => {
  let got = 0;
  let t0;
  return (chunk, stream) => {
    t0 ??= performance.now();
    got += chunk.length;
    inner(chunk);
    const ahead = got / rate - (performance.now() - t0) / 1000;
    if (ahead > 0.01) {
      stream.pause();
      setTimeout(() => stream.resume(), ahead * 1000);
    }
  };
};

// ---------------------------------------------------------------------------------------------------------

const HUGE_MB = Number(process.env.HUGE_MB ?? 600);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const ROUNDS_B = Number(process.env.ROUNDS_B ?? 1);
const HOSTS_B = Number(process.env.HOSTS_B ?? 20);
const B_BYTES = 10 * MB;
const B_RATE = 10 * MB;

console.log('Huge outputs: one huge line, and a throttled reader (issue 11 §4)');
console.log(platformLine());
console.log(loadAverageLine());
console.log(`rxjobs build measured: ${DIST}`);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjobs-bench-huge-'));
const { fleet, line: fleetLine } = await startBenchFleet(Math.max(1, HOSTS_B));
console.log(fleetLine);
const host = fleet.hosts[0];
const rxssh = path.join(DIST, 'cli', 'rxssh.js');
const rxsshBase = [
  rxssh,
  '-l',
  fleet.user,
  '-p',
  String(fleet.port),
  '-i',
  fleet.clientKey,
  '-F',
  'none',
  '-O',
  `UserKnownHostsFile=${fleet.knownHosts}`,
  '-O',
  'StrictHostKeyChecking=yes',
  '-q',
];
const { sshArgs } = fleetClient({ fleet, work: os.tmpdir(), env: process.env });

const log = [];
try {
  // (a) one line of HUGE_MB MB (base64 text, no newline inside), then `\n`
  const file = path.join(work, 'line.txt');
  const t0 = performance.now();
  fs.writeFileSync(file, '');
  const make = spawn('/bin/bash', [
    '-c',
    `head -c ${Math.ceil((HUGE_MB * MB * 3) / 4)} /dev/urandom | base64 -w 0 | head -c ${HUGE_MB * MB} > ${shQuote(file)}; echo >> ${shQuote(file)}`,
  ]);
  await new Promise((resolve) => make.on('close', resolve));
  const sent = sha256File(file);
  console.log(`\n(a) one line of ${HUGE_MB} MB (made in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const prefixedSha = await new Promise((resolve) => {
    const h = createHash('sha256').update(`${host.address}:`);
    fs.createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')));
  });
  const cat = `cat ${shQuote(file)}`;
  const outDir = path.join(work, 'out');
  const tools = [
    {
      name: 'rxssh (host:line)',
      run: async () => {
        const r = hashing();
        const m = await measure(process.execPath, [...rxsshBase, '-t', host.address, cat], r.read);
        return { ...m, ok: m.code === 0 && r.digest() === prefixedSha };
      },
    },
    {
      name: 'rxssh --json',
      run: async () => {
        const r = jsonDecoding();
        const m = await measure(process.execPath, [...rxsshBase, '--json', '-t', host.address, cat], r.read);
        return {
          ...m,
          ok: m.code === 0 && r.digest() === sent,
          note: `longest record ${fmt(r.longest() / MB, 2)} MB`,
        };
      },
    },
    {
      name: 'rxssh -o DIR',
      run: async () => {
        fs.rmSync(outDir, { recursive: true, force: true });
        const m = await measure(
          process.execPath,
          [...rxsshBase, '-o', outDir, '-t', host.address, cat],
          () => undefined,
        );
        const ok = m.code === 0 && sha256File(path.join(outDir, host.address)) === sent;
        fs.rmSync(outDir, { recursive: true, force: true });
        return { ...m, ok };
      },
    },
    {
      name: 'library (SshNode exec)',
      run: async () => {
        let out = '';
        const options = {
          dist: DIST,
          host: host.address,
          port: fleet.port,
          user: fleet.user,
          key: fleet.clientKey,
          knownHosts: fleet.knownHosts,
          file,
        };
        const m = await measure(
          process.execPath,
          [path.join(ROOT, 'bench', 'huge-output.bench.mjs'), '--consumer', JSON.stringify(options)],
          (c) => (out += c),
        );
        return { ...m, ok: m.code === 0 && out.trim() === sent };
      },
    },
    {
      name: 'peer: ssh host cat',
      run: async () => {
        const r = hashing();
        const m = await measure('ssh', [...sshArgs, `${fleet.user}@${host.address}`, cat], r.read);
        return { ...m, ok: m.code === 0 && r.digest() === sent };
      },
    },
    {
      name: 'peer: cat FILE',
      run: async () => {
        const r = hashing();
        const m = await measure('cat', [file], r.read);
        return { ...m, ok: m.code === 0 && r.digest() === sent };
      },
    },
  ];
  await runRounds(tools, ROUNDS, `a`);
  fs.rmSync(file, { force: true });

  // (b) HOSTS_B hosts x 10 MiB of text lines, read at 10 MiB/s
  const lines = path.join(work, 'lines.txt');
  await new Promise((resolve) =>
    spawn('/bin/bash', [
      '-c',
      `head -c ${Math.ceil((B_BYTES * 3) / 4) + 1000} /dev/urandom | base64 -w 76 | head -c ${B_BYTES - 1} > ${shQuote(lines)}; echo >> ${shQuote(lines)}`,
    ]).on('close', resolve),
  );
  const hostsB = fleet.hosts.slice(0, HOSTS_B);
  const range = `${hostsB[0].address}-${hostsB.at(-1).address.split('.')[3]}`;
  const targetsB = hostsB.flatMap((h) => ['-t', h.address]);
  console.log(`\n(b) ${HOSTS_B} hosts (${range}) x 10 MiB of 77-byte lines, read at 10 MiB/s`);
  const total = HOSTS_B * B_BYTES;
  const toolsB = [
    {
      name: 'rxssh | slow reader',
      run: async () => {
        let got = 0;
        const m = await measure(
          process.execPath,
          [...rxsshBase, '--raw', ...targetsB, `cat ${shQuote(lines)}`],
          throttled(B_RATE, (c) => (got += c.length)),
        );
        return { ...m, ok: m.code === 0 && got === total };
      },
    },
    {
      name: 'peer: ssh loop | slow reader',
      run: async () => {
        let got = 0;
        const loop = `for h in "$@"; do ssh ${sshArgs.map(shQuote).join(' ')} ${fleet.user}@"$h" ${shQuote(`cat ${shQuote(lines)}`)} & done; wait`;
        const m = await measure(
          '/bin/bash',
          ['-c', loop, 'bench', ...hostsB.map((h) => h.address)],
          throttled(B_RATE, (c) => (got += c.length)),
        );
        return { ...m, ok: m.code === 0 && got === total, note: 'RSS: largest process (one ssh)' };
      },
    },
  ];
  await runRounds(toolsB, ROUNDS_B, 'b');
} finally {
  await fleet.stop();
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(rusageFile, { force: true });
}

console.log('');
for (const line of log) console.log(line);
console.log(`load average (1 min) at end: ${loadAverage()}`);

/** Runs each tool `rounds` times, the order rotating; prints the medians; records the targets. */
async function runRounds(tools, rounds, key) {
  const runs = new Map(tools.map((t) => [t, []]));
  for (let round = 0; round < rounds; round++)
    for (let i = 0; i < tools.length; i++) {
      const tool = tools[(i + round) % tools.length];
      runs.get(tool).push(await tool.run());
    }
  const table = textTable([
    ['tool', 30, 'l'],
    ['wall s', 8, 'r'],
    ['peak RSS MB', 12, 'r'],
    ['all bytes', 10, 'l'],
    ['note', 30, 'l'],
  ]);
  console.log(table.head(['tool', 'wall s', 'peak RSS MB', 'all bytes', 'note']).join('\n'));
  for (const tool of tools) {
    const rs = runs.get(tool);
    const rss = median(rs.map((r) => r.rssMb).filter((x) => x !== undefined));
    const ok = rs.every((r) => r.ok);
    console.log(
      table.row([
        tool.name,
        fmt(median(rs.map((r) => r.wallMs)) / 1000, 1),
        fmt(rss, 0),
        ok ? 'yes' : `NO (exit ${String(rs.find((r) => !r.ok)?.code)})`,
        rs[0]?.note ?? '',
      ]),
    );
    if (!tool.name.startsWith('peer'))
      log.push(
        `${ok && rss !== undefined && rss <= LIMIT_MB ? 'PASS' : 'MISS'}  (${key}) ${tool.name}: peak RSS ${fmt(rss, 0)} MB <= ${LIMIT_MB} MB, every byte delivered: ${ok ? 'yes' : 'no'}`,
      );
  }
}
