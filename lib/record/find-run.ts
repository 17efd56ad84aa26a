/**
 * `findRun()`: the run a path names, whatever the user gave: a run directory, a scenario's folder of runs, or
 * the scenario file itself.
 * @module
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

import { codeOf } from '../errors/error-code.js';
import { latestRun, readRun } from './read.js';
import { RecordError } from './record-error.js';
import { RUN_ID, scenarioSlug } from './run-dir.js';
import type { RunRecord } from './types.js';

/** Where `findRun()` looks. @category models */
export interface FindRunOptions {
  /** The root of the run directories (`<root>/<slug>/<id>`), where a scenario file's runs are looked for. */
  readonly root: string;
  /** The slug of a scenario file's runs (default: the CLIs' own, `<base>-<8 hex>`). */
  readonly slugOf?: ((scenarioPath: string) => string) | undefined;
  /** What a relative `path` is relative to (default: the current directory). */
  readonly cwd?: string | undefined;
}

/** A scenario file's name: `x.yaml`, `x.yml`, `x.yaml.j2`... */
export const SCENARIO_FILE = /\.(ya?ml|j2)$/;

/** What to give instead, said after every problem. */
const GIVE =
  'give a run directory (<root>/<scenario>-<hash>/<id>), a scenario folder of runs, or a scenario file (.yaml, .yml, .j2)';

/** Whether `dir` is a run directory: it holds a `run.json`. @internal */
export const isRunDir = (dir: string): boolean => existsSync(join(dir, 'run.json'));

const statOf = async (path: string): Promise<Stats | undefined> => {
  try {
    return await stat(path);
  } catch (e: unknown) {
    if (codeOf(e) === 'ENOENT' || codeOf(e) === 'ENOTDIR') return undefined;
    throw new RecordError(path, `cannot be read: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
};

/**
 * The run that `path` names, read by `readRun()`:
 * - a run directory (it holds `run.json`): that run;
 * - a folder of runs (a scenario's `<root>/<slug>/`, whose entries are run ids): its latest run;
 * - a scenario file (`x.yaml`, `.yml`, `.j2`; it need not exist any more): the latest run of that scenario
 *   under `opts.root`.
 * @throws {RecordError} naming `path`, what it is and what to give instead; or what `readRun()` throws.
 * @example
 * const record = await findRun('deploy.yaml', { root: recordRoot(undefined) });
 * console.log(record.dir, record.run.outcome);
 * @category running
 */
export async function findRun(path: string, opts: FindRunOptions): Promise<RunRecord> {
  const abs = resolve(opts.cwd ?? process.cwd(), path);
  const stats = await statOf(abs);
  if (stats?.isDirectory() === true) {
    if (isRunDir(abs)) return readRun(abs);
    const names = await readdir(abs).catch(() => [] as string[]);
    if (names.some((n) => RUN_ID.test(n))) return latestRun(dirname(abs), basename(abs));
    const what =
      resolve(opts.root) === abs
        ? 'is the root of the run records, not one run'
        : 'is a directory that holds no run (no run.json, no run folder)';
    throw new RecordError(abs, `${what}: ${GIVE}`);
  }
  if (SCENARIO_FILE.test(abs) && (stats === undefined || stats.isFile()))
    return latestOfScenario(abs, opts, stats !== undefined);
  throw new RecordError(abs, `${stats === undefined ? 'does not exist' : 'is not a run'}: ${GIVE}`);
}

/** The latest run of the scenario file `file` under `opts.root`. */
async function latestOfScenario(file: string, opts: FindRunOptions, exists: boolean): Promise<RunRecord> {
  const root = resolve(opts.root);
  const slug = (opts.slugOf ?? scenarioSlug)(file);
  const folder = join(root, slug);
  if (!(await hasRuns(folder)))
    throw new RecordError(
      file,
      exists
        ? `no run of this scenario is recorded under ${root}: run it once first, or give a run directory`
        : `does not exist, and no run of a scenario of that path is recorded under ${root}: ${GIVE}`,
    );
  return latestRun(root, slug);
}

const hasRuns = async (folder: string): Promise<boolean> =>
  (await readdir(folder).catch(() => [] as string[])).some((n) => RUN_ID.test(n));
