/**
 * `scheduler.list()` and `scheduler.debrief()`: the texts of text/list.ts, in ASCII on a non-UTF-8 locale when
 * printed, and printed to stdout on demand.
 * @module
 */
import type { SchedulerCore as Scheduler } from '../core/scheduler.js';
import { debrief, listing } from './text/list.js';
import type { ListingOptions } from './text/list.js';

/** @category models */
export interface ListOptions {
  /** Also print each job's `details()`. */
  readonly details?: boolean | undefined;
  /** ASCII symbols instead of Unicode ones (default: Unicode, or ASCII when printing to a non-UTF-8 locale). */
  readonly ascii?: boolean | undefined;
  /**
   * Show the members of folded schedulers (a GroupJob, a MatrixJob, any scheduler with `fold: true`) one per
   * line, as any nested scheduler's; by default a folded scheduler is one line that counts its members by
   * status and names the failed ones by host (`35 done, 2 failed (fit[07,21], tolerated)`).
   */
  readonly unfold?: boolean | undefined;
  /** Also write the text to stdout. */
  readonly print?: boolean | undefined;
}

/** True when the locale can show the Unicode symbols (no locale variable set counts as yes). */
export const localeIsUtf8 = (env: NodeJS.ProcessEnv = process.env): boolean => {
  // an empty variable counts as unset (POSIX)
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'];
  return locale === undefined || locale === '' || /utf-?8/i.test(locale);
};

const useAscii = (options: ListOptions): boolean =>
  options.ascii ?? (options.print === true && !localeIsUtf8());

const emit = (text: string, options: ListOptions): string => {
  if (options.print === true) process.stdout.write(`${text}\n`);
  return text;
};

const textOptions = (options: ListOptions): ListingOptions => ({
  ascii: useAscii(options),
  details: options.details ?? false,
  unfold: options.unfold ?? false,
});

/**
 * The listing of a scheduler: one line per job, in topological order, nested schedulers indented.
 * @internal
 */
export function listScheduler(scheduler: Scheduler, options: ListOptions): string {
  return emit(listing(scheduler, textOptions(options)), options);
}

/**
 * `why()`, the listing, counts by state, then the cause and stack of every failed job (critical ones first).
 * @internal
 */
export function debriefScheduler(scheduler: Scheduler, options: ListOptions): string {
  return emit(debrief(scheduler, textOptions(options)), options);
}
