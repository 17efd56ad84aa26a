// Runs a scheduler for a CLI and renders it: host-prefixed lines, raw, time, JSON lines, per-host files and
// marks, gathered blocks, a live view or progress line on a terminal, and a summary of failures at the end.
// Shared by rxssh (one unit per host) and `rxjobs run` (one unit per job).
import { resolve as resolvePath } from 'node:path';

import type { Observable } from 'rxjs';
import { tap } from 'rxjs';

import type { SchedulerEvent } from '../core/events.js';
import type { Job } from '../core/job.js';
import type { Scheduler } from '../scheduler.js';
import type { NodeRef } from '../nodes/command-event.js';
import type { Flow } from '../nodes/flow.js';
import { continuesLine } from '../nodes/command-event.js';
import { isCommandEvent } from '../render/text/command-events.js';
import { formatGathered, gatherOutputs, OutputCollector } from '../render/text/gather.js';
import { writeHostFiles } from '../render/files/host-files.js';
import { labelWidth } from '../render/text/host-lines.js';
import { writeLines } from '../render/write-lines.js';
import { LiveView } from '../render/live-view.js';
import { ProgressLine } from '../render/progress.js';
import { JsonStream } from './json-stream.js';
import type { JsonRunInfo, UnitResult } from './json-stream.js';
import { checkFilesDir, filesDirOf } from './output-options.js';
import type { OutputArgs } from './output-options.js';
import { failureSummary, summaryColumns } from './summary.js';
import { terminalStyle } from './terminal-style.js';
import { NestedTolerance } from './nested-tolerance.js';
import { exitStatusOf, succeeded, unitResultOf, writeMarks } from './unit-results.js';

/** What a CLI counts and reports on: a host (rxssh) or a job (rxjobs run). */
export interface Unit {
  readonly job: Job;
  readonly label: string;
}

/** The end of a CLI run. */
export interface RunReport {
  readonly results: readonly UnitResult[];
  readonly ok: boolean;
  /** Stopped by Ctrl-C (SIGINT), SIGTERM, SIGHUP or a closed stdout. */
  readonly interrupted: boolean;
  /**
   * 0 when every unit succeeded, 1 when one did not, 128 + n after signal n (130 after Ctrl-C), 141 (SIGPIPE)
   * when stdout or stderr was closed.
   */
  readonly exitStatus: number;
}

/** What run-output tells the run record of a CLI run (see record-run.ts). */
export interface RunRecordHooks {
  /** The run directory. */
  readonly dir: string;
  event(e: SchedulerEvent): void;
  /** A unit's result (as `--json`'s `result` record); once per unit. */
  result(r: UnitResult): void;
}

