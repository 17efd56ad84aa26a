// The run record of a CLI run (rxjobs run, rxssh): its directory made under the root the options and the
// environment name, the recorder fed by run-output, and the line that says where the run is recorded.
import type { Job } from '../core/job.js';
import { RunRecorder } from '../record/recorder.js';
import type { RecordedResult } from '../record/recorder.js';
import { makeRunDir, recordRoot, redactArgv } from '../record/run-dir.js';
import type { Scheduler } from '../scheduler.js';
import type { Io } from './cli-main.js';
import type { RecordArgs } from './record-options.js';
import type { RunRecordHooks, RunReport } from './run-output.js';

/** A CLI run being recorded. */
export interface CliRecord extends RunRecordHooks {
  /** A scenario `capture` stored a value. */
  capture(name: string, value: string): void;
  /** A value captured by the job of `key` in the run a resumed run restores it from (kept for the next resume). */
  restoredCapture(key: string, name: string, value: string): void;
  /**
   * Writes the end of the record, then, unless `quiet`, `<program>: recorded in DIR` on stderr, or `partly
   * recorded in DIR (outputs cut: no space left on device)` when part of it could not be written.
   */
  finish(report: RunReport, quiet: boolean): Promise<void>;
}

/** What a CLI records besides its scheduler. */
export interface CliRecordOptions {
  readonly program: 'rxjobs' | 'rxssh';
  readonly slug: string;
  readonly args: RecordArgs;
  readonly io: Io;
  /** rxjobs: the scenario file (absolute, or `<stdin>`) and its text as run. */
  readonly scenario?: { readonly path: string; readonly text: string } | undefined;
  /** rxssh: what runs on each host. */
  readonly command?: string | undefined;
  /** Values the record writes `***` (see `RunStart.secrets`). */
  readonly secrets?: readonly string[] | undefined;
  readonly names?: ReadonlyMap<Job, string> | undefined;
  /** rxssh -o: each job's output files, linked into the record at the end rather than written twice. */
  readonly linked?: ReadonlyMap<Job, { readonly stdout: string; readonly stderr: string }> | undefined;
  /** --resume: the run directory resumed (run.json's `resumedFrom`). */
  readonly resumedFrom?: string | undefined;
}

/** The last line of a recorded run, without the program's name: `recorded in DIR`, or what was cut. */
export function recordedLine(dir: string, result: RecordedResult | undefined): string {
  if (result === undefined) return `recorded in ${dir}`;
  if (!result.ended)
    return `partly recorded in ${dir} (its end cut: ${result.unended ?? 'unknown error'}; it reads as interrupted)`;
  const { outputs, events } = result.incomplete ?? {};
  if (outputs === undefined && events === undefined) return `recorded in ${dir}`;
  const what = [outputs === undefined ? '' : 'outputs', events === undefined ? '' : 'events'].filter(
    (w) => w,
  );
  const reasons = [...new Set([outputs?.reason, events?.reason].filter((r) => r !== undefined))];
  return `partly recorded in ${dir} (${what.join(' and ')} cut: ${reasons.join('; ')})`;
}

/** The signal an exit status stands for (`interrupted by SIGINT`). */
const SIGNALS: Readonly<Record<number, string>> = {
  129: 'SIGHUP',
  130: 'SIGINT',
  141: 'SIGPIPE',
  143: 'SIGTERM',
};

/**
 * Starts the record of a CLI run: makes `<root>/<slug>/<id>/` and writes its first files. `undefined` with
 * `--no-record`, or (after one warning line on stderr) when it cannot be written: the run goes on.
 */
export async function startCliRecord(
  scheduler: Scheduler,
  options: CliRecordOptions,
): Promise<CliRecord | undefined> {
  const { program, io, args } = options;
  if (!args.record) return undefined;
  const warn = (line: string): void => {
    io.stderr.write(`${line}\n`);
  };
  let dir: string;
  const root = recordRoot(args.recordDir, process.env, io.cwd);
  try {
    dir = await makeRunDir(root, options.slug);
  } catch (e: unknown) {
    warn(
      `${program}: cannot record in ${root}: ${e instanceof Error ? e.message : String(e)}; running anyway`,
    );
    return undefined;
  }
  const recorder = new RunRecorder(scheduler, dir, {
    program,
    argv: redactArgv(process.argv.slice(2)),
    scenario: options.scenario,
    command: options.command,
    secrets: options.secrets,
    names: options.names,
    linked: options.linked,
    resumedFrom: options.resumedFrom,
    onWarning: warn,
    fresh: true,
  });
  if (!(await recorder.start())) return undefined;
  const kind = program === 'rxssh' ? 'host' : 'job';
  const written = new Set<string>();
  return {
    dir,
    event: (e) => {
      recorder.event(e);
    },
    result: (r) => {
      if (written.has(r.label)) return;
      written.add(r.label);
      recorder.extra({
        ts: new Date().toISOString(),
        type: 'result',
        kind,
        target: r.label,
        [kind]: r.label,
        ...r,
      });
    },
    capture: (name, value) => {
      recorder.capture(name, value);
    },
    restoredCapture: (key, name, value) => {
      recorder.extra({ type: 'capture', ts: new Date().toISOString(), key, name, value });
    },
    finish: async (report, quiet) => {
      const signal = SIGNALS[report.exitStatus];
      const result = await recorder.end({
        interrupted: report.interrupted,
        ok: report.ok,
        // otherwise the scheduler's why(), for people (see recordedOutcome)
        why: report.interrupted ? `interrupted${signal === undefined ? '' : ` by ${signal}`}` : undefined,
        exitStatus: report.exitStatus,
      });
      if (!quiet) io.stderr.write(`${program}: ${recordedLine(dir, result)}\n`);
    },
  };
}
