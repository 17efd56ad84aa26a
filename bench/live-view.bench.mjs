// What the live view of `rxjobs run` costs: the CPU (user + system, GNU time, the node process and the
// shells of its local jobs) of runs of 200 fast jobs in a pseudo-terminal (util-linux `script`, 120 × 40),
// with the live view (the default on a terminal), with the one progress line (RXJOBS_LIVE=0) and with no
// progress at all (TERM=dumb). Two scenarios: 200 independent jobs printing one line each (every line erases
// and redraws the block), and a matrix of 200 instances (one folded line). Modes interleaved in each round,
// the order rotating; 1 warm-up round, then LIVE_BENCH_RUNS (default 9) measured ones; medians.
// Run with `npm run build && node bench/live-view.bench.mjs`. Prints figures, asserts nothing.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  fmt,
  fmtRatio,
  loadAverageLine,
  median,
  platformLine,
  ROOT,
  shQuote,
  TIME,
  textTable,
} from './bench-kit.mjs';

const RUNS = Number(process.env.LIVE_BENCH_RUNS ?? '9');
const JOBS = 200;
const CLI = path.join(ROOT, 'dist', 'cli', 'rxjobs.js');
if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build first`);
if (TIME === undefined) throw new Error('GNU time (/usr/bin/time) is needed for the CPU figures');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjobs-live-bench-'));
const ids = Array.from({ length: JOBS }, (_, i) => `j${String(i + 1).padStart(3, '0')}`);
const SCENARIOS = {
  jobs: `nodes: [{ id: n, local: true }]\nscheduler: { jobsWindow: 20 }\njobs:\n${ids
    .map((id) => `  - { id: ${id}, node: n, commands: ['echo ${id}'] }`)
    .join('\n')}\n`,
  matrix: `nodes: [{ id: n, local: true }]\njobs:\n  - id: m\n    matrix: { x: [${ids
    .map((_, i) => String(i + 1))
    .join(', ')}] }\n    jobsWindow: 20\n    jobs: [{ id: t, node: n, commands: ['echo {{x}}'] }]\n`,
};
const MODES = {
  'live view': {},
  'progress line': { RXJOBS_LIVE: '0' },
  'no progress': { TERM: 'dumb' },
};

/** One run in a pty: its CPU and wall time in ms, from GNU time inside the pty (script's own CPU left out). */
function runOnce(file, env) {
  const rusage = path.join(dir, 'rusage');
  const command = `stty cols 120 rows 40 && exec ${TIME} -f '%e %U %S' -o ${shQuote(rusage)} ${shQuote(
    process.execPath,
  )} ${shQuote(CLI)} run ${shQuote(file)}`;
  const r = spawnSync('script', ['-qfec', command, '/dev/null'], {
    env: { ...process.env, TERM: 'xterm', NO_COLOR: '', FORCE_COLOR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const [wall, user, sys] = fs.readFileSync(rusage, 'utf8').trim().split(/\s+/).map(Number);
  return { cpuMs: (user + sys) * 1000, wallMs: wall * 1000, bytes: r.stdout.length, ok: r.status === 0 };
}

console.log(
  `live-view bench: ${String(JOBS)} fast local jobs in a pty, ${String(RUNS)} runs per mode (medians)`,
);
console.log(platformLine());
console.log(loadAverageLine());
for (const [name, text] of Object.entries(SCENARIOS)) {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, text);
  const results = Object.fromEntries(Object.keys(MODES).map((m) => [m, []]));
  const modes = Object.entries(MODES);
  for (let round = 0; round <= RUNS; round++)
    for (let k = 0; k < modes.length; k++) {
      const [mode, env] = modes[(round + k) % modes.length];
      const r = runOnce(file, env);
      if (!r.ok) throw new Error(`${name}, ${mode}: the run failed`);
      if (round > 0) results[mode].push(r);
    }
  const base = median(results['no progress'].map((r) => r.cpuMs));
  const table = textTable([
    ['mode', 14, 'l'],
    ['CPU ms', 8, 'r'],
    ['vs none', 8, 'r'],
    ['wall ms', 8, 'r'],
    ['bytes to tty', 12, 'r'],
  ]);
  console.log(`\n${name}: ${name === 'jobs' ? '200 jobs, one line each' : 'a matrix of 200 instances'}`);
  for (const line of table.head()) console.log(line);
  for (const [mode, rs] of Object.entries(results)) {
    const cpu = median(rs.map((r) => r.cpuMs));
    console.log(
      table.row([
        mode,
        fmt(cpu, 0),
        fmtRatio(cpu / base),
        fmt(median(rs.map((r) => r.wallMs)), 0),
        fmt(median(rs.map((r) => r.bytes)), 0),
      ]),
    );
  }
}
fs.rmSync(dir, { recursive: true, force: true });

// The live view's own work, in this process (no child, so the machine's load moves it less): a run of 200
// units told to a fake terminal, 20 running at a time, each unit's start, line and end drawn (the erase, the
// line, the redraw at the end of the tick, as run-output drives it).
const { LiveView } = await import(path.join(ROOT, 'dist', 'render', 'live-view.js'));
const { Writable } = await import('node:stream');
async function ownWork() {
  let bytes = 0;
  const tty = Object.assign(
    new Writable({
      write: (chunk, _encoding, callback) => {
        bytes += chunk.length;
        callback();
      },
    }),
    { isTTY: true, columns: 120, rows: 40 },
  );
  const jobs = ids.map((label) => ({ label, status: 'idle', isTolerated: () => false }));
  const units = jobs.map((job) => ({ job, label: job.label }));
  const live = new LiveView(tty, units, { name: 'rxjobs', unit: 'jobs', ascii: false });
  const out = live.wrap(tty);
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  const t0 = process.cpuUsage();
  for (let i = 0; i < JOBS + 20; i++) {
    if (i < JOBS) jobs[i].status = 'running';
    live.update();
    const ending = jobs[i - 20];
    if (ending !== undefined) {
      out.write(`n:${ending.label}\n`);
      ending.status = 'done';
      live.update();
    }
    await tick();
  }
  const used = process.cpuUsage(t0);
  live.stop();
  return { cpuMs: (used.user + used.system) / 1000, bytes };
}
const own = [];
for (let round = 0; round <= RUNS; round++) {
  const r = await ownWork();
  if (round > 0) own.push(r);
}
const ownMs = median(own.map((r) => r.cpuMs));
console.log(
  `\nthe live view's own work for ${String(JOBS)} jobs (in process, ${String(JOBS + 20)} ticks, a draw each): ` +
    `${fmt(ownMs, 1)} ms CPU (${fmt((ownMs * 1000) / (JOBS + 20), 0)} µs a draw), ${String(own[0]?.bytes)} bytes`,
);
