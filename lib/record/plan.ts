/**
 * The plan of a recorded run: every job of a scheduler, nested ones included, with a key unique in the run.
 * @module
 */
import { createHash } from 'node:crypto';

import type { Job } from '../core/job.js';
import type { JobGroup } from '../core/model.js';
import { isScheduler } from '../core/scheduler.js';
import { SshJob } from '../ssh-job/ssh-job.js';
import { CommandContents } from './command-contents.js';
import { keyOf } from './keys.js';
import type { PlannedJob, PlannedKind } from './types.js';

/** A plan, and the key of each of its jobs. */
export interface RunPlan {
  readonly jobs: readonly PlannedJob[];
  readonly keys: ReadonlyMap<Job, string>;
}

/** Options of {@link planOf}. */
export interface PlanOptions {
  /**
   * The names of members of the top scheduler that replace their labels in their keys (a scenario's job ids:
   * `rxjobs run` keys its top-level jobs by id).
   */
  readonly names?: ReadonlyMap<Job, string> | undefined;
}

const kindOf = (job: Job): PlannedKind => {
  if (!isScheduler(job)) return 'job';
  if (!job.fold) return 'scheduler';
  // a MatrixJob lists its instances; fleet/ sits above this layer, so it is told apart by its shape
  return 'instances' in job ? 'matrix' : 'group';
};

/** A command as the plan shows it: its label, and the variable it captures into, if any. */
const describeCommand = (c: SshJob['commands'][number]): string => {
  const capture = (c as { readonly options?: { readonly capture?: unknown } }).options?.capture;
  return typeof capture === 'string' ? `${c.label} (capture ${capture})` : c.label;
};

/**
 * The stable text a fingerprint is the sha256 of; `contents`, what the plan does not show of the commands
 * (their texts behind labels, options, the bytes of local scripts and includes: see command-contents.ts).
 */
const fingerprintOf = (p: Omit<PlannedJob, 'fingerprint'>, contents: readonly string[]): string =>
  createHash('sha256')
    .update(
      // not the label: for the same key, a new label changes nothing that runs (a group's names its range)
      JSON.stringify([
        p.kind,
        p.node ?? null,
        p.address ?? null,
        p.commands ?? [],
        p.requires,
        p.runIf ?? 'all-done',
        p.critical,
        p.forever,
        contents,
      ]),
    )
    .digest('hex');

interface Placed {
  readonly job: Job;
  readonly key: string;
  readonly parent: JobGroup | undefined;
  /** The `critical` its members inherit (the enclosing schedulers' setting). */
  readonly inherited: boolean | undefined;
}

/**
 * The plan of `top`: its members, then each nested scheduler's members after it (parents before children),
 * each keyed by {@link keyOf}: labels (or `names` at top level) from the top scheduler's child down, `#2`,
 * `#3`... for a label repeated among siblings (and, should two keys still meet, on the later one).
 */
export function planOf(top: JobGroup, options: PlanOptions = {}): RunPlan {
  const keys = new Map<Job, string>();
  const used = new Set<string>();
  const placed: Placed[] = [];
  const visit = (group: JobGroup, parentKey: string | undefined, inherited: boolean | undefined): void => {
    const seen = new Map<string, number>();
    const children: Placed[] = [];
    for (const job of group._memberList()) {
      if (keys.has(job)) continue;
      const name = (parentKey === undefined ? options.names?.get(job) : undefined) ?? job.label;
      let n = (seen.get(name) ?? 0) + 1;
      let key = keyOf(parentKey, name, n);
      while (used.has(key)) key = keyOf(parentKey, name, ++n);
      seen.set(name, n);
      used.add(key);
      keys.set(job, key);
      const p = { job, key, parent: parentKey === undefined ? undefined : group, inherited };
      placed.push(p);
      children.push(p);
    }
    for (const { job, key } of children) if (isScheduler(job)) visit(job, key, job.critical ?? inherited);
  };
  visit(top, undefined, top.critical);
  const contents = new CommandContents(); // each local file read once in the plan
  const jobs = placed.map(({ job, key, parent, inherited }): PlannedJob => {
    const kind = kindOf(job);
    const budget = parent !== undefined ? parent.maxFailures : top.maxFailures;
    const entry = {
      key,
      label: job.label,
      kind,
      ...(parent === undefined ? {} : { parent: keys.get(parent) as string }),
      ...(job instanceof SshJob ? { node: job.node.label, address: job.node.toString() } : {}),
      requires: [...job.requirements].map((r) => keys.get(r) ?? r.label),
      // as the run's plan reads it: a failure budget makes the members not critical
      critical: budget === undefined ? (job.critical ?? inherited ?? job._criticalByDefault) : false,
      forever: job.forever,
      ...(job.runIf === 'all-done' ? {} : { runIf: job.runIf }),
      ...(parent?.fold === true ? { group: parent.label } : {}),
      ...(job instanceof SshJob ? { commands: job.commands.map(describeCommand) } : {}),
    };
    const own = job instanceof SshJob ? job.commands.map((c) => contents.of(c)) : [];
    return { ...entry, fingerprint: fingerprintOf(entry, own) };
  });
  return { jobs, keys };
}
