// The commands of a decoded scenario job that runs on a node (not a matrix entry): what scenario specs compare.
import type { CommandSpec } from '../../lib/scenario/codecs-commands.js';
import type { ScenarioJobSpec } from '../../lib/scenario/codecs-jobs.js';
import { isMatrixJobSpec } from '../../lib/scenario/codecs-jobs.js';

/** The commands of `job`; fails the test when it is missing or a matrix entry. */
export function commandsOf(job: ScenarioJobSpec | undefined): readonly CommandSpec[] {
  if (job === undefined) throw new Error('no such job in the decoded scenario');
  if (isMatrixJobSpec(job)) throw new Error(`job ${job.id} is a matrix entry: it has no commands of its own`);
  return job.commands;
}
