// The `--json` stream of both CLIs: a `run` record first, a `started` and a `result` record per host (rxssh)
// or job (rxjobs) around its output records, and a `summary` record last. Every record has `type` and `ts`;
// every record about one host or job names it the same way in both CLIs: `kind` and `target`.
import type { JobStartedEvent, JobValueEvent } from '../core/events.js';
import type { JsonChunkRecord, JsonExitRecord, JsonLineRecord } from '../render/text/json-lines.js';
import { toJsonRecord } from '../render/text/json-lines.js';
import { packageVersion } from '../record/version.js';
import { outcomeCounts } from './summary.js';

/** What a CLI counts: a host (rxssh) or a job (`rxjobs run`). */
export type TargetKind = 'host' | 'job';

/** The fields that name the host or job a record is about, the same in rxssh and rxjobs. */
export interface TargetFields {
  /** `host` in rxssh, `job` in rxjobs. */
  readonly kind: TargetKind;
  /** The host's label (as `-t` gave it) or the job's id in the scenario. */
  readonly target: string;
}

/**
 * The first record: `{"ts","type":"run","program","version","argv","kind","targets",...}`, written before
 * anything connects or runs. `ts` is the start of the run.
 */
export interface JsonRunRecord {
  readonly ts: string;
  readonly type: 'run';
  /** `rxssh` or `rxjobs`. */
  readonly program: string;
  /** The version of the rxjobs package that runs (its package.json, read at run time). */
  readonly version: string;
  /** The command line, without `node` and the program. */
  readonly argv: readonly string[];
  readonly kind: TargetKind;
  /** Every host or job of the run, in order: each gets exactly one `result` record. */
  readonly targets: readonly string[];
  /** rxssh: what runs on each host (`uname -r`, `script setup.sh`, `push a.tgz -> /opt`). */
  readonly command?: string;
  /** rxjobs: the scenario file as given, or `<stdin>`. */
  readonly scenario?: string;
}

/** A host or job starts: `{"ts","type":"started","kind","target","job","scheduler"}`, before its output. */
export interface JsonStartedRecord extends TargetFields {
  readonly ts: string;
  readonly type: 'started';
  /** The label of its job (in rxssh, the host's). */
  readonly job: string;
  /** The label of the scheduler that runs it. */
  readonly scheduler: string;
}

/**
 * Output and exits: the `line`, `chunk` and `exit` records of `toJsonLines()` (`host` is the node's label,
 * `job` and `scheduler` the job's), with `kind` and `target` last.
 */
export type JsonOutputRecord = (JsonLineRecord | JsonChunkRecord | JsonExitRecord) & TargetFields;

/**
 * How a host or job ended: `{"ts","type":"result","kind","target","ok","status",...}`, one per target, also
 * for those that never started (`not run`, `interrupted`, a skipped job). `host` (rxssh) or `job` (rxjobs)
 * and `label` repeat `target`, as earlier versions wrote them.
 */
export interface JsonResultRecord extends TargetFields {
  readonly ts: string;
  readonly type: 'result';
  readonly ok: boolean;
  /** `exit 0`, `exit 3`, `killed by SIGTERM`, `refused`, `timeout after 5 s`, `skipped`, `interrupted`, ... */
  readonly status: string;
  /** Why, in words, when it failed. */
  readonly detail?: string | undefined;
  /** The exit code of its (last failing) command, when known. */
  readonly code?: number | null | undefined;
  readonly signal?: string | null | undefined;
  /** Only for a failure its scheduler's `maxFailures` tolerated (`ok` true, `status` `failed (tolerated)`). */
  readonly tolerated?: ToleratedFailure | undefined;
  readonly label: string;
  readonly host?: string;
  readonly job?: string;
}

/** The last record: `{"ts","type":"summary","ok","exitStatus","interrupted","total","succeeded","failed","durationMs"}`. */
export interface JsonSummaryRecord {
  readonly ts: string;
  readonly type: 'summary';
  /** True when every target succeeded and the run was not interrupted. */
  readonly ok: boolean;
  /** The CLI's exit status (0, 1, 130 after Ctrl-C, ...). */
  readonly exitStatus: number;
  /** Stopped by a signal or a closed stdout: targets that had not ended are `interrupted`. */
  readonly interrupted: boolean;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Of `succeeded`, the failures that their scheduler's `maxFailures` tolerated; only when there are some. */
  readonly tolerated?: number;
  /**
   * Of `succeeded`, the jobs not run (skipped, never started, cancelled) after a tolerated failure; only when
   * there are some.
   */
  readonly notRunAfterTolerated?: number;
  /** From the `run` record to this one. */
  readonly durationMs: number;
  /** The run's record directory (see `--record-dir`), unless `--no-record`. */
  readonly record?: string;
}

