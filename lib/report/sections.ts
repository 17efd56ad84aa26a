/**
 * The report's text parts: the summary at the top (outcome, duration, counts, what could not be read, the
 * failures first) and one collapsed `<details>` per job (commands, exits, error, captures, outputs). Pure:
 * the outputs are read beforehand.
 * @module
 */
import { escapeHtml, formatDuration, STATE_COLOURS, STATE_WORDS } from './html.js';
import type { ReportExit, ReportJob, ReportModel } from './model.js';
import type { OutputExcerpt } from './outputs.js';

const STATUS_WORDS: Readonly<Record<string, string>> = {
  'ssh-connect': 'cannot connect',
  'ssh-auth': 'auth failed',
  'ssh-timeout': 'ssh timeout',
  'host-key': 'host key problem',
  'job-timeout': 'timeout',
  transfer: 'transfer failed',
  ssh: 'ssh error',
  config: 'bad input',
  'job-failed': 'failed',
};

const exitWords = (e: ReportExit): string =>
  e.signal !== null ? `killed by ${e.signal}` : e.code === null ? 'no exit status' : `exit ${String(e.code)}`;

/** The exit that failed the job: its last one that is not 0. */
export const failedExit = (job: ReportJob): ReportExit | undefined =>
  [...job.exits].reverse().find((e) => e.code !== 0);

/** Why a job did not succeed, in words: `exit 3: …`, `timeout: …`, `cancelled: …`. */
export function errorWords(job: ReportJob): string {
  const { error } = job;
  if (error === undefined)
    return job.note ?? (job.state === 'running' ? 'still running when the run stopped' : '');
  const exit = failedExit(job);
  const status =
    error.code === 'command-failed' && exit !== undefined
      ? exitWords(exit)
      : (STATUS_WORDS[error.code] ?? 'failed');
  return error.message === '' || error.message === status ? status : `${status}: ${error.message}`;
}

const swatch = (job: ReportJob): string =>
  `<span class="swatch" style="background:${STATE_COLOURS[job.state]}"></span>`;

const jobLink = (job: ReportJob): string =>
  `<a href="#j${String(job.index)}">${escapeHtml(job.plan.key)}</a>`;

const hostOf = (job: ReportJob): string => job.plan.node ?? job.exits[0]?.host ?? '';

/** The summary at the top of the page. */
export function summaryHtml(model: ReportModel, title: string): string {
  const { run, problems } = model.loaded;
  const { counts } = model;
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
  const notes = [...problems];
  if (model.unfinished)
    notes.unshift(
      'The run was interrupted: it recorded no end (a crash, a kill, or it is still running). ' +
        'What follows is what the journal holds up to there.',
    );
  else if (model.interrupted)
    notes.unshift(`The run was interrupted${model.why === undefined ? '' : `: ${model.why}`}.`);
  const failures = model.jobs.filter(
    (j) => j.plan.kind === 'job' && (j.state === 'failed' || j.state === 'tolerated'),
  );
  failures.sort((a, b) => (a.ended ?? Infinity) - (b.ended ?? Infinity) || a.index - b.index);
  const running = model.jobs.filter((j) => j.plan.kind === 'job' && j.state === 'running');
  const countItems = (
    [
      ['jobs', counts.total],
      ['done', counts.done],
      ['failed', counts.failed],
      ['tolerated', counts.tolerated],
      ['skipped', counts.skipped],
      ['cancelled', counts.cancelled],
      ['not run', counts.notRun],
    ] as const
  )
    .filter(([name, v]) => v > 0 || name === 'jobs' || name === 'failed')
    .map(([name, v]) => `<li><b>${String(v)}</b> ${name}</li>`)
    .join('');
  return [
    `<header id="summary"><h1>${escapeHtml(title)}</h1>`,
    `<p class="meta">${meta.map(escapeHtml).join(' · ')}</p>`,
    `<p><span class="outcome o-${outcomeClass}" id="outcome">${escapeHtml(model.outcome)}</span> `,
    `in ${formatDuration(model.end - model.start)}`,
    run.exitStatus !== undefined ? ` · exit status ${String(run.exitStatus)}` : '',
    model.why !== undefined && model.why !== '' ? ` · ${escapeHtml(model.why)}` : '',
    `</p><ul class="counts">${countItems}</ul>`,
    notes.length > 0
      ? `<div class="problems" id="problems">${notes.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}</div>`
      : '',
    failures.length > 0 ? failuresTable(failures) : '',
    running.length > 0
      ? `<p id="unfinished">Still running when the run stopped: ${running.map(jobLink).join(', ')}</p>`
      : '',
    '</header>',
  ].join('');
}

