/**
 * The summary at the top of a report: the title, the outcome and a sentence that says why, the duration, the
 * counts, what resumed run this one comes from, what could not be read or why the run has no end, then the
 * failures and the tolerated failures. Pure: what needs I/O (is the process alive?) is given.
 * @module
 */
import { escapeHtml, formatDuration } from './html.js';
import type { ReportJob, ReportModel } from './model.js';
import { errorWords, exitWords, failedExit, jobLink, swatch } from './sections.js';

/** What the summary says that the run directory alone does not. */
export interface SummaryContext {
  /** For a run that recorded no end: whether its process (run.json's `pid`) is alive on this machine. */
  readonly alive?: boolean | undefined;
  /** The run this one resumed: a link to its report (or its directory), relative to the report. */
  readonly resumed?: { readonly href: string; readonly path: string } | undefined;
}

/** `1 job`, `3 hosts`. */
const plural = (n: number, noun: string): string => `${String(n)} ${noun}${n === 1 ? '' : 's'}`;

const leaves = (model: ReportModel): ReportJob[] => model.jobs.filter((j) => j.plan.kind === 'job');

/**
 * Why the run ended as it did, in a sentence made from what its jobs did (not the scheduler's own words):
 * `b failed (critical); the run stopped: 2 cancelled`, `2 jobs failed (not critical)`, `no job failed; 1
 * failure tolerated`, `every host succeeded`.
 */
export function headline(model: ReportModel): string {
  const { counts, noun } = model;
  const parts: string[] = [];
  if (model.unfinished) parts.push('no end recorded');
  else if (model.interrupted) parts.push('interrupted');
  if (leaves(model).some((j) => j.cancelReason === 'timeout')) parts.push('timed out');
  const critical = leaves(model)
    .filter((j) => j.state === 'failed' && j.failedCritical === true)
    .sort((a, b) => (a.ended ?? Infinity) - (b.ended ?? Infinity))[0];
  const { failed, tolerated, cancelled } = counts;
  if (critical !== undefined) {
    parts.push(
      `${critical.plan.key} failed (critical)${failed > 1 ? `, ${String(failed - 1)} more failed` : ''}`,
    );
    if (cancelled > 0) parts.push(`the run stopped: ${String(cancelled)} cancelled`);
  } else if (failed > 0)
    // hosts (rxssh) are never critical: no need to say it
    parts.push(`${plural(failed, noun)} failed${noun === 'job' ? ' (not critical)' : ''}`);
  else if (!model.interrupted && counts.total > 0)
    parts.push(
      tolerated + counts.skipped + cancelled + counts.notRun === 0
        ? `every ${noun} succeeded`
        : `no ${noun} failed`,
    );
  if (tolerated > 0) parts.push(`${plural(tolerated, 'failure')} tolerated`);
  return parts.join('; ');
}

/** What the banner says of a run that recorded no end. */
function unfinishedNote(model: ReportModel, alive: boolean | undefined): string {
  const pid = model.loaded.run.pid;
  const process = pid === undefined ? 'its process' : `its process (pid ${String(pid)})`;
  const first =
    alive === true
      ? `The run recorded no end, and ${process} is still alive on this machine: it may still be running.`
      : alive === false
        ? `The run was interrupted: it recorded no end, and ${process} is gone (a crash or a kill).`
        : 'The run was interrupted: it recorded no end (a crash, a kill, or it is still running).';
  return `${first} What follows is what the journal holds up to there.`;
}

