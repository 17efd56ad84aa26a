/**
 * The writer of a run directory: `run.json`, `plan.json`, `scenario.yaml`, then the events as they come.
 * @module
 */
import { join } from 'node:path';

import type { Job } from '../core/job.js';
import type { JobGroup, SchedulerEvent } from '../core/model.js';
import { endsLine, bytesOf, lineBytesOf } from '../nodes/command-event.js';
import { isCommandEvent } from '../render/text/command-events.js';
import { toJsonRecord } from '../render/text/json-lines.js';
import { outputFileOf } from './keys.js';
import { planOf } from './plan.js';
import type { RunPlan } from './plan.js';
import { FileSink, JournalSink } from './sink.js';
import {
  clearEarlierRun,
  countsOf,
  linkFiles,
  redactor,
  writeJsonAtomically,
  writeStartFiles,
} from './run-files.js';
import type { RecordedStatus, RunStart } from './run-files.js';
import type { JournalEndRecord, RunJson, RunOutcome } from './types.js';

/** What a recorder is told of the run besides its scheduler. @internal */
export interface RecorderOptions extends RunStart {
  /** Top-level keys other than the labels (a scenario's ids). */
  readonly names?: ReadonlyMap<Job, string> | undefined;
  /** Where the one warning of a recording that stops goes. Default: a line on stderr. */
  readonly onWarning?: ((message: string) => void) | undefined;
  /** `dir` was just made for this run (a CLI's): nothing of an earlier run to clear. */
  readonly fresh?: boolean | undefined;
  /**
   * Jobs whose exact output another writer puts in files of its own (rxssh -o DIR: DIR/host, DIR/host.err):
   * the recorder does not write it a second time, but copies those files (a clone where the filesystem can) into
   * `outputs/` at the end, unless empty.
   */
  readonly linked?: ReadonlyMap<Job, { readonly stdout: string; readonly stderr: string }> | undefined;
}

/** How a run ended, as the recorder is told at the end. @internal */
export interface RecordedEnd {
  readonly interrupted: boolean;
  /** Default: the `ok` of the top scheduler's end event (false without one). */
  readonly ok?: boolean | undefined;
  /** Default: the `why` of that event, or `interrupted`. */
  readonly why?: string | undefined;
  readonly exitStatus?: number | undefined;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Records one run of `scheduler` in `dir`. `start()` writes the files of the start; `event()` takes every
 * event of the run, `end()` writes the last record and `run.json` again. The first error (disk full, no
 * permission) stops the recording with one warning; the run itself never fails because of it.
 * @internal
 */
export class RunRecorder {
  readonly dir: string;
  readonly #scheduler: JobGroup;
  readonly #options: RecorderOptions;
  #plan: RunPlan | undefined;
  #run: RunJson | undefined;
  #journal: JournalSink | undefined;
  /** Writes the secrets of the options as `***` (see `RunStart.secrets`), if there are any. */
  readonly #redact: ((text: string) => string) | undefined;
  readonly #outputs = new Map<string, FileSink>();
  /** The output files of each job, found without making a string per chunk. */
  readonly #sinks = new Map<Job, { stdout?: FileSink; stderr?: FileSink }>();
  #active = false;
  #ended = false;
  /** The top scheduler's end event. */
  #end: { ok: boolean; why: string } | undefined;
  readonly #status = new Map<string, RecordedStatus>();
  /** Captured values waiting for the exit of the command that captured them (the next exit event). */
  #captures: { name: string; value: string; ts: string }[] = [];

  constructor(scheduler: JobGroup, dir: string, options: RecorderOptions = {}) {
    this.#scheduler = scheduler;
    this.dir = dir;
    this.#options = options;
    this.#redact = redactor(options.secrets);
  }

  /** Adds a record (one JSON text) to the journal, its secrets written `***`. */
  #add(line: string): void {
    this.#journal?.add(this.#redact === undefined ? line : this.#redact(line));
  }

