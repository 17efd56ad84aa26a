/**
 * A job as a report shows it: its final state, times, exits and error (the model fills it in, `tree.ts` and
 * the renderers read it).
 * @module
 */
import type { PlanJob } from './load-run.js';

/** A job's final state in a report. @category models */
export type ReportState =
  | 'done'
  | 'restored' // done in the run this one resumed, not run again
  | 'failed'
  | 'tolerated'
  | 'skipped'
  | 'cancelled'
  | 'running' // started, never ended: the run was interrupted
  | 'not-run';

/** The end of one command of a job. @category models */
export interface ReportExit {
  readonly command: string;
  readonly host: string;
  readonly code: number | null;
  readonly signal: string | null;
}

/** One job of the plan, with what the journal says of it. @category models */
export interface ReportJob {
  /** Its index in `jobs` (element ids: `j<index>`). */
  readonly index: number;
  readonly plan: PlanJob;
  state: ReportState;
  /** Milliseconds since the epoch. */
  started?: number | undefined;
  ended?: number | undefined;
  attempts?: number | undefined;
  error?: { readonly name: string; readonly code: string; readonly message: string } | undefined;
  /** Its failure counted as critical (the journal's `critical`). */
  failedCritical?: boolean | undefined;
  /** Why it was cancelled, as the journal says (`critical`, `timeout`...). */
  cancelReason?: string | undefined;
  /** Why it was cancelled or skipped, in words. */
  note?: string | undefined;
  readonly exits: ReportExit[];
  readonly captures: { readonly name: string; readonly value: string }[];
  /** On the critical path (the chain of requirements that ended last). */
  critical: boolean;
  /** Its members, for a scheduler (group, matrix): their indices. */
  readonly members: number[];
}