/** The summary at the top of the page. */
export function summaryHtml(model: ReportModel, title: string, context: SummaryContext = {}): string {
  const { run, problems } = model.loaded;
  const { counts, noun } = model;
  const outcomeClass = ['success', 'failure', 'interrupted'].includes(model.outcome)
    ? model.outcome
    : 'unknown';
  const meta = [
    run.scenario?.path !== undefined ? `scenario ${run.scenario.path}` : run.command,
    run.started !== undefined ? `started ${run.started}` : undefined,
    run.ended !== undefined ? `ended ${run.ended}` : undefined,
    run.program !== undefined ? `${run.program} ${run.version ?? ''}`.trim() : undefined,
    `run directory ${model.loaded.dir}`,
  ].filter((m): m is string => m !== undefined);
  const notes = [...(run.incomplete ?? []), ...problems];
  if (model.unfinished) notes.unshift(unfinishedNote(model, context.alive));
  else if (model.interrupted)
    notes.unshift(`The run was interrupted${model.why === undefined ? '' : `: ${model.why}`}.`);
  const failed = leaves(model).filter((j) => j.state === 'failed');
  const tolerated = leaves(model).filter((j) => j.state === 'tolerated');
  const running = leaves(model).filter((j) => j.state === 'running');
  const countItems = (
    [
      [`${noun}s`, counts.total],
      ['done', counts.done],
      ['restored', counts.restored],
      ['failed', counts.failed],
      ['tolerated', counts.tolerated],
      ['skipped', counts.skipped],
      ['cancelled', counts.cancelled],
      ['running when the run stopped', counts.running],
      ['not run', counts.notRun],
    ] as const
  )
    .filter(([name, v]) => v > 0 || name === `${noun}s` || name === 'failed')
    .map(([name, v]) => `<li><b>${String(v)}</b> ${name}</li>`)
    .join('');
  const took = formatDuration(model.end - model.start);
  const sentence = headline(model);
  return [
    `<header id="summary"><h1>${escapeHtml(title)}</h1>`,
    `<p class="meta">${meta.map(escapeHtml).join(' · ')}</p>`,
    `<p><span class="outcome o-${outcomeClass}" id="outcome">${escapeHtml(model.outcome)}</span> `,
    model.unfinished ? `at least ${took} (the journal stops there)` : `in ${took}`,
    run.exitStatus !== undefined ? ` · exit status ${String(run.exitStatus)}` : '',
    sentence === '' ? '' : ` · <span id="headline">${escapeHtml(sentence)}</span>`,
    `</p><ul class="counts">${countItems}</ul>`,
    resumedHtml(model, context),
    notes.length > 0
      ? `<div class="problems" id="problems">${notes.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}</div>`
      : '',
    failed.length > 0 ? failuresTable(model, 'Failures', 'failures', failed) : '',
    tolerated.length > 0 ? failuresTable(model, 'Tolerated', 'tolerated', tolerated) : '',
    running.length > 0
      ? `<p id="unfinished">Still running when the run stopped: ${running.map(jobLink).join(', ')}</p>`
      : '',
    '</header>',
  ].join('');
}

/** `resumed from DIR: 5 restored, 10 run` (a resumed run). */
function resumedHtml(model: ReportModel, { resumed }: SummaryContext): string {
  const from = model.loaded.run.resumedFrom;
  if (from === undefined && model.counts.restored === 0) return '';
  const ran = leaves(model).filter((j) => j.started !== undefined).length;
  const where =
    resumed !== undefined
      ? ` from <a href="${escapeHtml(resumed.href)}">${escapeHtml(resumed.path)}</a>`
      : from !== undefined
        ? ` from ${escapeHtml(from)}`
        : '';
  return (
    `<p id="resumed">Resumed${where}: ${plural(model.counts.restored, model.noun)} restored ` +
    `(done there, not run again), ${String(ran)} run</p>`
  );
}

function failuresTable(model: ReportModel, heading: string, id: string, jobs: ReportJob[]): string {
  const sorted = [...jobs].sort((a, b) => (a.ended ?? Infinity) - (b.ended ?? Infinity) || a.index - b.index);
  const hosts = model.noun === 'job';
  const rows = sorted.map((j) => {
    const exit = failedExit(j);
    return (
      `<tr><td>${swatch(j)}${jobLink(j)}</td>` +
      (hosts ? `<td>${escapeHtml(j.plan.node ?? j.exits[0]?.host ?? '')}</td>` : '') +
      `<td class="err">${escapeHtml(errorWords(j))}</td>` +
      `<td>${exit === undefined ? '' : escapeHtml(exitWords(exit))}</td></tr>`
    );
  });
  return (
    `<h2>${heading} (${String(jobs.length)})</h2><table class="failures" id="${id}">` +
    `<tr><th>${model.noun}</th>${hosts ? '<th>host</th>' : ''}<th>error</th><th>exit</th></tr>${rows.join('')}</table>`
  );
}
