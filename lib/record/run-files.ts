/**
 * The files of a run directory besides the journal and the outputs: run.json (atomically), plan.json,
 * scenario.yaml; the counts of run.json's end; the links of outputs written by another writer.
 * @module
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { codeOf } from '../errors/error-code.js';
import { makeDirectory } from '../render/files/make-directory.js';
import { OUTPUT_NAMING, OUTPUTS_DIR } from './keys.js';
import { RESERVE_FILE } from './reserve.js';
import { RUN_FORMAT } from './types.js';
import { packageVersion } from './version.js';
import type { PlannedJob, RecordedCounts, RunJson, RunProgram } from './types.js';

/** The files of a run directory that a new run replaces. */
const RUN_FILES = ['run.json', 'plan.json', 'events.jsonl', 'scenario.yaml', RESERVE_FILE];

/** How a job of the plan stands, from its events. @internal */
export type RecordedStatus =
  'started' | 'done' | 'restored' | 'failed' | 'tolerated' | 'skipped' | 'cancelled';

/** Writes `data` as JSON to `path` through a temporary file and a rename: readers see all of it or none. @internal */
export async function writeJsonAtomically(path: string, data: unknown): Promise<void> {
  const temp = `${path}.${String(process.pid)}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`);
    await rename(temp, path);
  } catch (e: unknown) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** A directory given to the library: made if missing, the files of an earlier run in it removed. @internal */
export async function clearEarlierRun(dir: string): Promise<void> {
  await makeDirectory(dir);
  const earlier = await stat(join(dir, 'run.json')).then(
    () => true,
    () => false,
  );
  if (!earlier) return;
  for (const file of RUN_FILES) await rm(join(dir, file), { force: true });
  await rm(join(dir, OUTPUTS_DIR), { recursive: true, force: true });
}

/** What run.json says at the start. @internal */
export interface RunStart {
  readonly program?: RunProgram | undefined;
  readonly argv?: readonly string[] | undefined;
  readonly scenario?: { readonly path: string; readonly text: string } | undefined;
  readonly command?: string | undefined;
  /**
   * Values the record must not hold (the values of secret variables, `db_password`): written `***` in
   * plan.json, events.jsonl and scenario.yaml. The commands' own outputs are kept as they are.
   */
  readonly secrets?: readonly string[] | undefined;
  /** A resumed run: the run directory it resumes (see `RunJson.resumedFrom`). */
  readonly resumedFrom?: string | undefined;
}

/**
 * A function that writes each of `secrets` (3 characters or more) as `***` in a text, raw or JSON-escaped;
 * undefined when there is none.
 * @internal
 */
export function redactor(secrets: readonly string[] | undefined): ((text: string) => string) | undefined {
  const forms = [...new Set((secrets ?? []).filter((s) => s.length >= 3))]
    .flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])
    .sort((a, b) => b.length - a.length);
  if (forms.length === 0) return undefined;
  return (text) => forms.reduce((t, form) => (t.includes(form) ? t.replaceAll(form, '***') : t), text);
}

/** Writes run.json, plan.json and scenario.yaml, and makes outputs/; returns run.json's content. @internal */
export async function writeStartFiles(
  dir: string,
  start: RunStart,
  plan: readonly PlannedJob[],
): Promise<RunJson> {
  const { scenario } = start;
  const run: RunJson = {
    format: RUN_FORMAT,
    program: start.program ?? 'library',
    version: packageVersion(),
    ...(start.argv === undefined ? {} : { argv: start.argv }),
    cwd: process.cwd(),
    ...(scenario === undefined
      ? {}
      : {
          scenario: {
            path: scenario.path,
            sha256: createHash('sha256').update(scenario.text).digest('hex'),
          },
        }),
    ...(start.command === undefined ? {} : { command: start.command }),
    started: new Date().toISOString(),
    pid: process.pid,
    ...(start.resumedFrom === undefined ? {} : { resumedFrom: resolve(start.resumedFrom) }),
    outputNaming: OUTPUT_NAMING,
  };
  await writeJsonAtomically(join(dir, 'run.json'), run);
  const redact = redactor(start.secrets) ?? ((text: string): string => text);
  await writeFile(join(dir, 'plan.json'), redact(`${JSON.stringify({ jobs: plan }, null, 1)}\n`));
  if (scenario !== undefined) await writeFile(join(dir, 'scenario.yaml'), redact(scenario.text));
  await mkdir(join(dir, OUTPUTS_DIR), { recursive: true });
  return run;
}

/**
 * The counts of run.json's end: each job of the plan by its last event (a `done` that says `restored` counts
 * as restored, not done); a job still running is `cancelled` after an interruption, `notRun` otherwise. @internal
 */
export function countsOf(
  plan: readonly PlannedJob[],
  status: ReadonlyMap<string, RecordedStatus>,
  interrupted: boolean,
): RecordedCounts {
  const c = { total: 0, done: 0, restored: 0, failed: 0, tolerated: 0, skipped: 0, cancelled: 0, notRun: 0 };
  for (const { key } of plan) {
    c.total++;
    const s = status.get(key);
    if (s === undefined) c.notRun++;
    else if (s === 'started') {
      if (interrupted) c.cancelled++;
      else c.notRun++;
    } else c[s]++;
  }
  return c;
}

/**
 * Copies files written by another writer (`-o DIR`) to their places in the run directory (`to`), those not
 * empty (a clone where the filesystem can make one), four at a time (the thread pool's size: the copies are
 * the kernel's, each on a thread); a missing one is left out, other errors go to `fail`. @internal
 */
export async function linkFiles(
  files: Iterable<{ readonly from: string; readonly to: string }>,
  fail: (path: string, e: unknown) => void,
): Promise<void> {
  const queue = files[Symbol.iterator]();
  const copyNext = async (): Promise<void> => {
    for (let next = queue.next(); next.done !== true; next = queue.next()) {
      const { from, to } = next.value;
      try {
        if ((await stat(from).catch(() => undefined))?.size === 0) continue;
        // a copy, never a hard link: the next run with the same -o DIR rewrites those files in place, and the
        // record of this one must keep what this run wrote (a clone where the filesystem can, as cheap as a link)
        await copyFile(from, to, constants.COPYFILE_FICLONE);
      } catch (e: unknown) {
        if (codeOf(e) !== 'ENOENT') fail(to, e);
      }
    }
  };
  await Promise.all([copyNext(), copyNext(), copyNext(), copyNext()]);
}
