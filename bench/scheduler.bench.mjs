// Scheduler benchmark: rxjobs against a minimal Promise-based topological runner (the floor).
// Run with `npm run bench` (builds, then `node --expose-gc bench/scheduler.bench.mjs`). Prints figures, asserts
// nothing. Each row runs in a fresh child process (this same script with `--child`), so that its peak RSS is
// its own and not the high-water mark left by the previous rows.
import { fork } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';

import { of } from 'rxjs';

import { Job, Scheduler } from '../dist/index.js';
import {
  fmtRatio,
  loadAverageLine,
  MB,
  median,
  readVersion,
  targetsMetLine,
  textTable,
} from './bench-kit.mjs';

const N = 100_000;
const N_SMALL = 10_000;
const LAYER = 1_000; // case (c): jobs per layer
const FAN_IN = 5; // case (c): requirements per job, distinct, in the previous layer
const SEED = 0x5eed;
const REPS = 5; // measured runs, after one warm-up run
const SLOW_RUN_MS = 30_000; // a run longer than this ends the repetitions of its row
const CHILD_KILL_MS = 100_000; // a child still running after this is killed
const BUDGET_MS = 170_000; // rows not started within this are skipped
const SAMPLE_MS = 5;
const SAMPLE_SIZE = 100; // jobs whose result is checked on each run

const TARGET_TOTAL_MS = 500;
const TARGET_JOBS_PER_S = 200_000;
const TARGET_RSS_MB = 500;
const TARGET_FLOOR_RATIO = 3;
const TARGET_LINEARITY = 15;

const CASES = {
  a: 'a independent',
  b: 'b chain',
  c: 'c layered DAG',
};

// ---------------------------------------------------------------------------------------------------------
// Job-definition data: for each job, the indexes of the jobs it requires (shared by both runners).

