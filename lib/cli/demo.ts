#!/usr/bin/env node
// rxjobs-demo: a small experiment of local jobs (no remote host), run by rxjobs with its events printed as
// they happen. `npm run demo` builds the package and runs it; `npm run demo -- --help` shows the options.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { filter, interval, lastValueFrom, map, tap } from 'rxjs';

import { isCommandEvent, Job, LocalNode, Run, Scheduler, shellQuote, SshJob } from '../index.js';
import type { SchedulerEndEvent, SchedulerEvent } from '../index.js';

const USAGE = `Usage: rxjobs-demo [--fail] [--ascii] [--timeout MS] [--help]

Runs a small experiment of local jobs, prints the scheduler's events as they happen, then the outcome,
why() and list():
  prepare (critical)  creates a temporary directory holding an input file
  run1 run2 run3      each runs \`node -e\` on the local node (a LocalNode: the same jobs and commands as
                      over SSH) to hash the input with its own salt, at most 2 at a time (the
                      experiment's jobsWindow); their output lines stream as they come
  collect             reads the three outputs and summarises them
  monitor (forever)   reports progress every 200 ms; cancelled once the experiment is over
The temporary directory is removed at the end.

Options:
  --fail        make run2 fail; run2 is not critical, so collect still runs and summarises two outputs
  --ascii       ASCII symbols in the listing
  --timeout MS  timeout of the whole run, in milliseconds (default 10000); try 500 to see running jobs
                cancelled and their processes killed
  --help        show this help

Exit status: 0 when the run ends true: every job but the monitor completed, no critical job failed and
the timeout did not fire. A non-critical failure (as with --fail) shows in the listing but leaves the
status at 0: the experiment declared that job optional, so the run is a success. 1 when the run ends
false, 2 on a usage error.`;

/**
 * One run, in the child process: after `delay` ms, hashes input.txt `rounds` times with the run's salt,
 * writes the digest to `<salt>.out` and prints its first 16 hex digits.
 * Args: salt, rounds, delay, then `fail` or `ok`.
 */
const RUN_SCRIPT = `
const { createHash } = require('node:crypto');
const { readFileSync, writeFileSync } = require('node:fs');
const [salt, rounds, delay, fail] = process.argv.slice(1);
setTimeout(() => {
  if (fail === 'fail') { console.error(salt + ': simulated failure (--fail)'); process.exit(3); }
  let digest = readFileSync('input.txt');
  for (let i = 0; i < Number(rounds); i++) digest = createHash('sha256').update(salt).update(digest).digest();
  writeFileSync(salt + '.out', digest.toString('hex') + '\\n');
  console.log(digest.toString('hex').slice(0, 16));
}, Number(delay));
`;

const labels = (jobs: readonly Job[]): string => jobs.map((j) => j.label).join(' ') || '-';

