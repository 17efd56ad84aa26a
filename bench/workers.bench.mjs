// SSH worker threads: what one costs to start, and what a message costs (issue 15 §2). Run after
// `npm run build`: `node bench/workers.bench.mjs`. Prints figures, asserts nothing.
//   start   a worker on the package's script (dist/nodes/ssh/worker/ssh-worker.js, ES modules) and on the CLI
//           bundles' (dist/cli/ssh-worker.js): wall ms to its first answer, and the process's CPU ms for it
//   message output chunks of 32 KiB posted by a worker, their ArrayBuffer transferred (as the worker's exec
//           posts them), acknowledged every 128 KiB: CPU µs per message and per MiB, MiB/s. With the bytes
//           copied into a fresh ArrayBuffer first, as the worker does (ssh2's buffer may share its memory).
//   echo10  `rxssh echo ok` on 10 hosts (the CLI bundle, `--no-record`), with RXJOBS_SSH_WORKERS=0 and 2 in turn
// Environment: WORKERS_BENCH_RUNS (default 7) runs per figure; WORKERS_BENCH_MB (default 1024) MiB sent;
// WORKERS_BENCH_ECHO=0 skips echo10 (which needs `npm run build:harness`).
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.WORKERS_BENCH_RUNS ?? 7);
const MB = Number(process.env.WORKERS_BENCH_MB ?? 1024);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

console.log(
  `SSH worker threads: node ${process.version}, ${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(2)}`,
);

// ---- start: the worker answers a close of a node it does not know (an error message): its script is loaded
for (const script of ['dist/nodes/ssh/worker/ssh-worker.js', 'dist/cli/ssh-worker.js']) {
  const walls = [];
  const cpus = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    const w = new Worker(path.join(ROOT, script));
    await new Promise((resolve) => {
      w.once('message', resolve);
      w.postMessage({ t: 'close', op: 1, node: 1 });
    });
    const wall = performance.now() - t0;
    const cpu = cpuMs() - c0;
    await w.terminate();
    if (i > 0) {
      walls.push(wall);
      cpus.push(cpu);
    }
  }
  console.log(
    `start ${script}: ${median(walls).toFixed(1)} ms wall, ${median(cpus).toFixed(1)} ms CPU (median of ${RUNS})`,
  );
}

// ---- message: chunks from a worker
const CHUNK = 32 * 1024;
const count = Math.ceil((MB * 1024 * 1024) / CHUNK);
const code = `
const { parentPort } = require('node:worker_threads');
const source = Buffer.alloc(${CHUNK} + 13, 1); // as ssh2's packet: the payload at an offset
let unacked = 0, sent = 0, waiting = false;
const pump = () => {
  waiting = false;
  while (sent < ${count}) {
    if (unacked > 512 * 1024) { waiting = true; return; }
    const data = new Uint8Array(source.subarray(13)).buffer;
    parentPort.postMessage({ t: 'chunk', op: 1, stream: 'stdout', data }, [data]);
    unacked += data.byteLength; sent++;
  }
  parentPort.postMessage({ t: 'done', op: 1 });
};
parentPort.on('message', (m) => { unacked -= m.bytes; if (waiting && unacked <= 256 * 1024) pump(); });
pump();
`;
const c0 = cpuMs();
const t0 = performance.now();
const w = new Worker(code, { eval: true });
let bytes = 0;
let toAck = 0;
await new Promise((resolve) => {
  w.on('message', (m) => {
    if (m.t === 'done') return resolve();
    const b = Buffer.from(m.data);
    bytes += b.length;
    toAck += b.length;
    if (toAck >= 128 * 1024) {
      w.postMessage({ t: 'ack', op: 1, bytes: toAck });
      toAck = 0;
    }
  });
});
const wall = (performance.now() - t0) / 1000;
const cpu = (cpuMs() - c0) / 1000;
await w.terminate();
const mib = bytes / 1024 / 1024;
console.log(
  `message: ${count} chunks of 32 KiB (${mib.toFixed(0)} MiB) in ${wall.toFixed(2)} s: ${(mib / wall).toFixed(0)} MiB/s; ` +
    `CPU ${cpu.toFixed(2)} s (both threads) = ${((cpu * 1e6) / count).toFixed(1)} µs per message, ` +
    `${((cpu / mib) * 1024).toFixed(2)} CPU-s per GiB; load ${os.loadavg()[0].toFixed(2)}`,
);

// ---- echo10: `rxssh echo ok` on 10 hosts, its nodes in this thread and in 2 workers, interleaved (needs
// `npm run build:harness` for the fleet); rxssh's start-up is a §3 target that workers must not slow
if (process.env.WORKERS_BENCH_ECHO !== '0') {
  const { startBenchFleet, runProcess, withoutExtraCaCerts } = await import('./bench-kit.mjs');
  const { fleet } = await startBenchFleet(10);
  try {
    const hosts = fleet.hosts.map((h) => h.address).join(',');
    const args = [
      ...['-F', 'none', '-i', fleet.clientKey, '-O', `UserKnownHostsFile=${fleet.knownHosts}`],
      ...['-O', 'StrictHostKeyChecking=yes', '-l', fleet.user, '-p', String(fleet.port), '--no-record'],
      ...['-t', hosts, 'echo', 'ok'],
    ];
    const rxssh = path.join(ROOT, 'dist', 'cli', 'rxssh.js');
    const figures = { 0: { wall: [], cpu: [] }, 2: { wall: [], cpu: [] } };
    for (let i = 0; i < 2 * RUNS + 2; i++) {
      const workers = i % 2 === 0 ? '0' : '2';
      const r = await runProcess(process.execPath, [rxssh, ...args], {
        capture: true,
        env: { ...withoutExtraCaCerts(), RXJOBS_SSH_WORKERS: workers },
      });
      const lines = r.stdout.split('\n').filter((l) => l.endsWith('ok')).length;
      if (r.code !== 0 || lines !== 10)
        throw new Error(`rxssh (${workers} workers): exit ${r.code}, ${lines} lines: ${r.stderr}`);
      if (i < 2) continue; // warm-up, each way
      figures[workers].wall.push(r.wallMs);
      figures[workers].cpu.push(r.cpuMs);
    }
    for (const [workers, f] of Object.entries(figures))
      console.log(
        `echo10 (${workers === '0' ? 'no workers' : `${workers} workers`}): ${median(f.wall).toFixed(0)} ms wall, ` +
          `${median(f.cpu).toFixed(0)} ms CPU (median of ${RUNS}); load ${os.loadavg()[0].toFixed(2)}`,
      );
  } finally {
    await fleet.stop();
  }
}