/** A 32-bit linear congruential generator (Numerical Recipes constants); returns floats in [0, 1). */
function lcg(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** `deps[i]`: the indexes required by job i (`undefined`: none); every index is below i. */
function makeGraph(caseKey, n) {
  const deps = new Array(n).fill(undefined);
  if (caseKey === 'b') for (let i = 1; i < n; i++) deps[i] = [i - 1];
  else if (caseKey === 'c') {
    const random = lcg(SEED);
    for (let i = LAYER; i < n; i++) {
      const base = (Math.floor(i / LAYER) - 1) * LAYER;
      const picked = [];
      while (picked.length < FAN_IN) {
        const k = base + Math.floor(random() * LAYER);
        if (!picked.includes(k)) picked.push(k);
      }
      deps[i] = picked;
    }
  }
  return deps;
}

const countEdges = (deps) => deps.reduce((sum, d) => sum + (d === undefined ? 0 : d.length), 0);

// ---------------------------------------------------------------------------------------------------------
// The two runners. `build` is the timed construction, `run` the timed execution, `check` the verification.

const rxjobs = {
  build(deps, variant) {
    const n = deps.length;
    const jobs = new Array(n);
    for (let i = 0; i < n; i++) {
      const work = variant === 'sync' ? () => of(i) : async () => i;
      const d = deps[i];
      if (d === undefined) jobs[i] = new Job(work);
      else if (d.length === 1) jobs[i] = new Job(work, { requires: jobs[d[0]] });
      else jobs[i] = new Job(work, { requires: d.map((k) => jobs[k]) });
    }
    return { jobs, scheduler: new Scheduler(jobs) };
  },
  run: (built) => built.scheduler.orchestrate(),
  result: (built, i) => built.jobs[i].result(),
};

/**
 * The floor: per job a counter of unfinished requirements and an array of dependents; every job whose counter
 * is 0 starts; when its work's Promise resolves, its dependents' counters are decremented and those reaching
 * 0 start; resolves true when every job is done.
 */
function runFloor(nodes) {
  return new Promise((resolve, reject) => {
    let left = nodes.length;
    if (left === 0) {
      resolve(true);
      return;
    }
    for (const node of nodes) {
      node.pending = node.deps.length;
      node.dependents = [];
      node.value = undefined;
    }
    for (const node of nodes) for (const dep of node.deps) dep.dependents.push(node);
    const start = (node) => {
      let promise;
      try {
        promise = Promise.resolve(node.work());
      } catch (e) {
        reject(e);
        return;
      }
      promise.then((value) => {
        node.value = value;
        for (const dependent of node.dependents) if (--dependent.pending === 0) start(dependent);
        if (--left === 0) resolve(true);
      }, reject);
    };
    for (const node of nodes) if (node.pending === 0) start(node);
  });
}

const NO_DEPS = Object.freeze([]);

const floor = {
  build(deps, variant) {
    const n = deps.length;
    const nodes = new Array(n);
    for (let i = 0; i < n; i++) {
      // the synchronous variant returns the plain value, which the runner wraps with Promise.resolve
      const work = variant === 'sync' ? () => i : async () => i;
      const d = deps[i];
      const requires = d === undefined ? NO_DEPS : d.map((k) => nodes[k]);
      nodes[i] = { work, deps: requires, pending: 0, dependents: undefined, value: undefined };
    }
    return { nodes };
  },
  run: (built) => runFloor(built.nodes),
  result: (built, i) => built.nodes[i].value,
};

const RUNNERS = { rxjobs, floor };

// ---------------------------------------------------------------------------------------------------------
// Child: one row (case, size, variant, runner): one warm-up run, then REPS measured runs.

const gc = () => {
  if (typeof globalThis.gc === 'function') globalThis.gc();
};
const rssNow = () => process.memoryUsage().rss;

async function measureOnce(runner, deps, variant) {
  const n = deps.length;
  let peak = rssNow();
  const sampler = setInterval(() => {
    const rss = rssNow();
    if (rss > peak) peak = rss;
  }, SAMPLE_MS);
  const failures = [];
  let t0, t1, t2;
  try {
    t0 = performance.now();
    const built = runner.build(deps, variant);
    t1 = performance.now();
    const ok = await runner.run(built);
    t2 = performance.now();
    peak = Math.max(peak, rssNow());
    if (ok !== true) failures.push(`run resolved ${String(ok)}, expected true`);
    let wrong = 0;
    let example = '';
    for (let k = 0; k < SAMPLE_SIZE; k++) {
      const i = Math.round((k * (n - 1)) / (SAMPLE_SIZE - 1));
      const got = runner.result(built, i);
      if (got !== i) {
        if (wrong === 0) example = `job ${String(i)}: result ${String(got)}, expected ${String(i)}`;
        wrong++;
      }
    }
    if (wrong > 0)
      failures.push(`${String(wrong)}/${String(SAMPLE_SIZE)} sampled results wrong (${example})`);
  } catch (e) {
    t1 ??= performance.now();
    t2 = performance.now();
    failures.push(`threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  } finally {
    clearInterval(sampler);
  }
  return { construct: t1 - t0, run: t2 - t1, total: t2 - t0, peakRss: peak, failures };
}

async function child(config) {
  const send = (message) =>
    new Promise((resolve) => {
      process.send(message, resolve);
    });
  const deps = makeGraph(config.caseKey, config.n);
  const runner = RUNNERS[config.runner];
  gc();
  await send({ kind: 'baseline', rss: rssNow() });
  for (let rep = 0; rep <= REPS; rep++) {
    gc();
    const m = await measureOnce(runner, deps, config.variant);
    await send({ kind: 'run', rep, ...m });
    if (m.total > SLOW_RUN_MS && rep < REPS) {
      await send({ kind: 'slow', rep, total: m.total });
      break;
    }
  }
  await send({ kind: 'done' });
  process.disconnect();
}

// ---------------------------------------------------------------------------------------------------------
// Parent: runs every row in its own child, prints the table and the summary.

const fmtInt = (x) => Math.round(x).toLocaleString('en-US');
const fmtMs = (x) => x.toFixed(x < 100 ? 1 : 0);

const COLUMNS = [
  ['case', 16, 'l'],
  ['N', 7, 'r'],
  ['variant', 7, 'l'],
  ['runner', 6, 'l'],
  ['construct ms', 12, 'r'],
  ['run ms', 8, 'r'],
  ['total ms', 8, 'r'],
  ['jobs/s', 10, 'r'],
  ['peak RSS MB', 11, 'r'],
  ['vs floor', 8, 'r'],
  ['runs', 4, 'r'],
];
const table = textTable(COLUMNS);

function runChild(config, log) {
  return new Promise((resolve) => {
    const result = { config, runs: [], baseline: undefined, slow: false, error: undefined };
    const proc = fork(process.argv[1], ['--child', JSON.stringify(config)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    proc.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const killer = globalThis.setTimeout(() => {
      result.error = `killed after ${String(CHILD_KILL_MS / 1000)} s`;
      proc.kill('SIGKILL');
    }, CHILD_KILL_MS);
    proc.on('message', (message) => {
      if (message.kind === 'baseline') result.baseline = message.rss;
      else if (message.kind === 'run') {
        result.runs.push(message);
        const which = message.rep === 0 ? 'warm-up run' : `run ${String(message.rep)}`;
        for (const failure of message.failures) log(`FAIL ${label(config)} ${which}: ${failure}`);
      } else if (message.kind === 'slow') {
        result.slow = true;
        log(
          `SLOW ${label(config)}: run ${String(message.rep)} took ${fmtMs(message.total)} ms ` +
            `(> ${String(SLOW_RUN_MS / 1000)} s), remaining repetitions skipped`,
        );
      }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(killer);
      if (result.error === undefined && (code !== 0 || signal !== null))
        result.error = `child exited with ${signal ?? `code ${String(code)}`}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
      if (result.error !== undefined) log(`FAIL ${label(config)}: ${result.error}`);
      resolve(result);
    });
  });
}

