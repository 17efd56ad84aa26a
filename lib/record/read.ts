/**
 * Reading a run directory back: `readRun()`, `latestRun()`.
 * @module
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { codeOf } from '../errors/error-code.js';
import { outputFileOf, outputNamingOf } from './keys.js';
import { RecordError } from './record-error.js';
import { RUN_ID } from './run-dir.js';
import { RUN_FORMAT } from './types.js';
import type { JournalRecord, PlannedJob, RecordedOutputs, RunJson, RunRecord } from './types.js';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** A file's text; `undefined` when it does not exist and `optional`. */
async function readText(file: string, optional: boolean): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e: unknown) {
    if (optional && codeOf(e) === 'ENOENT') return undefined;
    throw new RecordError(
      file,
      codeOf(e) === 'ENOENT' ? 'does not exist: is this a run directory?' : `cannot be read: ${message(e)}`,
      { cause: e },
    );
  }
}

function parseJson(file: string, text: string, where = ''): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e: unknown) {
    throw new RecordError(file, `${where}is not JSON (${message(e)})`, { cause: e });
  }
}

function checkRun(file: string, data: unknown): RunJson {
  if (!isObject(data)) throw new RecordError(file, 'must hold a JSON object');
  if (data['format'] !== RUN_FORMAT)
    throw new RecordError(
      file,
      `has format ${JSON.stringify(data['format'])}, expected "${RUN_FORMAT}" (written by another version?)`,
    );
  for (const field of ['program', 'started', 'cwd'])
    if (typeof data[field] !== 'string') throw new RecordError(file, `${field} must be a string`);
  return data as unknown as RunJson;
}

function checkPlan(file: string, data: unknown): PlannedJob[] {
  const jobs = isObject(data) ? data['jobs'] : undefined;
  if (!Array.isArray(jobs)) throw new RecordError(file, 'must hold { "jobs": [...] }');
  jobs.forEach((job: unknown, i) => {
    if (!isObject(job) || typeof job['key'] !== 'string' || typeof job['label'] !== 'string')
      throw new RecordError(file, `jobs[${String(i)}] must be an object with a key and a label`);
  });
  return jobs as PlannedJob[];
}

/** The records of `events.jsonl`, up to its last full line (a partial last line is left out). */
function parseJournal(file: string, text: string): JournalRecord[] {
  const lines = text.split('\n');
  lines.pop(); // after the last '\n': '' or a line cut short by a crash
  return lines.map((line, i) => {
    const record = parseJson(file, line, `line ${String(i + 1)} `);
    if (!isObject(record) || typeof record['type'] !== 'string')
      throw new RecordError(file, `line ${String(i + 1)} must be a JSON object with a type`);
    return record as unknown as JournalRecord;
  });
}

/**
 * Reads a run directory (format `rxjobs-run/1`): `run.json`, `plan.json` and the records of `events.jsonl`
 * up to its last full line. A run that did not reach its end (no `ended` in `run.json`: a crash, `kill -9`)
 * reads as `interrupted`, its `run.outcome` too.
 * @throws {RecordError} naming the file that is missing or not what the format says.
 * @example
 * const { run, plan, events } = await readRun('runs/today');
 * console.log(run.outcome, plan.length, events.filter((e) => e.type === 'failed').length);
 * @category running
 */
export async function readRun(dir: string): Promise<RunRecord> {
  const root = resolve(dir);
  const runFile = join(root, 'run.json');
  const planFile = join(root, 'plan.json');
  const eventsFile = join(root, 'events.jsonl');
  const stored = checkRun(runFile, parseJson(runFile, (await readText(runFile, false)) ?? ''));
  const plan = checkPlan(planFile, parseJson(planFile, (await readText(planFile, false)) ?? ''));
  const events = parseJournal(eventsFile, (await readText(eventsFile, true)) ?? '');
  const unfinished = stored.ended === undefined;
  const run: RunJson = unfinished ? { ...stored, outcome: 'interrupted' } : stored;
  return {
    dir: root,
    run,
    plan,
    events,
    interrupted: unfinished || run.outcome === 'interrupted',
    outputsOf: (key: string): RecordedOutputs => {
      const naming = outputNamingOf(stored);
      const out = join(root, outputFileOf(key, 'stdout', naming));
      const err = join(root, outputFileOf(key, 'stderr', naming));
      return { ...(existsSync(out) ? { out } : {}), ...(existsSync(err) ? { err } : {}) };
    },
  };
}

/**
 * The latest run recorded under `root` for `slug` (`<root>/<slug>/<id>`: the greatest id, ids sorting by
 * time), read by {@link readRun}.
 * @throws {RecordError} when there is none, or it cannot be read.
 * @category running
 */
export async function latestRun(root: string, slug: string): Promise<RunRecord> {
  const dir = resolve(root, slug);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e: unknown) {
    if (codeOf(e) !== 'ENOENT') throw new RecordError(dir, `cannot be read: ${message(e)}`, { cause: e });
    names = [];
  }
  const runs = names.filter((n) => RUN_ID.test(n)).sort();
  const last = runs.at(-1);
  if (last === undefined) throw new RecordError(dir, 'holds no recorded run');
  // names tell the second only: among the runs started in that second, the one whose run.json says later
  const second = last.slice(0, last.indexOf('-'));
  const tied = runs.filter((n) => n.startsWith(`${second}-`));
  if (tied.length === 1) return readRun(join(dir, last));
  const started = await Promise.all(tied.map(async (n) => ({ n, at: await startedAt(join(dir, n)) })));
  started.sort((a, b) => a.at.localeCompare(b.at) || a.n.localeCompare(b.n));
  return readRun(join(dir, (started.at(-1) as { n: string }).n));
}

/** When the run of `dir` started, as its run.json says (ISO 8601, so it sorts as text); '' if unreadable. */
async function startedAt(dir: string): Promise<string> {
  try {
    const data = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as { started?: unknown };
    return typeof data.started === 'string' ? data.started : '';
  } catch {
    return '';
  }
}
