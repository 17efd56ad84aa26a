/**
 * What a report reads beyond its run directory: whether the process of a run that recorded no end is still
 * alive, and the runs a resumed run comes from (where its restored jobs' outputs are).
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

import { outputNamingOf } from '../record/keys.js';
import type { OutputNaming } from '../record/types.js';
import type { ReportModel } from './model.js';

/**
 * Whether the process `pid` is alive on this machine: `process.kill(pid, 0)` succeeds, or fails with EPERM
 * (it is someone else's); undefined when there is no such pid to ask about.
 */
export function isAlive(pid: number | undefined): boolean | undefined {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    return (e as { code?: unknown }).code === 'EPERM';
  }
}

/** An earlier run: its directory and how it names its output files. */
export interface EarlierRun {
  readonly dir: string;
  readonly naming: OutputNaming;
}

/** What a run's run.json says of the run it resumed and of its output files' names (naming 1 if unreadable). */
async function runJsonOf(dir: string): Promise<{ resumedFrom?: string | undefined; naming: OutputNaming }> {
  try {
    const run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;
    const from = run['resumedFrom'];
    return {
      resumedFrom: typeof from === 'string' ? resolve(dir, from) : undefined,
      naming: outputNamingOf(run),
    };
  } catch {
    return { naming: 1 };
  }
}

/** At most this many runs back along a chain of resumes. */
const MAX_CHAIN = 20;

/**
 * The runs a resumed run comes from, nearest first: the run it resumed, the run that one resumed... (those
 * that exist; a restored job's outputs are in the first of them that ran it).
 */
export async function earlierRuns(model: ReportModel): Promise<EarlierRun[]> {
  const chain: EarlierRun[] = [];
  const first = model.loaded.run.resumedFrom;
  let at = first === undefined ? undefined : isAbsolute(first) ? first : resolve(model.loaded.dir, first);
  while (at !== undefined && existsSync(at) && !chain.some((r) => r.dir === at) && chain.length < MAX_CHAIN) {
    const { resumedFrom, naming } = await runJsonOf(at);
    chain.push({ dir: at, naming });
    at = resumedFrom;
  }
  return chain;
}