function failuresTable(failures: readonly ReportJob[]): string {
  const rows = failures.map((j) => {
    const exit = failedExit(j);
    return (
      `<tr><td>${swatch(j)}${jobLink(j)}</td><td>${escapeHtml(hostOf(j))}</td>` +
      `<td class="err">${escapeHtml(errorWords(j))}${j.state === 'tolerated' ? ' (tolerated)' : ''}</td>` +
      `<td>${exit === undefined ? '' : escapeHtml(exitWords(exit))}</td></tr>`
    );
  });
  return (
    `<h2>Failures (${String(failures.length)})</h2><table class="failures" id="failures">` +
    `<tr><th>job</th><th>host</th><th>error</th><th>exit</th></tr>${rows.join('')}</table>`
  );
}

/** An output file: its link (a URL path), its path as shown, and its excerpt. */
export interface LinkedOutput {
  readonly href: string;
  readonly path: string;
  readonly excerpt: OutputExcerpt;
}

/** What the report links to and shows of a job's outputs. */
export interface JobOutputs {
  readonly out?: LinkedOutput | undefined;
  readonly err?: LinkedOutput | undefined;
}

function outputHtml(name: string, output: JobOutputs['out'], cls: string): string {
  if (output === undefined) return '';
  const { href, path, excerpt } = output;
  const link = `<a href="${escapeHtml(href)}">${escapeHtml(path)}</a>`;
  const whole = excerpt.tail === undefined;
  const left =
    excerpt.omittedLines !== undefined
      ? `${String(excerpt.omittedLines)} lines left out`
      : 'the middle left out';
  const head =
    `<p>${name}: ${String(excerpt.size)} bytes, ${whole ? 'all of it' : `the first and last lines, ${left}`} ` +
    `(${link})${excerpt.notUtf8 ? '; bytes that are not UTF-8 are shown as �' : ''}</p>`;
  return whole
    ? `${head}<pre class="${cls}">${escapeHtml(excerpt.head)}</pre>`
    : `${head}<pre class="${cls}">${escapeHtml(excerpt.head)}</pre><p class="note">…</p>` +
        `<pre class="${cls}">${escapeHtml(excerpt.tail ?? '')}</pre>`;
}

/** One job's collapsed section. */
export function jobHtml(model: ReportModel, job: ReportJob, outputs: JobOutputs | undefined): string {
  const { plan } = job;
  const took =
    job.started !== undefined && job.ended !== undefined
      ? ` · ${formatDuration(job.ended - job.started)}`
      : '';
  const at = job.started !== undefined ? ` · at +${formatDuration(job.started - model.start)}` : '';
  const body: string[] = [];
  const facts = [
    plan.node !== undefined ? `node ${plan.node}` : undefined,
    plan.kind !== 'job' ? `${plan.kind} of ${String(job.members.length)}` : undefined,
    plan.requires.length > 0 ? `requires ${plan.requires.join(', ')}` : undefined,
    plan.critical ? undefined : 'not critical',
    job.attempts !== undefined ? `${String(job.attempts)} attempts` : undefined,
    job.critical ? 'on the critical path' : undefined,
  ].filter((f): f is string => f !== undefined);
  if (facts.length > 0) body.push(`<p>${facts.map(escapeHtml).join(' · ')}</p>`);
  const words = errorWords(job);
  if (words !== '') body.push(`<p class="err"><b>${escapeHtml(words)}</b></p>`);
  if (plan.commands !== undefined && plan.commands.length > 0)
    body.push(`<pre>${plan.commands.map(escapeHtml).join('\n')}</pre>`);
  if (job.exits.length > 0)
    body.push(
      `<table><tr><th>command</th><th>exit</th></tr>${job.exits
        .map((e) => `<tr><td>${escapeHtml(e.command)}</td><td>${escapeHtml(exitWords(e))}</td></tr>`)
        .join('')}</table>`,
    );
  if (job.captures.length > 0)
    body.push(
      `<p>captured: ${job.captures.map((c) => `${escapeHtml(c.name)} = ${escapeHtml(c.value)}`).join(', ')}</p>`,
    );
  if (outputs !== undefined)
    body.push(outputHtml('stdout', outputs.out, 'out'), outputHtml('stderr', outputs.err, 'err'));
  const crit = job.critical ? ' <span class="crit-mark">critical path</span>' : '';
  return (
    `<details class="job" id="j${String(job.index)}"><summary>${swatch(job)}${escapeHtml(plan.key)} · ` +
    `<span class="st">${STATE_WORDS[job.state]}</span>${took}${at}${crit}</summary>` +
    `<div class="job-body">${body.join('')}</div></details>`
  );
}