const label = (c) => `${CASES[c.caseKey]} N=${String(c.n)} ${c.variant} ${c.runner}`;

/** Medians over the measured runs (the warm-up run only when nothing else was measured). */
function summarize(result) {
  const measured = result.runs.filter((r) => r.rep > 0);
  const runs = measured.length > 0 ? measured : result.runs;
  if (runs.length === 0) return undefined;
  const total = median(runs.map((r) => r.total));
  return {
    construct: median(runs.map((r) => r.construct)),
    run: median(runs.map((r) => r.run)),
    total,
    jobsPerSecond: result.config.n / (total / 1000),
    peakRssMb: median(runs.map((r) => r.peakRss)) / MB,
    count: measured.length > 0 ? String(measured.length) : 'w-up',
    failed: result.runs.some((r) => r.failures.length > 0) || result.error !== undefined,
  };
}

async function parent() {
  const began = performance.now();
  const log = (line) => {
    console.log(line);
  };
  const cpus = os.cpus();
  log('rxjobs scheduler benchmark');
  log(
    `node ${process.version} (${process.platform}/${process.arch}), ${String(cpus.length)} cores` +
      `${cpus[0] === undefined ? '' : ` (${cpus[0].model.trim()})`}, ` +
      `rxjobs ${readVersion('package.json')}, rxjs ${readVersion('node_modules/rxjs/package.json')}`,
  );
  log(loadAverageLine());
  const edges = {};
  for (const [key, n] of [
    ['a', N],
    ['b', N],
    ['c', N],
    ['c', N_SMALL],
  ])
    edges[`${key}${String(n)}`] = countEdges(makeGraph(key, n));
  log(
    `graphs: a: ${fmtInt(N)} independent jobs (${fmtInt(edges[`a${String(N)}`])} edges); ` +
      `b: chain of ${fmtInt(N)} (${fmtInt(edges[`b${String(N)}`])} edges); ` +
      `c: ${fmtInt(N)} jobs in layers of ${fmtInt(LAYER)}, ${String(FAN_IN)} requirements each in the previous ` +
      `layer (LCG seed ${String(SEED)}): ${fmtInt(edges[`c${String(N)}`])} edges; ` +
      `at N=${fmtInt(N_SMALL)}: ${fmtInt(edges[`c${String(N_SMALL)}`])} edges`,
  );
  log(
    `work: sync = () => of(i) for rxjobs, () => i for the floor (wrapped with Promise.resolve); ` +
      `async = async () => i for both`,
  );
  log(
    `figures: medians of ${String(REPS)} runs after 1 warm-up, gc between runs, one fresh process per row; ` +
      `construct = new Job()s + requires + new Scheduler() (floor: plain {work, deps} objects); ` +
      `run = orchestrate(); peak RSS = whole process, sampled every ${String(SAMPLE_MS)} ms + before/after`,
  );
  log('');
  for (const line of table.head()) log(line);

  const figures = new Map(); // label -> summary
  const baselines = [];
  const pairs = [];
  for (const caseKey of ['a', 'b', 'c'])
    for (const variant of ['sync', 'async']) pairs.push({ caseKey, n: N, variant });
  for (const variant of ['sync', 'async']) pairs.push({ caseKey: 'c', n: N_SMALL, variant });

  for (const pair of pairs) {
    const summaries = {};
    for (const runner of ['rxjobs', 'floor']) {
      const config = { ...pair, runner };
      if (performance.now() - began > BUDGET_MS) {
        log(`SKIP ${label(config)}: time budget of ${String(BUDGET_MS / 1000)} s spent`);
        continue;
      }
      const result = await runChild(config, log);
      if (result.baseline !== undefined) baselines.push(result.baseline);
      const summary = summarize(result);
      if (summary !== undefined) {
        summaries[runner] = summary;
        figures.set(label(config), summary);
      }
    }
    for (const runner of ['rxjobs', 'floor']) {
      const s = summaries[runner];
      if (s === undefined) continue;
      const ratio =
        runner === 'rxjobs' && summaries.floor !== undefined ? s.total / summaries.floor.total : undefined;
      s.ratio = ratio;
      log(
        table.row([
          CASES[pair.caseKey],
          fmtInt(pair.n),
          pair.variant,
          runner,
          fmtMs(s.construct),
          fmtMs(s.run),
          fmtMs(s.total),
          fmtInt(s.jobsPerSecond),
          fmtInt(s.peakRssMb),
          fmtRatio(ratio),
          s.count + (s.failed ? ' FAIL' : ''),
        ]),
      );
    }
  }

  // linearity: case (c), rxjobs, total time at N over total time at N_SMALL
  const linearity = {};
  for (const variant of ['sync', 'async']) {
    const big = figures.get(label({ caseKey: 'c', n: N, variant, runner: 'rxjobs' }));
    const small = figures.get(label({ caseKey: 'c', n: N_SMALL, variant, runner: 'rxjobs' }));
    linearity[variant] = big !== undefined && small !== undefined ? big.total / small.total : undefined;
  }
  log('');
  log(
    `linearity, case c, rxjobs, total(${fmtInt(N)}) / total(${fmtInt(N_SMALL)}): ` +
      `sync ${fmtRatio(linearity.sync)}, async ${fmtRatio(linearity.async)} (${String(N / N_SMALL)}x is linear)`,
  );
  if (baselines.length > 0)
    log(
      `RSS of an idle child (graph data loaded, before the first run): ~${fmtInt(median(baselines) / MB)} MB`,
    );

  // summary of the targets, on the synchronous variant at N
  let met = 0;
  let count = 0;
  /** One cell: the figure, right-aligned, then whether it meets its target. */
  const verdict = (text, ok, width) => {
    count++;
    if (ok === undefined) return `${text.padStart(width)} n/a    `;
    if (ok) met++;
    return `${text.padStart(width)} ${ok ? 'met    ' : 'NOT MET'}`;
  };
  const check = (value, test) => (value === undefined ? undefined : test(value));
  const widths = [14, 22, 22, 22, 20];
  const line = (cells) =>
    `  ${cells.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]) : cell.padStart(widths[k]))).join('  ')}`;
  log('');
  log(`targets (rxjobs, sync variant, N = ${fmtInt(N)}):`);
  log(
    line([
      'case',
      `total ms <= ${String(TARGET_TOTAL_MS)}`,
      `jobs/s >= ${fmtInt(TARGET_JOBS_PER_S)}`,
      `peak RSS MB <= ${String(TARGET_RSS_MB)}`,
      `vs floor <= ${String(TARGET_FLOOR_RATIO)}x`,
    ]),
  );
  for (const caseKey of ['a', 'b', 'c']) {
    const s = figures.get(label({ caseKey, n: N, variant: 'sync', runner: 'rxjobs' }));
    log(
      line([
        CASES[caseKey],
        verdict(
          s ? fmtMs(s.total) : '?',
          check(s?.total, (x) => x <= TARGET_TOTAL_MS),
          10,
        ),
        verdict(
          s ? fmtInt(s.jobsPerSecond) : '?',
          check(s?.jobsPerSecond, (x) => x >= TARGET_JOBS_PER_S),
          10,
        ),
        verdict(
          s ? fmtInt(s.peakRssMb) : '?',
          check(s?.peakRssMb, (x) => x <= TARGET_RSS_MB),
          10,
        ),
        verdict(
          fmtRatio(s?.ratio),
          check(s?.ratio, (x) => x <= TARGET_FLOOR_RATIO),
          8,
        ),
      ]),
    );
  }
  log(
    `  ${'linearity c'.padEnd(widths[0])}  total(${fmtInt(N)}) / total(${fmtInt(N_SMALL)}) <= ` +
      `${String(TARGET_LINEARITY)}x: ` +
      verdict(
        fmtRatio(linearity.sync),
        check(linearity.sync, (x) => x <= TARGET_LINEARITY),
        0,
      ),
  );
  log(targetsMetLine(met, count, began));
}

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]));
else await parent();
