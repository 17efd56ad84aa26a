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
import { isNoSpace, reasonOf, recordedOutcome, unforgivenFailures } from './outcome.js';
import type { RecordedEnd, RecordedResult } from './outcome.js';
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
import { SpaceReserve } from './reserve.js';
import type { JournalEndRecord, RecordCut, RecordIncomplete, RunJson } from './types.js';

export type { RecordedEnd, RecordedResult } from './outcome.js';

/** What a recorder is told of the run besides its scheduler. @internal */
export interface RecorderOptions extends RunStart {
  /** Top-level keys other than the labels (a scenario's ids). */
  readonly names?: ReadonlyMap<Job, string> | undefined;
  /** Where the warnings of a recording cut or stopped go (one each). Default: a line on stderr. */
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

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Records one run of `scheduler` in `dir`. `start()` writes the files of the start; `event()` takes every
 * event of the run, `end()` writes the last record and `run.json` again. The run itself never fails because
 * of the record. A file that cannot be written (a full disk, a quota) cuts what it is part of, with one
 * warning: an output file cuts the outputs (no more are written; the journal and the end go on, in the room
 * kept for them: see `SpaceReserve`); the journal cuts the events; run.json's end leaves the run read as
 * interrupted. run.json's `recordIncomplete` says what was cut, from when, and why.
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
  readonly #reserve: SpaceReserve;
  /** What was cut, and when. */
  #cut: { outputs?: RecordCut; events?: RecordCut } = {};
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
    this.#reserve = new SpaceReserve(dir);
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
    await linkFiles(files, this.#failOutput);
  }

  /** Writes the files of the start; resolves false (after a warning) when the directory cannot be written. */
  async start(): Promise<boolean> {
    const o = this.#options;
    try {
      if (o.fresh !== true) await clearEarlierRun(this.dir);
      const plan = planOf(this.#scheduler, { names: o.names });
      this.#plan = plan;
      this.#run = await writeStartFiles(this.dir, o, plan.jobs);
      await this.#reserve.keep();
      this.#journal = new JournalSink(
        join(this.dir, 'events.jsonl'),
        this.#failJournal,
        this.#reserve.forJournal,
      );
      this.#active = true;
    } catch (e: unknown) {
      this.#warn(`cannot record in ${this.dir}: ${message(e)}`);
    }
    return this.#active;
  }

  /** What was cut (a file's error), for `what`: `outputs` or `events`; false when it already was. */
  #cutAt(what: 'outputs' | 'events', path: string, e: unknown): boolean {
    if (!this.#active || this.#cut[what] !== undefined) return false;
    const file = path.startsWith(`${this.dir}/`) ? path.slice(this.dir.length + 1) : path;
    this.#cut = { ...this.#cut, [what]: { reason: reasonOf(e), file, at: new Date().toISOString() } };
    return true;
  }

  /** An output file's error: no more outputs are recorded; the journal gets the room kept for it. */
  readonly #failOutput = (path: string, e: unknown): void => {
    if (!this.#cutAt('outputs', path, e)) return;
    for (const sink of this.#outputs.values()) sink.destroy();
    if (isNoSpace(e)) this.#reserve.afterOutput(path);
    this.#warn(`outputs no longer recorded: cannot write ${path}: ${message(e)} (the events still are)`);
  };

  /** The journal's error: no more events are recorded (run.json's end still is). */
  readonly #failJournal = (path: string, e: unknown): void => {
    if (!this.#cutAt('events', path, e)) return;
    this.#journal?.destroy();
    this.#journal = undefined;
    this.#warn(`events no longer recorded: cannot write ${path}: ${message(e)}`);
  };

  #warn(text: string): void {
    const program = this.#options.program === 'rxssh' ? 'rxssh' : 'rxjobs';
    const line = `${program}: ${text}`;
    if (this.#options.onWarning !== undefined) this.#options.onWarning(line);
    else process.stderr.write(`${line}\n`);
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
        sink = new FileSink(join(this.dir, outputFileOf(key, stream)), this.#failOutput);
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
      if (c.type !== 'exit' && (this.#cut.outputs !== undefined || this.#options.linked?.has(e.job) === true))
        return;
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
    if (e.type === 'done' && e.restored === true && isCommandEvent(e.value) && e.value.type === 'exit') {
      // a restored SshJob's exit as the run resumed had it: what a resume of this run restores it with
      const exit = { type: 'value' as const, job: e.job, value: e.value, scheduler: e.scheduler };
      this.#record(JSON.stringify(toJsonRecord(exit, new Date().toISOString())), key);
    }
    if (e.type !== 'value')
      this.#status.set(
        key,
        e.type === 'failed' && (e.tolerated === true || e.ignored === true)
          ? 'tolerated'
          : e.type === 'done' && e.restored === true
            ? 'restored'
            : e.type,
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
   * written (never rejects) to what the record holds. A second call resolves to undefined.
   */
  async end(end: RecordedEnd): Promise<RecordedResult | undefined> {
    if (this.#ended || !this.#active) return undefined;
    this.#ended = true;
    this.#flushCaptures('');
    const plan = this.#plan?.jobs ?? [];
    const { outcome, why } = recordedOutcome({
      ...end,
      end: this.#end,
      failed: unforgivenFailures(plan, this.#status),
      unit: this.#options.program === 'rxssh' ? 'host' : 'job',
    });
    await Promise.all([...this.#outputs.values()].map((s) => s.close()));
    await this.#link();
    const ts = new Date().toISOString();
    const cutBefore = this.#incomplete();
    const last: JournalEndRecord = {
      type: 'end',
      ts,
      outcome,
      ok: outcome === 'success',
      why,
      ...(cutBefore === undefined ? {} : { recordIncomplete: cutBefore }),
    };
    this.#add(JSON.stringify(last));
    await this.#journal?.close();
    this.#reserve.release(); // the room for run.json's end
    const incomplete = this.#incomplete();
    let unended: string | undefined;
    if (this.#run !== undefined)
      try {
        await writeJsonAtomically(join(this.dir, 'run.json'), {
          ...this.#run,
          ended: ts,
          outcome,
          ...(end.exitStatus === undefined ? {} : { exitStatus: end.exitStatus }),
          why,
          counts: countsOf(plan, this.#status, end.interrupted),
          ...(incomplete === undefined ? {} : { recordIncomplete: incomplete }),
        } satisfies RunJson);
      } catch (e: unknown) {
        unended = reasonOf(e);
        this.#warn(`cannot write the end of the record in ${join(this.dir, 'run.json')}: ${message(e)}`);
      }
    this.#active = false;
    return { ended: unended === undefined, incomplete, unended };
  }

  /** What was cut so far, undefined when nothing. */
  #incomplete(): RecordIncomplete | undefined {
    const { outputs, events } = this.#cut;
    return outputs === undefined && events === undefined ? undefined : { ...this.#cut };
  }
}
