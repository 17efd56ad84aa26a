/**
 * A run directory (format `rxjobs-run/1`) read for a report: as much of it as can be read. A report must say
 * what happened even when the journal is partial (a crash left a cut last line), interrupted (no `ended`), or
 * missing: every file that cannot be read, or a line that is not a JSON object, becomes a `problem` in words,
 * never an exception. Everything read is untrusted: fields are checked for their types before use.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { KEY_SEPARATOR, outputFileOf, outputNamingOf } from '../record/keys.js';
import type { OutputNaming, PlannedJob, RunCounts, RunJson } from '../record/types.js';

/** What `run.json` holds, as far as it could be read (each field checked for its type). @category models */
export type RunInfo = Partial<Omit<RunJson, 'format' | 'scenario' | 'recordIncomplete'>> & {
  /** What part of the record could not be written, in words (`outputs: no space left on device, from ...`). */
  readonly incomplete?: readonly string[];
  readonly scenario?: { readonly path?: string };
  /** The run directory of the run this one resumed (`--resume`). */
  readonly resumedFrom?: string;
};

/** A job of `plan.json`, as far as it could be read. @category models */
export type PlanJob = Pick<PlannedJob, 'key' | 'label' | 'kind' | 'requires' | 'critical'> &
  Partial<Pick<PlannedJob, 'parent' | 'node' | 'group' | 'commands'>>;

/** One record of `events.jsonl`: a JSON object with a `type` (fields checked where read). @category models */
export type EventRecord = Readonly<Record<string, unknown>> & { readonly type: string };

/** A run directory as read for a report. @category models */
export interface LoadedRun {
  readonly dir: string;
  readonly run: RunInfo;
  readonly plan: readonly PlanJob[];
  readonly events: readonly EventRecord[];
  /** What could not be read, in words (empty for a complete run directory). */
  readonly problems: readonly string[];
}

const KINDS = ['job', 'scheduler', 'group', 'matrix'] as const;
const PROGRAMS = ['rxjobs', 'rxssh', 'library'] as const;
const OUTCOMES = ['success', 'failure', 'interrupted'] as const;

/** `v` when it is one of `values`. */
const oneOf = <T extends string>(v: unknown, values: readonly T[]): T | undefined =>
  values.find((x) => x === v);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

