import { inspect } from 'node:util';

import { isScheduler } from '../../core/scheduler.js';
import type { Job } from '../../core/job.js';
import type { SchedulerCore as Scheduler } from '../../core/scheduler.js';
import { foldedCounts, isFolded, isToleratedFailure } from './fold.js';

/** What a {@link listing} shows. @internal */
export interface ListingOptions {
  /** Also show each job's `details()`. */
  readonly details?: boolean | undefined;
  /** ASCII symbols instead of Unicode ones (default false). */
  readonly ascii?: boolean | undefined;
  /** Show the members of folded schedulers (`fold: true`) one per line, as any scheduler's (default false). */
  readonly unfold?: boolean | undefined;
}

/** The symbols of a listing line, Unicode and ASCII. */
const SYMBOLS = {
  unicode: {
    critical: '⚠',
    raised: '★',
    fine: '☉',
    complete: '☓',
    running: '↺',
    scheduled: '⚑',
    idle: '⚐',
    cancelled: '⊘',
    skipped: '↷',
    forever: '∞',
  },
  ascii: {
    critical: '!',
    raised: '*',
    fine: '+',
    complete: 'x',
    running: '~',
    scheduled: '.',
    idle: '-',
    cancelled: '/',
    skipped: '^',
    forever: '8',
  },
} as const;
type Symbols = (typeof SYMBOLS)[keyof typeof SYMBOLS];

/**
 * The legend of the listing symbols, one `symbol meaning` pair per line.
 * @category models
 */
export function listingLegend(ascii = false): string {
  const s = ascii ? SYMBOLS.ascii : SYMBOLS.unicode;
  return [
    `${s.critical} critical`,
    `${s.raised} raised an error`,
    `${s.fine} ran without error`,
    `${s.complete} complete`,
    `${s.running} running`,
    `${s.scheduled} waiting for a window slot`,
    `${s.idle} idle`,
    `${s.cancelled} cancelled`,
    `${s.skipped} skipped (runIf)`,
    `${s.forever} forever`,
  ].join('\n');
}

/** Members in topological order, or in member order when there is a cycle (a listing must not throw). */
const ordered = (scheduler: Scheduler): Job[] => {
  try {
    return scheduler.topologicalOrder();
  } catch {
    return [...scheduler.jobs];
  }
};

/** Ids in listing order: depth-first, a nested scheduler before its members (a folded one's have none). */
function assignIds(scheduler: Scheduler, ids: Map<Job, number>, unfold: boolean): void {
  for (const job of ordered(scheduler)) {
    ids.set(job, ids.size + 1);
    if (isScheduler(job) && !isFolded(job, unfold)) assignIds(job, ids, unfold);
  }
}