/** Where and how to render. */
export interface RunContext {
  readonly name: string;
  readonly unitName: string;
  readonly nodes: readonly NodeRef[];
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** Called when a unit has ended (rxssh closes the host's connection). */
  readonly onUnitEnd?: ((unit: Unit) => void) | undefined;
  /**
   * Held while stdout or a per-host file is full: give it to the jobs (`SshJob`'s `flow`) so that they stop
   * reading their output meanwhile.
   */
  readonly flow?: Flow | undefined;
  /** Called at the end, before the summary of failures (rxjobs writes its listing there). */
  readonly beforeSummary?: (() => void) | undefined;
  /** `--resume`: the jobs a previous run completed, not run again (see `RunOptions.restore`). */
  readonly restore?: ReadonlyMap<Job, unknown> | undefined;
  /** What the `run` record of `--json` says of the run (rxssh's command, rxjobs's scenario). */
  readonly json?: JsonRunInfo | undefined;
  /** The run record (see record-run.ts): given every event and every unit's result. */
  readonly record?: RunRecordHooks | undefined;
  /** What the relative paths of `args` are relative to (`-o DIR`, `-d`): the Io's `cwd`. */
  readonly cwd: string;
}

/** The signals that stop a run, and their numbers (for the exit status 128 + n). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const isEpipe = (e: unknown): boolean =>
  e instanceof Error && (e.cause as { code?: unknown } | undefined)?.code === 'EPIPE';

/**
 * Runs `scheduler` once, rendering its events as `args` say, and reports how each unit ended. Ctrl-C stops the
 * run (every remote command is killed by the scheduler's shutdown) and reports what was not finished.
 */
export async function runWithOutput(
  scheduler: Scheduler,
  units: readonly Unit[],
  args: OutputArgs,
  ctx: RunContext,
): Promise<RunReport> {
  const { stdout, stderr } = ctx;
  const unitOf = new Map(units.map((u) => [u.job, u]));
  const results = new Map<Unit, UnitResult>();
  const held = new Set<Unit>(); // units whose result is known or held back (nested), recorded once
  const nested = new NestedTolerance(scheduler);
  const started = new Set<Unit>();
  let finishedAfterStart = 0; // units that started, then ended (a skipped one never started)
  const given = filesDirOf(args);
  const filesDir = given === undefined ? undefined : resolvePath(ctx.cwd, given);
  if (filesDir !== undefined) await checkFilesDir(filesDir, args);
  const style = terminalStyle(stdout, stderr, args.quiet === true);
  // the live view for `rxjobs run` (jobs that differ); rxssh's hosts all run one command: one line says it
  const live =
    style.live && args.live !== false && ctx.unitName === 'jobs'
      ? new LiveView(stderr, units, { name: ctx.name, unit: ctx.unitName, scheduler })
      : undefined;
  const progress =
    live ??
    (style.progress === 'none'
      ? undefined
      : new ProgressLine(stderr, { name: ctx.name, unit: ctx.unitName, escapes: style.progress === 'live' }));
  const out = progress?.wrap(stdout) ?? stdout;
  const err = progress?.wrap(stderr) ?? stderr;
  const collector = args.gather === true ? new OutputCollector() : undefined;
  const json = args.json === true;
  const flow = ctx.flow;
  const write = (text: string): void => {
    if (flow === undefined) out.write(text);
    else flow.write(out, text);
  };
  const jsonStream = json ? new JsonStream(write, ctx.unitName === 'hosts' ? 'host' : 'job') : undefined;
  jsonStream?.run(
    ctx.name,
    units.map((u) => u.label),
    ctx.json,
  );
  let failed = 0;

  const counts = (): void => {
    progress?.update({
      total: units.length,
      done: results.size - failed,
      failed,
      running: started.size - finishedAfterStart,
    });
  };
  counts();

  const track = (e: SchedulerEvent): void => {
    live?.see(e);
    if (e.type === 'end') return;
    if (e.type === 'value') {
      if (collector !== undefined && isCommandEvent(e.value) && e.value.type === 'line')
        collector.add(
          unitOf.get(e.job)?.label ?? e.value.node.label,
          e.value.stream,
          e.value.text,
          continuesLine(e.value),
        );
      if (jsonStream !== undefined && isCommandEvent(e.value))
        jsonStream.output(unitOf.get(e.job)?.label ?? e.job.label, e);
      return;
    }
    nested.release(e);
    const unit = unitOf.get(e.job);
    if (unit === undefined) return;
    if (e.type === 'started') {
      started.add(unit);
      jsonStream?.started(unit.label, e);
      counts();
      return;
    }
    if (held.has(unit)) return;
    const result = unitResultOf(unit.label, e);
    if (result === undefined) return;
    held.add(unit);
    if (
      !nested.hold(e, result, (r) => {
        ended(unit, r);
      })
    )
      ended(unit, result);
  };
  const ended = (unit: Unit, result: UnitResult): void => {
    results.set(unit, result);
    if (started.has(unit)) finishedAfterStart++;
    if (!succeeded(result)) failed++; // a tolerated failure too: the progress line counts what failed
    ctx.onUnitEnd?.(unit);
    jsonStream?.result(result);
    ctx.record?.result(result);
    counts();
  };

  const record = ctx.record;
  const recordAndTrack = (e: SchedulerEvent): void => {
    record?.event(e);
    track(e);
  };
  let events$: Observable<SchedulerEvent> = scheduler
    .run(ctx.restore === undefined ? {} : { restore: ctx.restore })
    .pipe(tap(record === undefined ? track : recordAndTrack));
  if (!json && collector === undefined && filesDir === undefined)
    events$ = events$.pipe(
      writeLines({
        format: args.raw === true ? 'raw' : 'host',
        time: args.time === true,
        width: labelWidth(ctx.nodes),
        stdout: out,
        stderr: err,
        maxLineBytes: args.maxLineBytes,
        flow,
      }),
    );
  if (filesDir !== undefined) events$ = events$.pipe(writeHostFiles(filesDir, { nodes: ctx.nodes, flow }));

  let interrupted = false;
  let stoppedBy: NodeJS.Signals | undefined;
  // a closed stdout (`rxssh ... | head`) stops the run as Ctrl-C does, whatever writes to it (lines, JSON
  // records, the gathered blocks at the end): without a listener, its 'error' event would crash the process
  let stop = (): void => undefined;
  const onOutputError = (): void => {
    stoppedBy ??= 'SIGPIPE'; // as a shell reports a writer whose reader went away: 128 + 13
    stop();
  };
  stdout.on('error', onOutputError);
  stderr.on('error', onOutputError);
  try {
    await new Promise<void>((resolve, reject) => {
      const onSigint = (): void => {
        interrupted = true;
        subscription.unsubscribe();
        resolve();
      };
      stop = onSigint;
      const subscription = events$.subscribe({
        complete: resolve,
        error: (e: unknown) => {
          if (isEpipe(e)) onOutputError();
          else reject(e instanceof Error ? e : new Error(String(e)));
        },
      });
      // Ctrl-C, a `kill`, a closed terminal: the run stops the same way (what runs remotely is killed)
      const onSignal = (signal: NodeJS.Signals): void => {
        stoppedBy = signal;
        onSigint();
      };
      for (const signal of STOP_SIGNALS) process.once(signal, onSignal);
      subscription.add(() => {
        for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      });
    });
  } finally {
    stop = () => undefined;
    progress?.stop();
  }

  nested.flush();
  const all = units.map(
    (u) =>
      results.get(u) ??
      (interrupted ? undefined : nested.notRun(u.job, u.label)) ?? {
        label: u.label,
        ok: false,
        status: interrupted ? 'interrupted' : 'not run',
      },
  );
  const exitStatus = exitStatusOf(all, interrupted, stoppedBy);
  for (const r of all) record?.result(r);
  jsonStream?.summary(all, exitStatus, interrupted, record?.dir);
  if (collector !== undefined) {
    for (const r of all) collector.setStatus(r.label, r.status);
    stdout.write(formatGathered(gatherOutputs(collector.outputs()), { color: style.color }));
  }
  if (filesDir !== undefined) {
    if (args.mark === true) await writeMarks(filesDir, all);
    // as given, unless it is relative to another directory than the process's (rxssh --resume DIR alone)
    const shown = given !== undefined && ctx.cwd === process.cwd() ? given : filesDir;
    if (!json && collector === undefined) stdout.write(`${shown}\n`);
  }
  ctx.beforeSummary?.();
  const summary = failureSummary(ctx.name, ctx.unitName, all, summaryColumns(stderr));
  if (summary !== '') stderr.write(summary);
  stdout.off('error', onOutputError);
  stderr.off('error', onOutputError);
  return {
    results: all,
    ok: all.every((r) => r.ok),
    interrupted,
    exitStatus,
  };
}
