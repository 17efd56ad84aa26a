/**
 * The report's text parts: the summary at the top (outcome, duration, counts, what could not be read, the
 * failures first) and one collapsed `<details>` per job (commands, exits, error, captures, outputs). Pure:
 * the outputs are read beforehand.
 * @module
 */
import { escapeHtml, formatBytes, formatDuration, stateBackground, STATE_WORDS } from './html.js';
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

export const exitWords = (e: ReportExit): string =>
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

/** A job's swatch: its state's colour. */
export const swatch = (job: ReportJob): string =>
  `<span class="swatch" style="background:${stateBackground(job.state)}"></span>`;

/** A link to a job's section. */
export const jobLink = (job: ReportJob): string =>
  `<a href="#j${String(job.index)}">${escapeHtml(job.plan.key)}</a>`;

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
  /** A restored job: the run it was restored from (its report, or its directory). */
  readonly from?: { readonly href: string; readonly path: string } | undefined;
}

function outputHtml(name: string, output: JobOutputs['out'], cls: string): string {
  if (output === undefined) return '';
  const { href, path, excerpt } = output;
  const link = `<a href="${escapeHtml(href)}">${escapeHtml(path)}</a>`;
  const whole = excerpt.tail === undefined;
  const { lines, bytes } = excerpt.limits;
  const limit = bytes % 1024 === 0 ? `${String(bytes / 1024)} KiB` : formatBytes(bytes);
  const cut =
    `cut by lines and bytes: the first and last ${String(lines)} lines, at most ${limit} ` +
    'at each end (a longer line is left out)';
  const head =
    `<p>${name}: ${formatBytes(excerpt.size)} (${link}), ${whole ? 'all of it' : cut}` +
    `${excerpt.notUtf8 ? '; bytes that are not UTF-8 are shown as �' : ''}</p>`;
  if (whole) return `${head}<pre class="${cls}">${escapeHtml(excerpt.head)}</pre>`;
  const left = [
    excerpt.omittedLines === undefined ? undefined : `${String(excerpt.omittedLines)} lines`,
    excerpt.omittedBytes === undefined ? undefined : formatBytes(excerpt.omittedBytes),
  ].filter((w) => w !== undefined);
  return (
    `${head}<pre class="${cls}">${escapeHtml(excerpt.head)}</pre>` +
    `<p class="note cut">… ${left.length > 0 ? `${left.join(', ')} ` : 'the middle '}left out: ${link}</p>` +
    `<pre class="${cls}">${escapeHtml(excerpt.tail ?? '')}</pre>`
  );
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
  if (outputs?.from !== undefined)
    body.push(
      `<p class="restored">restored from <a href="${escapeHtml(outputs.from.href)}">` +
        `${escapeHtml(outputs.from.path)}</a>${(outputs.out ?? outputs.err) ? ': its output there' : ''}</p>`,
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