const describe = (value: unknown): string => {
  const text =
    typeof value === 'string' ? JSON.stringify(value) : inspect(value, { depth: 1, breakLength: Infinity });
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** An error on one line, cut at 100 characters (debrief() shows it whole). */
const errorText = (e: unknown): string => {
  const text = (e instanceof Error ? `${e.name}: ${e.message}` : describe(e)).replace(/\s*\n\s*/g, ' ');
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
};

function badge(job: Job, critical: boolean, s: Symbols): string {
  const status = job.status;
  const boom =
    status === 'failed'
      ? s.raised
      : status === 'idle' || status === 'scheduled' || status === 'skipped'
        ? ' '
        : s.fine;
  const state =
    status === 'done' || status === 'failed'
      ? s.complete
      : status === 'running'
        ? s.running
        : status === 'scheduled'
          ? s.scheduled
          : status === 'cancelled'
            ? s.cancelled
            : status === 'skipped'
              ? s.skipped
              : s.idle;
  return `${critical ? s.critical : ' '} ${boom} ${state} ${job.forever ? s.forever : ' '}`;
}

/** Whether `job` was done with a previous run's value, not run (`RunOptions.restore`). */
const isRestored = (job: Job): boolean => {
  const outcome = job.outcome();
  return outcome?.status === 'done' && outcome.restored === true;
};

function resultText(job: Job, critical: boolean, id: (j: Job) => string): string {
  switch (job.status) {
    case 'done': {
      // a job a resumed run did not run says so, with the value it had (when the record kept one)
      const value = job.result();
      if (!isRestored(job)) return `[[ -> ${describe(value)}]]`;
      return value === undefined ? '[[restored]]' : `[[restored -> ${describe(value)}]]`;
    }
    case 'failed':
      // a failure its scheduler's budget forgave was not critical, whatever the member says
      if (isToleratedFailure(job))
        return `!! exception (tolerated) => ${errorText(job.raisedException())} !!`;
      return `!! ${critical ? 'CRIT. EXC.' : 'exception'} => ${errorText(job.raisedException())} !!`;
    case 'cancelled':
      return '[cancelled]';
    case 'skipped': {
      const because = job.outcome();
      const jobs = because?.status === 'skipped' ? because.because : [];
      // no job to blame: a one-failed handler whose requirements all succeeded
      if (jobs.length === 0) return '[skipped: no requirement failed]';
      return `[skipped: {${jobs.map(id).join(',')}} did not succeed]`;
    }
    default:
      return '[not done]';
  }
}

/**
 * What a folded scheduler's line says after its label: its members counted by status
 * (`35 done, 2 failed (fit[07,21], tolerated)`), then its own result when it did not succeed.
 */
function foldedResult(
  scheduler: Scheduler,
  critical: boolean,
  id: (j: Job) => string,
  ascii: boolean,
): string {
  const restored = [...scheduler.jobs].filter(isRestored).length;
  // `5 done (3 restored)`: done counts first
  const counts = foldedCounts(scheduler).replace(/^\d+ done/, (d) =>
    restored === 0 ? d : `${d} (${String(restored)} restored)`,
  );
  const status = scheduler.status;
  const own =
    status === 'failed' || status === 'cancelled' || status === 'skipped'
      ? ` ${resultText(scheduler, critical, id)}`
      : '';
  // a MatrixJob's keys pair hosts with ×
  return `${ascii ? counts.replace(/×/g, 'x') : counts}${own}`;
}

interface Walk {
  readonly ids: Map<Job, number>;
  readonly width: number;
  readonly symbols: Symbols;
  readonly details: boolean;
  readonly unfold: boolean;
  readonly ascii: boolean;
  readonly lines: string[];
}

/** `inherited`: the `critical` of the nearest enclosing scheduler that sets it. */
function walk(scheduler: Scheduler, inherited: boolean | undefined, depth: number, w: Walk): void {
  const id = (j: Job): string => {
    const n = w.ids.get(j);
    return n === undefined ? `?${j.label}` : String(n).padStart(w.width, '0');
  };
  // ids in numeric order (members before outsiders, shown as ?label)
  const ids = (jobs: Iterable<Job>): string =>
    [...jobs]
      .sort((a, b) => (w.ids.get(a) ?? Infinity) - (w.ids.get(b) ?? Infinity))
      .map(id)
      .join(',');
  const indent = depth === 0 ? '' : `${'>'.repeat(depth)} `;
  const enclosing = scheduler.critical ?? inherited;
  for (const job of ordered(scheduler)) {
    const critical = job.critical ?? enclosing ?? job._criticalByDefault;
    const requires = job.requirements.size === 0 ? '' : ` requires:{${ids(job.requirements)}}`;
    const main = `<${job.constructor.name} \`${job.label}\`>`;
    const folded = isFolded(job, w.unfold);
    let line = `${id(job)} ${badge(job, critical, w.symbols)} ${indent}${main} ${
      folded && isScheduler(job) ? foldedResult(job, critical, id, w.ascii) : resultText(job, critical, id)
    }${requires}`;
    if (isScheduler(job) && !folded) line += ` -> entries:{${ids(job.entryJobs())}}`;
    w.lines.push(line);
    const details = w.details ? job.details() : undefined;
    if (details !== undefined)
      for (const l of details.split('\n')) w.lines.push(`${' '.repeat(w.width + 9 + indent.length)}${l}`);
    if (isScheduler(job) && !folded) {
      walk(job, enclosing, depth + 1, w);
      w.lines.push(`${id(job)} --end-- ${'<'.repeat(depth + 1)} ${main} exits:{${ids(job.exitJobs())}}`);
    }
  }
}

/**
 * The listing of a scheduler: one line per job, in topological order, nested schedulers indented (what
 * `scheduler.list()` shows); Unicode symbols unless `ascii`. A folded scheduler (`fold: true`, unless
 * `unfold`) is one line that counts its members by status, its members get no ids.
 * @internal
 */
export function listing(scheduler: Scheduler, options: ListingOptions = {}): string {
  const ascii = options.ascii ?? false;
  const details = options.details ?? false;
  const unfold = options.unfold ?? false;
  const ids = new Map<Job, number>();
  assignIds(scheduler, ids, unfold);
  const w: Walk = {
    ids,
    width: String(ids.size).length,
    symbols: ascii ? SYMBOLS.ascii : SYMBOLS.unicode,
    details,
    unfold,
    ascii,
    lines: [],
  };
  walk(scheduler, undefined, 0, w);
  return w.lines.join('\n');
}

/** Indents every line of `text`. */
const indentBlock = (text: string, pad: string): string =>
  text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');

/** The stack of an error and of its causes, indented. */
function failureReport(raised: unknown): string {
  const parts: string[] = [];
  let current: unknown = raised;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const text = current instanceof Error ? (current.stack ?? errorText(current)) : describe(current);
    parts.push(indentBlock(depth === 0 ? text : `caused by: ${text}`, '    '));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\n');
}

/**
 * `why()`, the listing, counts by state, then the cause and stack of every failed job (critical ones first):
 * what `scheduler.debrief()` shows.
 * @internal
 */
export function debrief(scheduler: Scheduler, options: ListingOptions = {}): string {
  const lines = [`----- ${scheduler.why()}`, listing(scheduler, options)];
  // every job at every depth, nested schedulers included (their failures are listed below too)
  const all = [...scheduler.iterateJobs({ scanSchedulers: true })].slice(1);
  const count = (status: Job['status']): number => all.filter((j) => j.status === status).length;
  lines.push(
    `----- ${String(all.length)} job(s): ${String(count('done'))} done, ${String(count('failed'))} failed, ` +
      `${String(count('cancelled'))} cancelled, ${String(count('skipped'))} skipped, ` +
      `${String(count('idle') + count('scheduled'))} not run, ${String(count('running'))} running`,
  );
  const failures = collectFailures(scheduler, undefined).map((f) =>
    isToleratedFailure(f.job) ? { ...f, critical: false } : f,
  );
  if (failures.length > 0) {
    const critical = failures.filter((f) => f.critical).length;
    lines.push(`===== ${String(failures.length)} job(s) failed, including ${String(critical)} critical`);
    for (const { job, critical: isCritical } of [...failures].sort(
      (a, b) => Number(b.critical) - Number(a.critical),
    )) {
      const tolerated = isToleratedFailure(job) ? ' (tolerated)' : '';
      lines.push(`${isCritical ? 'CRITICAL' : 'non-critical'} job \`${job.label}\`${tolerated}:`);
      lines.push(failureReport(job.raisedException()));
    }
  }
  return lines.join('\n');
}

function collectFailures(
  scheduler: Scheduler,
  inherited: boolean | undefined,
): { job: Job; critical: boolean }[] {
  const out: { job: Job; critical: boolean }[] = [];
  const enclosing = scheduler.critical ?? inherited;
  for (const job of ordered(scheduler)) {
    const critical = job.critical ?? enclosing ?? job._criticalByDefault;
    if (job.status === 'failed') out.push({ job, critical });
    // not push(...): a nested scheduler's 200,000 failures would overflow the stack
    if (isScheduler(job)) for (const failure of collectFailures(job, enclosing)) out.push(failure);
  }
  return out;
}
