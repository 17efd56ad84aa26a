/**
 * The run directory (format `rxjobs-run/1`): what `run.json`, `plan.json` and `events.jsonl` hold.
 * @module
 */
import type { JsonExitRecord, JsonJobRecord, JsonEndRecord } from '../render/text/json-lines.js';

/** The format name written in every `run.json`. @category models */
export const RUN_FORMAT = 'rxjobs-run/1';

/** Which program recorded a run. @category models */
export type RunProgram = 'rxjobs' | 'rxssh' | 'library';

/**
 * How a run ended, by one rule whoever records it (the CLIs, `run({ record })`): `success` when it reached
 * its end and every job completed, a failure tolerated by a `maxFailures` (or ignored by it) aside;
 * `failure` when a job failed otherwise (a job that is not critical included: the run went on, but that
 * job's work was not done), or the run stopped early (a critical job, a timeout); `interrupted` for Ctrl-C,
 * a signal, a crash (no `ended` in `run.json`). The CLIs' exit status is 0 exactly on `success`.
 * @category models
 */
export type RunOutcome = 'success' | 'failure' | 'interrupted';

/**
 * How many jobs of the plan ended how (nested jobs included, schedulers and groups too): `notRun` is what never
 * started nor was skipped or cancelled (an interrupted run). `done` counts the jobs that ran and succeeded
 * (see {@link RecordedCounts} for those restored by a resume).
 * @category models
 */
export interface RunCounts {
  readonly total: number;
  /** Ran and succeeded (restored jobs are not counted here). */
  readonly done: number;
  readonly failed: number;
  readonly tolerated: number;
  readonly skipped: number;
  readonly cancelled: number;
  readonly notRun: number;
}

/**
 * `run.json`'s counts: a partition of `total`, {@link RunCounts} and `restored`, the jobs a resumed run did
 * not run, done in the run it resumes (`resumedFrom`). A resumed run of 15 jobs that restores 5 and runs 10
 * says `{ total: 15, restored: 5, done: 10, ... }`: "5 restored, 10 run".
 * @category models
 */
export interface RecordedCounts extends RunCounts {
  /** Not run: done in the run this one resumes. Absent in records of versions before it was counted. */
  readonly restored?: number;
}

/**
 * `run.json`: what ran, where, when and how it ended. Written atomically at the start, then again at the
 * end with `ended`, `outcome`, `exitStatus`, `why` and `counts`. No `ended`: the run was interrupted (a
 * crash, `kill -9`).
 * @category models
 */
export interface RunJson {
  readonly format: typeof RUN_FORMAT;
  readonly program: RunProgram;
  /** The version of the rxjobs package that recorded it. */
  readonly version: string;
  /** The command line, without `node` and the program, secrets redacted (CLIs only). */
  readonly argv?: readonly string[];
  readonly cwd: string;
  /** rxjobs run: the scenario file (absolute path, `<stdin>` for standard input) and the sha256 of its text. */
  readonly scenario?: { readonly path: string; readonly sha256: string };
  /** rxssh: what runs on each host. */
  readonly command?: string;
  /** ISO 8601, UTC. */
  readonly started: string;
  readonly pid: number;
  readonly ended?: string;
  readonly outcome?: RunOutcome;
  /** The CLI's exit status (CLIs only). */
  readonly exitStatus?: number;
  /**
   * Why it ended as it did, in words for people: `every job completed`, `2 jobs failed (not critical)`,
   * `critical job "a" failed: ...`, `interrupted by SIGINT` (the scheduler's `why()` without its `fine:`).
   */
  readonly why?: string;
  readonly counts?: RecordedCounts;
  /**
   * A resumed run: the run directory (absolute) of the run it resumed, whose done jobs it restored rather
   * than ran (their outputs are there, not here).
   */
  readonly resumedFrom?: string;
  /** How `outputs/` names the files of a job's key: see `outputFileOf()`. Absent: version 1 (older runs). */
  readonly outputNaming?: OutputNaming;
  /**
   * Present when part of the record could not be written (a full disk, a quota): what was cut, from when,
   * and why. `outputs`: the output files stop there (what they hold is the start of the outputs; later jobs
   * have none), while `events.jsonl` and the end go on; `events`: the journal stops there too (a resume
   * restores only what it holds).
   */
  readonly recordIncomplete?: RecordIncomplete;
}

/**
 * How `outputs/` names a job's files: `1`, the key percent-encoded (`prepare %2F prepare@fit07.out`, runs
 * recorded before `outputNaming` was written); `2`, names a shell can type (`prepare--prepare@fit07.out`).
 * @category models
 */
export type OutputNaming = 1 | 2;