/** What one line of a CLI's `--json` output holds, discriminated by `type`. */
export type CliJsonRecord =
  JsonRunRecord | JsonStartedRecord | JsonOutputRecord | JsonResultRecord | JsonSummaryRecord;

/** How a target (a host of rxssh, a job of rxjobs) ended: what `result` records and the summary say. */
export interface UnitResult {
  readonly label: string;
  readonly ok: boolean;
  /** `exit 0`, `exit 3`, `killed by SIGTERM`, `refused`, `timeout after 5 s`, `interrupted`, ... */
  readonly status: string;
  readonly detail?: string | undefined;
  readonly code?: number | null | undefined;
  readonly signal?: string | null | undefined;
  /** A failure its scheduler's `maxFailures` tolerated: then `ok` is true, `status` is `failed (tolerated)`. */
  readonly tolerated?: ToleratedFailure | undefined;
}

/**
 * How a tolerated failure failed (`status`: `exit 1`, `refused`, `timeout after 5 s`...) and what tolerated
 * it (`tolerated (maxFailures 3)`, or `ignored (not counted against maxFailures 3)`).
 */
export interface ToleratedFailure {
  readonly status: string;
  readonly note: string;
}

/** What the `run` record says besides the version, the command line and the targets. */
export type JsonRunInfo = Pick<JsonRunRecord, 'command' | 'scenario'>;

/** Writes the records of one CLI run through `out`, one JSON object per line. */
export class JsonStream {
  readonly #out: (text: string) => void;
  readonly #kind: TargetKind;
  readonly #legacyKey: 'host' | 'job';
  readonly #started = performance.now();
  readonly #written = new Set<string>();
  /** `,"kind":…,"target":…}` and a newline, per target: what output records end with. */
  readonly #suffixes = new Map<string, string>();

  /** `out` writes a record's text (with the back-pressure of a `Flow`, in the CLIs). */
  constructor(out: (text: string) => void, kind: TargetKind) {
    this.#out = out;
    this.#kind = kind;
    this.#legacyKey = kind;
  }

  #write(record: CliJsonRecord): void {
    this.#out(`${JSON.stringify(record)}\n`);
  }

  /** The `run` record, first. */
  run(program: string, targets: readonly string[], info: JsonRunInfo = {}): void {
    this.#write({
      ts: new Date().toISOString(),
      type: 'run',
      program,
      version: packageVersion(),
      argv: process.argv.slice(2),
      kind: this.#kind,
      targets,
      ...info,
    });
  }

  /** A target's `started` record. */
  started(target: string, e: JobStartedEvent): void {
    const ts = new Date().toISOString();
    this.#write({
      ts,
      type: 'started',
      kind: this.#kind,
      target,
      job: e.job.label,
      scheduler: e.scheduler.label,
    });
  }

  /**
   * A target's output or exit record (a value event that carries a command event): the record of
   * `toJsonRecord()` with `kind` and `target` appended, as text (the hot path of `--json`: no second object).
   */
  output(target: string, e: JobValueEvent): void {
    let suffix = this.#suffixes.get(target);
    if (suffix === undefined) {
      suffix = `,"kind":"${this.#kind}","target":${JSON.stringify(target)}}\n`;
      this.#suffixes.set(target, suffix);
    }
    const json = JSON.stringify(toJsonRecord(e, new Date().toISOString()));
    this.#out(`${json.slice(0, -1)}${suffix}`);
  }

  /** A target's `result` record (once per target: a second one is ignored). */
  result(r: UnitResult): void {
    if (this.#written.has(r.label)) return;
    this.#written.add(r.label);
    const ts = new Date().toISOString();
    this.#write({ ts, type: 'result', kind: this.#kind, target: r.label, [this.#legacyKey]: r.label, ...r });
  }

  /** The `result` records not written yet (targets that never ended), then the `summary` record, last. */
  summary(results: readonly UnitResult[], exitStatus: number, interrupted: boolean, record?: string): void {
    for (const r of results) this.result(r);
    const succeeded = results.filter((r) => r.ok).length;
    const counts = outcomeCounts(results);
    const tolerated = counts.tolerated + counts.ignored;
    const notRun = counts.notRun + counts.cancelled;
    this.#write({
      ts: new Date().toISOString(),
      type: 'summary',
      ok: succeeded === results.length && !interrupted,
      exitStatus,
      interrupted,
      total: results.length,
      succeeded,
      failed: results.length - succeeded,
      ...(tolerated === 0 ? {} : { tolerated }),
      ...(notRun === 0 ? {} : { notRunAfterTolerated: notRun }),
      durationMs: Math.round(performance.now() - this.#started),
      ...(record === undefined ? {} : { record }),
    });
  }
}
