// Scenario benchmark: reading, checking and building a 1,000-node, 10,000-job scenario file, phase by phase,
// against the YAML parsers alone on the same file (js-yaml, `yaml`), and the wall time of
// `rxjobs run FILE --dry-run`. Run with `npm run bench:scenario` (builds, then `node bench/scenario.bench.mjs`;
// `--groups` adds the group form (G), which needs the scenario groups and matrices of issue 13; `--compare
// DIR` adds the rows of the build in DIR/dist, DIR a checkout with its node_modules, say the main branch). Prints
// figures, asserts nothing. Each row runs in a fresh child process (this same script with `--child`): one
// warm-up run (the cold figure: what one `rxjobs run` pays), then REPS measured runs, medians of those.
import { fork, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

import { fmtRatio, loadAverageLine, median, readVersion, ROOT, targets, textTable } from './bench-kit.mjs';

const NODES = 1_000;
const JOBS = 10_000;
const GATEWAYS = 10; // (F): nodes 0..GATEWAYS-1 are gateways, every 10th other node is behind one
const REQUIRES = 3; // (F): requirements per job, among the 100 jobs before it
const REPS = 5; // measured runs, after one warm-up run
const CHILD_KILL_MS = 300_000;
const TARGET_MS = 1_000;

const DIST = path.join(ROOT, 'dist');
/** `--compare DIR`: also the rxjobs rows of another build (DIR/dist, with its node_modules), to show a change. */
const compareAt = process.argv.indexOf('--compare');
const COMPARE = compareAt === -1 ? undefined : path.resolve(process.argv[compareAt + 1] ?? '.', 'dist');
/** The URL of a file of a build (`root`: its dist/ directory). */
const dist = (root, file) => pathToFileURL(path.join(root, file)).href;

// ---------------------------------------------------------------------------------------------------------
// Scenario files. (F) flat: one entry per node and per job. (G) groups: nodes as ranges, group jobs, a matrix.

/** A 32-bit linear congruential generator (Numerical Recipes constants); returns floats in [0, 1). */
function lcg(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

const host = (i) => `node${String(i).padStart(4, '0')}`;

/** (F): the text of a flat file; its scripts and pushed files are in `dir`. */
function flatScenario() {
  const random = lcg(0x5eed);
  const lines = [
    'scheduler: {label: bench-flat, jobsWindow: 50}',
    'variables: {domain: example.org, version: 1.2.3, gwuser: bench}',
    'nodes:',
  ];
  for (let i = 0; i < NODES; i++) {
    if (i < GATEWAYS)
      lines.push(`  - {id: ${host(i)}, hostname: '${host(i)}.{{domain}}', username: '{{gwuser}}'}`);
    else if (i % 10 === 0)
      lines.push(
        `  - {id: ${host(i)}, hostname: ${host(i)}.example.org, username: root, gateway: ${host(i % GATEWAYS)}}`,
      );
    else if (i % 7 === 0)
      lines.push(
        `  - id: ${host(i)}\n    hostname: '${host(i)}.{{domain}}'\n    username: root\n    port: 22\n` +
          `    variables: {rack: r${String(i % 13)}}`,
      );
    else lines.push(`  - {id: ${host(i)}, hostname: ${host(i)}.example.org, username: root}`);
  }
  lines.push('jobs:');
  for (let j = 0; j < JOBS; j++) {
    const requires = [];
    if (j >= 100)
      while (requires.length < REQUIRES) {
        const r = j - 1 - Math.floor(random() * 100);
        if (!requires.includes(r)) requires.push(r);
      }
    lines.push(`  - id: job${String(j)}`, `    node: ${host(j % NODES)}`);
    if (requires.length > 0)
      lines.push(`    requires: [${requires.map((r) => `job${String(r)}`).join(', ')}]`);
    lines.push('    commands:');
    switch (j % 4) {
      case 0:
        lines.push(`      - echo prepare {{hostname}} ${String(j)}`);
        lines.push(`      - {type: RunScript, script: scripts/setup.sh, args: [init, '{{version}}']}`);
        break;
      case 1:
        lines.push(
          `      - {type: Push, localPaths: [files/data.bin, files/conf.txt], remoteDir: /tmp/j${String(j)}}`,
        );
        lines.push(
          `      - {type: Run, command: 'md5sum /tmp/j${String(j)}/data.bin', capture: sum${String(j)}}`,
        );
        break;
      case 2:
        lines.push(`      - {type: RunScript, script: scripts/run.sh, args: ['{{node}}', '${String(j)}']}`);
        lines.push(`      - {type: Pull, remotePaths: [/tmp/out.log], localDir: 'logs/{{hostname}}'}`);
        break;
      default:
        lines.push(`      - echo one ${String(j)}`, `      - echo two {{node}}`, `      - echo three`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * (G): the same size with the group syntax of issue 13 (README "A testbed in one file"): 1,000 hosts as ranges
 * behind a gateway (one group of two ranges), 9 group jobs on all of them in a chain, and a collect with runIf always (10 × 1,000 = 10,000
 * member jobs), and a matrix of 10 senders × 10 receivers (ranges over the same hosts, overlapping: their
 * nodes are shared, `where` leaves out a host paired with itself), 2 jobs per instance.
 */
function groupScenario() {
  const lines = [
    'scheduler: {label: bench-groups, jobsWindow: 50}',
    'variables: {version: 1.2.3, domain: example.org}',
    'nodes:',
    `  - {id: gw, hostname: 'gw.{{domain}}', username: bench}`,
    `  - {id: all, hostname: ['n[0000-0499].example.org', 'n[0500-0999].example.org'], username: root, gateway: gw}`,
    `  - {id: senders, hostname: 'n[0000-0009].example.org', username: root, gateway: gw}`,
    `  - {id: receivers, hostname: 'n[0005-0014].example.org', username: root, gateway: gw}`,
    'jobs:',
  ];
  for (let k = 0; k < 9; k++)
    lines.push(
      `  - id: stage${String(k)}`,
      `    node: all`,
      ...(k === 0 ? [] : [`    requires: stage${String(k - 1)}`]),
      `    maxFailures: 2%`,
      `    commands: [{type: RunScript, script: scripts/setup.sh, args: ['{{hostname}}', '{{version}}', ${String(k)}]}]`,
    );
  lines.push(
    '  - id: pairs',
    '    requires: stage8',
    '    matrix: {sender: senders, receiver: receivers}',
    '    where: sender != receiver',
    '    maxFailures: 1',
    '    jobs:',
    "      - {id: recv, node: receiver, commands: ['echo recv {{sender}} {{instance}}']}",
    "      - {id: send, node: sender, requires: recv, commands: ['echo send {{receiver}}']}",
    '  - id: collect',
    '    requires: pairs',
    '    node: all',
    '    runIf: always',
    "    commands: [{type: Pull, remotePaths: /tmp/out.log, localDir: 'logs/{{hostname}}'}]",
  );
  return `${lines.join('\n')}\n`;
}

function writeScenarios(dir, groups) {
  fs.mkdirSync(path.join(dir, 'scripts'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'files'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'scripts/setup.sh'), '#!/bin/sh\necho setup "$@"\n');
  fs.writeFileSync(path.join(dir, 'scripts/run.sh'), '#!/bin/sh\necho run "$@"\n');
  fs.writeFileSync(path.join(dir, 'files/data.bin'), Buffer.alloc(1024, 7));
  fs.writeFileSync(path.join(dir, 'files/conf.txt'), 'a = 1\n');
  const forms = [{ key: 'F', title: 'F flat', file: path.join(dir, 'flat.yaml'), text: flatScenario() }];
  if (groups)
    forms.push({ key: 'G', title: 'G groups', file: path.join(dir, 'groups.yaml'), text: groupScenario() });
  for (const form of forms) fs.writeFileSync(form.file, form.text);
  return forms;
}

// ---------------------------------------------------------------------------------------------------------
// Child: one row: one warm-up run, then REPS measured runs; each run sends its phases in ms.

/** CPU time (user + system) of this process since `start` (a `process.cpuUsage()`), in ms. */
const cpuMs = (start) => {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
};

const gc = () => {
  if (typeof globalThis.gc === 'function') globalThis.gc();
};

/** The YAML step of the loader that dist/ has: the js-yaml fast path when built, else `yaml`'s Document. */
async function yamlStep(root) {
  const fast = path.join(root, 'scenario/yaml-read.js');
  if (fs.existsSync(fast)) {
    const { readYaml } = await import(dist(root, 'scenario/yaml-read.js'));
    return {
      name: 'readYaml',
      parse: (text, file) => {
        const read = readYaml(text, file);
        if (read._tag === 'Left') throw new Error(JSON.stringify(read.left.slice(0, 3)));
        return read.right.data;
      },
    };
  }
  const { LineCounter, parseDocument } = await import('yaml');
  return {
    name: 'yaml parseDocument',
    parse: (text) => {
      const doc = parseDocument(text, { lineCounter: new LineCounter(), prettyErrors: false, merge: true });
      if (doc.errors.length > 0) throw new Error(doc.errors[0].message);
      return doc.toJS();
    },
  };
}

/** The rxjobs row: parseScenario's steps one by one (read, YAML, decode, checks), then build; and the API. */
async function rxjobsRun(root, file) {
  const { parseScenario } = await import(dist(root, 'scenario/load.js'));
  const { buildScenario } = await import(dist(root, 'scenario/build.js'));
  const { substituteNodes } = await import(dist(root, 'scenario/substitute-nodes.js'));
  const { ScenarioSpec } = await import(dist(root, 'scenario/codecs.js'));
  const { scenarioParts } = await import(dist(root, 'scenario/parts.js'));
  const { checkReferences } = await import(dist(root, 'scenario/check-references.js'));
  const { checkFiles } = await import(dist(root, 'scenario/check-files.js'));
  const groupChecks = fs.existsSync(path.join(root, 'scenario/check-groups.js'));
  const { checkGroups } = groupChecks
    ? await import(dist(root, 'scenario/check-groups.js'))
    : { checkGroups: () => [] };
  const step = await yamlStep(root);
  return () => {
    const phases = {};
    let t = performance.now();
    const lap = (name) => {
      const now = performance.now();
      phases[name] = now - t;
      t = now;
    };
    const text = fs.readFileSync(file, 'utf8');
    lap('read');
    const data = step.parse(text, file);
    lap('yaml');
    const substituted = substituteNodes(data);
    const decoded = ScenarioSpec.decode(substituted.data);
    lap('decode');
    const parts = scenarioParts(substituted.data, decoded._tag === 'Right' ? decoded.right : undefined);
    const problems = [
      ...substituted.problems,
      ...checkReferences(parts),
      ...checkFiles(parts, path.dirname(file)),
      ...checkGroups(parts, path.dirname(file)),
    ];
    lap('checks');
    if (decoded._tag === 'Left' || problems.length > 0)
      throw new Error(`problems: ${JSON.stringify(problems.slice(0, 3))}`);
    const built = buildScenario({ file, dir: path.dirname(file), spec: decoded.right });
    lap('build');
    phases.total = phases.read + phases.yaml + phases.decode + phases.checks + phases.build;
    // the same through the public API, as `rxjobs run` calls it
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const loaded = parseScenario(text, file);
    if (loaded._tag === 'Left') throw new Error(JSON.stringify(loaded.left.slice(0, 3)));
    const again = buildScenario(loaded.right);
    phases.api = performance.now() - t0 + phases.read;
    phases.cpu = cpuMs(c0) + phases.read;
    if (built.jobs.size !== again.jobs.size) throw new Error('the API built another number of jobs');
    return { phases, jobs: built.jobs.size, nodes: built.nodes.size, yamlStep: step.name };
  };
}

async function peerRun(peer, file) {
  if (peer === 'js-yaml') {
    const jsYaml = await import('js-yaml');
    const schema = jsYaml.CORE_SCHEMA.withTags(jsYaml.mergeTag);
    return () => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      jsYaml.load(fs.readFileSync(file, 'utf8'), { schema, maxTotalMergeKeys: -1 });
      return { phases: { total: performance.now() - t0, cpu: cpuMs(c0) } };
    };
  }
  const { parseDocument } = await import('yaml');
  return () => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    parseDocument(fs.readFileSync(file, 'utf8'), { merge: true }).toJS();
    return { phases: { total: performance.now() - t0, cpu: cpuMs(c0) } };
  };
}

async function child(config) {
  const send = (message) =>
    new Promise((resolve) => {
      process.send(message, resolve);
    });
  const once =
    config.runner === 'rxjobs'
      ? await rxjobsRun(config.dist, config.file)
      : await peerRun(config.runner, config.file);
  for (let rep = 0; rep <= REPS; rep++) {
    gc();
    try {
      await send({ kind: 'run', rep, ...once() });
    } catch (e) {
      await send({ kind: 'fail', rep, message: e instanceof Error ? e.message : String(e) });
      break;
    }
  }
  process.disconnect();
}

// ---------------------------------------------------------------------------------------------------------
// Parent.

function runChild(config) {
  return new Promise((resolve) => {
    const result = { runs: [], error: undefined };
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
      if (message.kind === 'run') result.runs.push(message);
      else result.error = `run ${String(message.rep)}: ${message.message.slice(0, 300)}`;
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(killer);
      if (result.error === undefined && (code !== 0 || signal !== null))
        result.error = `child exited with ${signal ?? `code ${String(code)}`}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
      resolve(result);
    });
  });
}

/**
 * `rxjobs run FILE --dry-run`, REPS times (each its own process), after one warm-up: medians of the wall
 * time and (with GNU time) of the CPU time, in ms; cold = the warm-up run's wall time.
 */
function dryRuns(root, file) {
  const walls = [];
  const cpus = [];
  let cold;
  let error;
  const times = path.join(os.tmpdir(), `rxjobs-bench-scenario-time-${String(process.pid)}`);
  const gnuTime = fs.existsSync('/usr/bin/time');
  for (let rep = 0; rep <= REPS; rep++) {
    const args = [path.join(root, 'cli/rxjobs.js'), 'run', file, '--dry-run'];
    const t0 = performance.now();
    const run = gnuTime
      ? spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', times, process.execPath, ...args], {
          cwd: path.dirname(file),
          encoding: 'utf8',
          maxBuffer: 256 * 1024 * 1024,
        })
      : spawnSync(process.execPath, args, {
          cwd: path.dirname(file),
          encoding: 'utf8',
          maxBuffer: 256 * 1024 * 1024,
        });
    const wall = performance.now() - t0;
    if (run.status !== 0) {
      error = `exit ${String(run.status)}: ${(run.stderr || run.stdout).split('\n').slice(0, 3).join(' | ')}`;
      break;
    }
    if (rep === 0) cold = wall;
    else {
      walls.push(wall);
      if (gnuTime) {
        const [user, system] = fs.readFileSync(times, 'utf8').trim().split('\n').pop().split(' ').map(Number);
        cpus.push((user + system) * 1000);
      }
    }
  }
  fs.rmSync(times, { force: true });
  return { wall: median(walls), cpu: median(cpus), cold, error };
}

const PHASES = ['read', 'yaml', 'decode', 'checks', 'build', 'total', 'api', 'cpu'];
const fmtMs = (x) => (x === undefined ? '-' : x.toFixed(x < 100 ? 1 : 0));

async function parent() {
  const began = performance.now();
  const log = (line) => {
    console.log(line);
  };
  const groups = process.argv.includes('--groups');
  if (!fs.existsSync(path.join(DIST, 'scenario/load.js'))) {
    log('dist/ is missing: run `npm run build` first (npm run bench:scenario does)');
    process.exitCode = 1;
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjobs-bench-scenario-'));
  try {
    const cpus = os.cpus();
    log('rxjobs scenario benchmark');
    log(
      `node ${process.version} (${process.platform}/${process.arch}), ${String(cpus.length)} cores` +
        `${cpus[0] === undefined ? '' : ` (${cpus[0].model.trim()})`}, rxjobs ${readVersion('package.json')}, ` +
        `js-yaml ${readVersion('node_modules/js-yaml/package.json')}, yaml ${readVersion('node_modules/yaml/package.json')}`,
    );
    log(loadAverageLine());
    const forms = writeScenarios(dir, groups);
    for (const form of forms)
      log(
        `(${form.key}) ${form.file}: ${(form.text.length / 1e6).toFixed(2)} MB, ${String(form.text.split('\n').length)} lines`,
      );
    if (!groups)
      log('(G) groups: left out (`--groups` adds it, once scenario groups and matrices are built)');
    log(
      `(F): ${String(NODES)} node entries (${String(GATEWAYS)} gateways, every 10th node behind one, some with ` +
        `{{var}}), ${String(JOBS)} job entries (${String(REQUIRES)} requires each among the 100 before, 2-3 ` +
        `commands: Run, RunScript, Push, Pull with local files that exist)`,
    );
    log(
      `figures: ms, medians of ${String(REPS)} runs after 1 warm-up (cold = the warm-up run), gc between runs, ` +
        `one fresh process per row; total = read + yaml + decode + checks + build; api = loadScenario's ` +
        `parseScenario + buildScenario, as rxjobs run calls them, and cpu its CPU time (user + system: the ` +
        `figure to trust when the load average is high); js-yaml / yaml = the parser alone on the same file ` +
        `(read + parse + to JS); rxjobs run -n = the whole command (node's start, load, build, the plan printed)`,
    );
    const table = textTable([
      ['form', 8, 'l'],
      ['row', 18, 'l'],
      ...PHASES.map((p) => [p, 7, 'r']),
      ['cold', 7, 'r'],
      ['vs js-yaml', 10, 'r'],
      ['cpu vs js-yaml', 14, 'r'],
    ]);
    log('');
    for (const line of table.head()) log(line);
    const verdicts = [];
    const builds = [
      { key: 'rxjobs', title: 'rxjobs', root: DIST },
      ...(COMPARE === undefined ? [] : [{ key: 'compare', title: 'compared', root: COMPARE }]),
    ];
    for (const form of forms) {
      const medians = {};
      const rows = [
        ...builds.map((b) => ({ ...b, runner: 'rxjobs' })),
        { key: 'js-yaml', runner: 'js-yaml' },
        { key: 'yaml', runner: 'yaml' },
      ];
      for (const { key, runner, root } of rows) {
        const result = await runChild({ runner, dist: root, file: form.file });
        const measured = result.runs.filter((r) => r.rep > 0);
        const warm = result.runs.find((r) => r.rep === 0);
        const m = {};
        for (const p of PHASES) {
          const xs = measured.map((r) => r.phases[p]).filter((x) => x !== undefined);
          m[p] = xs.length > 0 ? median(xs) : undefined;
        }
        m.cold = warm?.phases.api ?? warm?.phases.total;
        m.error = result.error;
        m.step = warm?.yamlStep;
        medians[key] = m;
      }
      const dries = Object.fromEntries(builds.map((b) => [b.key, dryRuns(b.root, form.file)]));
      const peer = medians['js-yaml'];
      const ratio = (x, y) => (x === undefined || y === undefined ? undefined : x / y);
      const row = (name, cells, wall, cpu) => {
        log(
          table.row([
            form.title,
            name.slice(0, 18),
            ...PHASES.map((p) => fmtMs(cells[p])),
            fmtMs(cells.cold),
            fmtRatio(ratio(wall, peer.total)),
            fmtRatio(ratio(cpu, peer.cpu)),
          ]),
        );
      };
      for (const b of builds) {
        const r = medians[b.key];
        row(`${b.title} (${r.step ?? '?'})`, r, r.api, r.cpu);
      }
      for (const runner of ['js-yaml', 'yaml']) {
        const m = medians[runner];
        row(`${runner} alone`, { total: m.total, cpu: m.cpu, cold: m.cold }, m.total, m.cpu);
      }
      for (const b of builds) {
        const dry = dries[b.key];
        row(`${b.title} run -n`, { total: dry.wall, cpu: dry.cpu, cold: dry.cold }, dry.wall, dry.cpu);
      }
      for (const [key, m] of Object.entries(medians))
        if (m.error !== undefined) log(`  FAIL ${form.title} ${key}: ${m.error}`);
      for (const [key, dry] of Object.entries(dries))
        if (dry.error !== undefined) log(`  FAIL ${form.title} ${key} run --dry-run: ${dry.error}`);
      verdicts.push({ form, m: medians.rxjobs, dry: dries.rxjobs });
    }
    log('');
    log(`targets (parse + check + build <= ${String(TARGET_MS)} ms):`);
    const t = targets(log, 34, 10);
    for (const { form, m, dry } of verdicts) {
      t.verdict(
        `${form.title}: api, median`,
        fmtMs(m.api),
        m.api === undefined ? undefined : m.api <= TARGET_MS,
      );
      t.verdict(
        `${form.title}: api, CPU time`,
        fmtMs(m.cpu),
        m.cpu === undefined ? undefined : m.cpu <= TARGET_MS,
      );
      t.verdict(
        `${form.title}: api, cold`,
        fmtMs(m.cold),
        m.cold === undefined ? undefined : m.cold <= TARGET_MS,
      );
      t.verdict(
        `${form.title}: rxjobs run --dry-run (wall)`,
        fmtMs(dry.wall),
        dry.wall === undefined ? undefined : dry.wall <= TARGET_MS,
      );
    }
    t.end(began);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]));
else if (process.argv[2] === '--write')
  // writes the scenario files into a directory, to profile or try them: --write DIR [--groups]
  for (const form of writeScenarios(path.resolve(process.argv[3] ?? '.'), process.argv.includes('--groups')))
    console.log(form.file);
else await parent();