/** One part of a record that was cut (see {@link RunJson.recordIncomplete}). @category models */
export interface RecordCut {
  /** Why, in words: `no space left on device`, `disk quota exceeded`, `file too large`... */
  readonly reason: string;
  /** The file (relative to the run directory) whose write failed first. */
  readonly file: string;
  /** When (ISO 8601, UTC). */
  readonly at: string;
}

/** What of a record was cut (see {@link RunJson.recordIncomplete}). @category models */
export interface RecordIncomplete {
  readonly outputs?: RecordCut;
  readonly events?: RecordCut;
}

/** What a job of the plan is. @category models */
export type PlannedKind = 'job' | 'scheduler' | 'group' | 'matrix';

/**
 * One job of `plan.json`. Every job of the scheduler appears, nested ones included, parents before children.
 * @category models
 */
export interface PlannedJob {
  /**
   * Unique in the run: the labels from the top scheduler's child down, joined with ` / `, `#2`, `#3`...
   * appended to a label that repeats among siblings. Scenario runs: top-level keys are the scenario ids.
   */
  readonly key: string;
  readonly label: string;
  readonly kind: PlannedKind;
  /** The key of the (nested) scheduler it belongs to; absent for the top scheduler's members. */
  readonly parent?: string;
  /** The label of the node it runs on (an SshJob). */
  readonly node?: string;
  /** How that node is reached (an SshJob): `gw -> user@host:port`, or the local node's description. */
  readonly address?: string;
  /** The keys of its requirements. */
  readonly requires: readonly string[];
  readonly critical: boolean;
  readonly forever: boolean;
  /** Its trigger rule, unless the default `all-done`. */
  readonly runIf?: string;
  /** The label of the folded scheduler (GroupJob, MatrixJob) it is a member of. */
  readonly group?: string;
  /** What it runs, described (as `--dry-run` prints it). */
  readonly commands?: readonly string[];
  /** sha256 (hex) of a stable text of its kind, node, address, commands, requirements' keys, runIf, critical, forever. */
  readonly fingerprint: string;
}

/** `plan.json`. @category models */
export interface PlanJson {
  readonly jobs: readonly PlannedJob[];
}

/** A scheduler event in `events.jsonl`: its `toJsonLines()` record plus the PlannedJob key of its job. */
export type JournalEventRecord = (JsonJobRecord | JsonExitRecord | JsonEndRecord) & {
  /** The PlannedJob key of the job (of the nested scheduler for its `end`). */
  readonly key: string;
};

/** A scenario `capture:` stored a value. @category models */
export interface JournalCaptureRecord {
  readonly type: 'capture';
  readonly ts: string;
  /** The key of the job that captured it. */
  readonly key: string;
  /** The variable's name. */
  readonly name: string;
  readonly value: string;
}

/** A CLI's `result` record (as `--json` writes it), recorded by `rxjobs run` and `rxssh`. @category models */
export interface JournalResultRecord {
  readonly type: 'result';
  readonly ts: string;
  readonly target: string;
  readonly ok: boolean;
  readonly status: string;
  readonly [field: string]: unknown;
}

/** The last record of a journal: how the run ended. Readers tell it by `outcome`. @category models */
export interface JournalEndRecord {
  readonly type: 'end';
  readonly ts: string;
  readonly outcome: RunOutcome;
  readonly ok: boolean;
  readonly why: string;
  /** What of the record was cut before this record (outputs only: the journal holds this line). */
  readonly recordIncomplete?: RecordIncomplete;
}

/** One line of `events.jsonl`. @category models */
export type JournalRecord =
  JournalEventRecord | JournalCaptureRecord | JournalResultRecord | JournalEndRecord;

/** Whether `r` is the last record of a journal (the run's end, not a scheduler's). @category models */
export const isRunEnd = (r: JournalRecord): r is JournalEndRecord => r.type === 'end' && 'outcome' in r;

/** The paths (absolute) of a job's output files, those that exist. @category models */
export interface RecordedOutputs {
  readonly out?: string;
  readonly err?: string;
}

/**
 * A run directory as read by `readRun()`.
 * @category models
 */
export interface RunRecord {
  /** The run directory (absolute). */
  readonly dir: string;
  /** `run.json`; when the run was interrupted before its end, `outcome` is `interrupted` here. */
  readonly run: RunJson;
  readonly plan: readonly PlannedJob[];
  /** The records of `events.jsonl` up to its last full line. */
  readonly events: readonly JournalRecord[];
  /** The run did not reach its end (no `ended` in run.json), or ended by Ctrl-C or a signal. */
  readonly interrupted: boolean;
  /** The output files of the job of `key` that exist. */
  outputsOf(key: string): RecordedOutputs;
}