/** The experiment, and the top-level scheduler that runs it alongside the monitor. */
function scenario(fail: boolean, timeout: number): { main: Scheduler; workdir: () => string | undefined } {
  let workdir: string | undefined;
  const local = new LocalNode();
  const inWorkdir = (): string => {
    if (workdir === undefined) throw new Error('no working directory: prepare has not run');
    return workdir;
  };
  const prepare = new Job(
    async () => {
      workdir = await mkdtemp(join(tmpdir(), 'rxjobs-demo-'));
      await writeFile(join(workdir, 'input.txt'), 'a line of input\n'.repeat(1000));
      return workdir;
    },
    { label: 'prepare', critical: true },
  );
  // delays of 450, 250 and 350 ms: with a window of 2, run3 waits for run2's slot
  const runs = [450, 250, 350].map((delay, i) => {
    const salt = `run${String(i + 1)}`;
    const args = [salt, String(10_000 * (i + 1)), String(delay), fail && i === 1 ? 'fail' : 'ok'];
    // the first argument is shell text, evaluated when the job runs (the directory is made by prepare)
    const command = new Run(
      () => `cd ${shellQuote(inWorkdir())} && ${shellQuote(process.execPath)} -e`,
      RUN_SCRIPT,
      ...args,
    );
    return new SshJob(local, command, { label: salt, requires: prepare, critical: false });
  });
  const collect = new Job(
    async () => {
      const digests: string[] = [];
      const missing: string[] = [];
      for (const run of runs) {
        try {
          digests.push((await readFile(join(inWorkdir(), `${run.label}.out`), 'utf8')).slice(0, 8));
        } catch {
          missing.push(run.label);
        }
      }
      const lack = missing.length === 0 ? '' : ` (missing: ${missing.join(' ')})`;
      return `${String(digests.length)}/${String(runs.length)} outputs${lack}: ${digests.join(' ')}`;
    },
    { label: 'collect', requires: runs },
  );
  // The window is the experiment's: at the top level, the forever monitor would hold one of the two slots
  // for the whole run. critical: its members are critical unless they say otherwise (the runs do), and its
  // own failure (a critical member failed) fails the run.
  const experiment = new Scheduler([prepare, ...runs, collect], {
    label: 'experiment',
    jobsWindow: 2,
    critical: true,
  });
  // the monitor's report, from the states of the experiment's jobs
  const progress = (): string => {
    const jobs = [...experiment.jobs];
    const done = jobs.filter((j) => j.isDone()).length;
    const running = labels(jobs.filter((j) => j.isRunning()));
    const waiting = labels(jobs.filter((j) => j.isScheduled()));
    return `${String(done)}/${String(jobs.length)} done; running: ${running}; waiting: ${waiting}`;
  };
  const monitor = new Job(() => interval(200).pipe(map(progress)), { label: 'monitor', forever: true });
  const main = new Scheduler([experiment, monitor], { label: 'demo', timeout });
  return { main, workdir: () => workdir };
}

/** One line per event: seconds since the start, the job, what happened. */
function printer(): (event: SchedulerEvent) => void {
  const started = performance.now();
  return (e) => {
    let what: string;
    switch (e.type) {
      case 'started':
      case 'skipped':
        what = e.type;
        break;
      case 'value':
        // a command's output lines, and a forever job's reports; other values show on their done line
        if (isCommandEvent(e.value)) {
          if (e.value.type !== 'line') return; // the demo's commands give lines, not chunks
          what = `${e.value.stream === 'stderr' ? '!' : '|'} ${e.value.text}`;
        } else if (e.job.forever) what = `| ${String(e.value)}`;
        else return;
        break;
      case 'done':
        what = `done -> ${String(e.job instanceof SshJob ? e.job.result() : e.value)}`;
        break;
      case 'failed':
        what = `FAILED${e.critical ? ' (critical)' : ''}: ${e.error.message}`;
        break;
      case 'cancelled':
        what = `cancelled (${e.reason})`;
        break;
      case 'end':
        what = `end -> ${String(e.ok)} (${e.why})`;
        break;
    }
    const who = e.type === 'end' ? e.scheduler.label : e.job.label;
    const at = ((performance.now() - started) / 1000).toFixed(3).padStart(7);
    console.log(`${at}s  ${who.padEnd(11)} ${what}`);
  };
}

async function main(argv: string[]): Promise<number> {
  let values: { fail?: boolean; ascii?: boolean; help?: boolean; timeout?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        fail: { type: 'boolean' },
        ascii: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        timeout: { type: 'string' },
      },
    }));
  } catch (e: unknown) {
    console.error(`rxjobs-demo: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const timeout = Number(values.timeout ?? '10000');
  if (!Number.isFinite(timeout) || timeout <= 0) {
    console.error(
      `rxjobs-demo: --timeout must be a positive number of milliseconds, got ${String(values.timeout)}`,
    );
    return 2;
  }
  const { main, workdir } = scenario(values.fail === true, timeout);
  try {
    const ok = await lastValueFrom(
      main.run().pipe(
        tap(printer()),
        filter((e): e is SchedulerEndEvent => e.type === 'end' && e.scheduler === main),
        map((e) => e.ok),
      ),
      { defaultValue: false }, // never used: a run always ends with its end event
    );
    console.log(`\noutcome: ${String(ok)}\nwhy: ${main.why()}`);
    main.list({ print: true, ascii: values.ascii === true ? true : undefined });
    return ok ? 0 : 1;
  } finally {
    const dir = workdir();
    if (dir !== undefined) {
      await rm(dir, { recursive: true, force: true });
      console.log(`removed ${dir}`);
    }
  }
}

void main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