/** Copies the fields whose value is defined (for `exactOptionalPropertyTypes`). */
const defined = (o: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const message = (e: unknown): string =>
  (e as { code?: unknown }).code === 'ENOENT' ? 'missing' : e instanceof Error ? e.message : String(e);

const COUNT_NAMES = ['total', 'done', 'failed', 'tolerated', 'skipped', 'cancelled', 'notRun'] as const;

const countsOf = (v: unknown): RunCounts | undefined => {
  if (!isObject(v)) return undefined;
  const counts: Record<string, number> = {};
  for (const name of COUNT_NAMES) counts[name] = num(v[name]) ?? 0;
  return counts as unknown as RunCounts;
};

/** run.json's `recordIncomplete` in words: one line per part cut (outputs, events). */
const incompleteOf = (v: unknown): string[] | undefined => {
  if (!isObject(v)) return undefined;
  const parts = (['outputs', 'events'] as const).flatMap((part) => {
    const cut = v[part];
    if (!isObject(cut)) return [];
    const at = str(cut['at']);
    const what = [str(cut['file']), str(cut['reason'])].filter((w) => w !== undefined).join(': ');
    const stops = part === 'outputs' ? 'output files stop' : 'journal stops';
    return [
      `The record is cut: its ${stops}${at === undefined ? '' : ` at ${at}`}${what === '' ? '' : ` (${what})`}.`,
    ];
  });
  return parts.length > 0 ? parts : undefined;
};

/** The fields of `run.json` a report reads, each checked for its type. */
export const runInfoOf = (v: unknown): RunInfo => {
  if (!isObject(v)) return {};
  const scenario = isObject(v['scenario'])
    ? (defined({ path: str(v['scenario']['path']) }) as { path?: string })
    : undefined;
  return defined({
    program: oneOf(v['program'], PROGRAMS),
    version: str(v['version']),
    argv: strings(v['argv']),
    cwd: str(v['cwd']),
    scenario,
    command: str(v['command']),
    started: str(v['started']),
    pid: num(v['pid']),
    resumedFrom: str(v['resumedFrom']),
    outputNaming: outputNamingOf(v),
    incomplete: incompleteOf(v['recordIncomplete']),
    ended: str(v['ended']),
    outcome: oneOf(v['outcome'], OUTCOMES),
    exitStatus: num(v['exitStatus']),
    why: str(v['why']),
    counts: countsOf(v['counts']),
  });
};

/** A job of `plan.json`, or undefined when it has no string `key` and `label`. */
export const planJobOf = (v: unknown): PlanJob | undefined => {
  if (!isObject(v)) return undefined;
  const key = str(v['key']);
  const label = str(v['label']);
  if (key === undefined || label === undefined) return undefined;
  const kind = oneOf(v['kind'], KINDS) ?? 'job';
  return defined({
    key,
    label,
    kind,
    parent: str(v['parent']),
    node: str(v['node']),
    requires: strings(v['requires']) ?? [],
    critical: v['critical'] === true,
    group: str(v['group']),
    commands: strings(v['commands']),
  }) as unknown as PlanJob;
};

/** Reads a JSON file; a problem in words when it is missing or not JSON. */
async function readJson(
  dir: string,
  name: string,
): Promise<{ value: unknown; problem?: undefined } | { value?: undefined; problem: string }> {
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch (e: unknown) {
    return { problem: `${name}: ${message(e)}` };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e: unknown) {
    return { problem: `${name}: not JSON (${message(e)})` };
  }
}

/** The records of `events.jsonl`: a cut last line (a crash) is ignored, a bad line elsewhere counted. */
export function parseEvents(text: string): { events: EventRecord[]; problems: string[] } {
  const events: EventRecord[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  const cut = lines.pop() ?? ''; // after the last \n: empty unless the last line was cut short
  let bad = 0;
  let first = 0;
  lines.forEach((line, index) => {
    if (line === '') return;
    try {
      const v: unknown = JSON.parse(line);
      if (isObject(v) && typeof v['type'] === 'string') {
        events.push(v as EventRecord);
        return;
      }
    } catch {
      // counted below
    }
    if (bad++ === 0) first = index + 1;
  });
  if (bad > 0)
    problems.push(
      `events.jsonl: ${String(bad)} line(s) are not JSON records (the first: line ${String(first)})`,
    );
  if (cut !== '') problems.push(`events.jsonl: the last line is cut short (ignored)`);
  return { events, problems };
}

/**
 * The jobs of a run whose plan.json is missing or empty, as far as its journal names them: each key in order
 * of first appearance, its label, its parent (the key before its last ` / `, when that is a key too), its
 * host; no requirements, no commands, not critical.
 */
export function planFromEvents(events: readonly EventRecord[]): PlanJob[] {
  const jobs = new Map<string, { key: string; label: string; node?: string; group?: string }>();
  for (const e of events) {
    const key = str(e['key']);
    if (key === undefined || e.type === 'capture' || e.type === 'result') continue;
    let job = jobs.get(key);
    if (job === undefined) {
      const at = key.lastIndexOf(KEY_SEPARATOR);
      job = { key, label: str(e['job']) ?? (at < 0 ? key : key.slice(at + KEY_SEPARATOR.length)) };
      jobs.set(key, job);
    }
    const host = str(e['host']);
    if (e.type === 'exit' && host !== undefined) job.node ??= host;
    const group = str(e['group']);
    if (group !== undefined) job.group ??= group;
  }
  const parentOf = (key: string): string | undefined => {
    const at = key.lastIndexOf(KEY_SEPARATOR);
    return at > 0 && jobs.has(key.slice(0, at)) ? key.slice(0, at) : undefined;
  };
  const parents = new Set([...jobs.keys()].map(parentOf).filter((k) => k !== undefined));
  return [...jobs.values()].map(
    (j) =>
      defined({
        ...j,
        kind: parents.has(j.key) ? 'scheduler' : 'job',
        parent: parentOf(j.key),
        requires: [],
        critical: false,
      }) as unknown as PlanJob,
  );
}

/** Reads what can be read of the run directory `dir`. Never rejects. @category running */
export async function loadRun(dir: string): Promise<LoadedRun> {
  const problems: string[] = [];
  const run = await readJson(dir, 'run.json');
  if (run.problem !== undefined) problems.push(run.problem);
  const plan = await readJson(dir, 'plan.json');
  if (plan.problem !== undefined) problems.push(plan.problem);
  const planned = isObject(plan.value) && Array.isArray(plan.value['jobs']) ? plan.value['jobs'] : [];
  if (plan.problem === undefined && planned.length === 0) problems.push('plan.json: no jobs');
  let jobs: PlanJob[] = [];
  const seen = new Set<string>();
  for (const v of planned) {
    const job = planJobOf(v);
    if (job === undefined || seen.has(job.key)) continue;
    seen.add(job.key);
    jobs.push(job);
  }
  let events: EventRecord[] = [];
  try {
    const parsed = parseEvents(await readFile(join(dir, 'events.jsonl'), 'utf8'));
    events = parsed.events;
    problems.push(...parsed.problems);
  } catch (e: unknown) {
    problems.push(`events.jsonl: ${message(e)}`);
  }
  if (jobs.length === 0 && events.length > 0) {
    jobs = planFromEvents(events);
    if (jobs.length > 0)
      problems.push(
        `the jobs below are taken from events.jsonl, without plan.json: no requirements, commands or jobs that never started`,
      );
  }
  return { dir, run: runInfoOf(run.value), plan: jobs, events, problems };
}

/**
 * The paths, relative to the run directory, of the output files of the job `key`, by the naming of its run
 * (run.json's `outputNaming`).
 * @category models
 */
export const outputFiles = (
  key: string,
  naming: OutputNaming,
): { readonly out: string; readonly err: string } => ({
  out: outputFileOf(key, 'stdout', naming),
  err: outputFileOf(key, 'stderr', naming),
});