  /** Copies the output files of the `linked` jobs into `outputs/`, those not empty. */
  async #link(): Promise<void> {
    const files = [...(this.#options.linked ?? [])].flatMap(([job, paths]) =>
      (['stdout', 'stderr'] as const).map((stream) => ({
        from: paths[stream],
        to: join(this.dir, outputFileOf(this.#keyOf(job), stream)),
      })),
    );
    await linkFiles(files, this.#fail);
  }

  /** Whether records are written (started, and no error so far). */
  get active(): boolean {
    return this.#active;
  }

  /** The plan (once started). */
  get plan(): RunPlan | undefined {
    return this.#plan;
  }

  /** Writes the files of the start; resolves false (after a warning) when the directory cannot be written. */
  async start(): Promise<boolean> {
    const o = this.#options;
    try {
      if (o.fresh !== true) await clearEarlierRun(this.dir);
      const plan = planOf(this.#scheduler, { names: o.names });
      this.#plan = plan;
      this.#run = await writeStartFiles(this.dir, o, plan.jobs);
      this.#journal = new JournalSink(join(this.dir, 'events.jsonl'), this.#fail);
      this.#active = true;
    } catch (e: unknown) {
      this.#warn(`cannot record in ${this.dir}: ${message(e)}`);
    }
    return this.#active;
  }

  /** The first error of a file: one warning, and no more recording. */
  readonly #fail = (path: string, e: unknown): void => {
    if (!this.#active) return;
    this.#warn(`recording stopped: cannot write ${path}: ${message(e)}`);
    this.#stop();
  };

  #warn(text: string): void {
    const program = this.#options.program === 'rxssh' ? 'rxssh' : 'rxjobs';
    const line = `${program}: ${text}`;
    if (this.#options.onWarning !== undefined) this.#options.onWarning(line);
    else process.stderr.write(`${line}\n`);
  }

  #writing(): boolean {
    return this.#active;
  }

  #stop(): void {
    this.#active = false;
    this.#journal?.destroy();
    for (const sink of this.#outputs.values()) sink.destroy();
  }

  #keyOf(job: Job): string {
    return this.#plan?.keys.get(job) ?? job.label;
  }

  #record(json: string, key: string): void {
    this.#add(`${json.slice(0, -1)},"key":${JSON.stringify(key)}}`);
  }

  #sink(job: Job, stream: 'stdout' | 'stderr'): FileSink {
    let sinks = this.#sinks.get(job);
    if (sinks === undefined) this.#sinks.set(job, (sinks = {}));
    let sink = sinks[stream];
    if (sink === undefined) {
      // two jobs of one key (never in a plan) would share its files
      const key = this.#keyOf(job);
      const id = `${stream}:${key}`;
      sink = this.#outputs.get(id);
      if (sink === undefined) {
        sink = new FileSink(join(this.dir, outputFileOf(key, stream)), this.#fail);
        this.#outputs.set(id, sink);
      }
      sinks[stream] = sink;
    }
    return sink;
  }

  /** Takes one event of the run (nested schedulers' included). */
  event(e: SchedulerEvent): void {
    if (!this.#active) return;
    if (e.type === 'end') {
      if ((e.scheduler as JobGroup) === this.#scheduler) {
        this.#end = { ok: e.ok, why: e.why };
        return;
      }
      const key = this.#keyOf(e.scheduler);
      this.#record(JSON.stringify(toJsonRecord(e, new Date().toISOString())), key);
      return;
    }
    if (e.type === 'value' && isCommandEvent(e.value)) {
      const c = e.value;
      // the hot path: the bytes, to the job's file
      if (c.type !== 'exit' && this.#options.linked?.has(e.job) === true) return;
      if (c.type === 'line') this.#sink(e.job, c.stream).line(lineBytesOf(c), endsLine(c));
      else if (c.type === 'chunk') this.#sink(e.job, c.stream).bytes(bytesOf(c));
      else {
        const key = this.#keyOf(e.job);
        this.#record(JSON.stringify(toJsonRecord(e, new Date().toISOString())), key);
        this.#flushCaptures(key);
      }
      return;
    }
    const key = this.#keyOf(e.job);
    if (e.type !== 'value')
      this.#status.set(
        key,
        e.type === 'failed' && (e.tolerated === true || e.ignored === true) ? 'tolerated' : e.type,
      );
    this.#record(JSON.stringify(toJsonRecord(e, new Date().toISOString())), key);
  }

  /** A scenario `capture` stored `value` in `name` (recorded with the job of the next exit). */
  capture(name: string, value: string): void {
    if (this.#active) this.#captures.push({ name, value, ts: new Date().toISOString() });
  }

  #flushCaptures(key: string): void {
    if (this.#captures.length === 0) return;
    for (const { name, value, ts } of this.#captures)
      this.#add(JSON.stringify({ type: 'capture', ts, key, name, value }));
    this.#captures = [];
  }

  /** Records a CLI's record (`result`) as it is. */
  extra(record: { readonly type: string; readonly ts: string; readonly [field: string]: unknown }): void {
    if (this.#active) this.#add(JSON.stringify(record));
  }

  /**
   * Writes the last record and `run.json` with the end, and closes every file; resolves once they are
   * written (never rejects). A second call does nothing.
   */
  async end(end: RecordedEnd): Promise<void> {
    if (this.#ended || !this.#active) return;
    this.#ended = true;
    this.#flushCaptures('');
    const outcome: RunOutcome = end.interrupted
      ? 'interrupted'
      : (end.ok ?? this.#end?.ok ?? false)
        ? 'success'
        : 'failure';
    const ok = outcome === 'success';
    const why =
      end.why ?? this.#end?.why ?? (end.interrupted ? 'interrupted' : 'ended without its end event');
    const ts = new Date().toISOString();
    const last: JournalEndRecord = { type: 'end', ts, outcome, ok, why };
    this.#add(JSON.stringify(last));
    const journal = this.#journal;
    await Promise.all([journal?.close(), ...[...this.#outputs.values()].map((s) => s.close())]);
    await this.#link();
    // a file's error while they were closing stopped the recording
    if (!this.#writing() || this.#run === undefined) return;
    try {
      await writeJsonAtomically(join(this.dir, 'run.json'), {
        ...this.#run,
        ended: ts,
        outcome,
        ...(end.exitStatus === undefined ? {} : { exitStatus: end.exitStatus }),
        why,
        counts: countsOf(this.#plan?.jobs ?? [], this.#status, end.interrupted),
      } satisfies RunJson);
    } catch (e: unknown) {
      this.#fail(join(this.dir, 'run.json'), e);
    }
    this.#active = false;
  }
}
