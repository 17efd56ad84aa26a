/**
 * `writeReport(runDir)`: one self-contained HTML file from a run directory (format `rxjobs-run/1`): no script,
 * no external style, font or image, and a Content-Security-Policy that forbids fetching anything; written
 * atomically (a temporary file renamed onto the target).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

import { ConfigError } from '../errors/config-error.js';
import { graphSvg } from './graph-svg.js';
import { escapeHtml, shorten, stateBackground, STATE_COLOURS, STATE_WORDS, STYLE } from './html.js';
import type { ReportModel, ReportState } from './model.js';
import { buildModel } from './model.js';
import type { OutputLimits } from './outputs.js';
import { readOutput } from './outputs.js';
import { loadRun, outputFiles } from './load-run.js';
import type { JobOutputs } from './sections.js';
import { jobHtml } from './sections.js';
import type { SummaryContext } from './summary.js';
import { summaryHtml } from './summary.js';
import type { EarlierRun } from './context.js';
import { earlierRuns, isAlive } from './context.js';
import { timelineSvg } from './timeline-svg.js';

/**
 * Options of {@link writeReport}.
 * @category models
 */
export interface ReportOptions {
  /** The HTML file to write (default `<runDir>/report.html`); its directory must exist. */
  readonly output?: string | undefined;
  /** How much of each output the page holds (default: the first and last 200 lines, 64 KiB at each end). */
  readonly outputLimits?: OutputLimits | undefined;
  /**
   * Bytes of output the page holds in all (default 16 MiB): past them, jobs' outputs are only linked to, so
   * that a run of many verbose jobs still gives a page a browser opens quickly.
   */
  readonly maxInlineBytes?: number | undefined;
}

const DEFAULT_MAX_INLINE = 16 * 1024 * 1024;

/** A path relative to the report's directory, as shown and as a URL path (each segment percent-encoded). */
const linkTo = (reportDir: string, target: string): { href: string; path: string } => {
  const path = relative(reportDir, target);
  return { href: path.split(sep).map(encodeURIComponent).join('/'), path };
};

/**
 * Reads the ends of each job's output files, within the page's budget; a restored job's from the first of
 * `earlier` (the runs this one resumed, nearest first) that has them.
 */
async function readOutputs(
  model: ReportModel,
  reportDir: string,
  options: ReportOptions,
  earlier: readonly EarlierRun[],
): Promise<Map<number, JobOutputs>> {
  let budget = options.maxInlineBytes ?? DEFAULT_MAX_INLINE;
  const outputs = new Map<number, JobOutputs>();
  const here = { dir: model.loaded.dir, naming: model.loaded.run.outputNaming ?? 1 };
  for (const job of model.jobs) {
    if (job.plan.kind !== 'job' || budget <= 0) continue;
    let files = outputFiles(job.plan.key, here.naming);
    let dir = here.dir;
    if (job.state === 'restored') {
      const has = (r: EarlierRun): boolean =>
        Object.values(outputFiles(job.plan.key, r.naming)).some((f) => existsSync(join(r.dir, f)));
      const from = earlier.find(has);
      const run = from ?? earlier[0];
      if (run !== undefined) outputs.set(job.index, { from: runLink(reportDir, run.dir) });
      if (from === undefined) continue;
      dir = from.dir;
      files = outputFiles(job.plan.key, from.naming);
    }
    const read = async (file: string): Promise<JobOutputs['out']> => {
      const path = join(dir, file);
      const excerpt = await readOutput(path, options.outputLimits);
      if (excerpt === undefined) return undefined;
      budget -= excerpt.head.length + (excerpt.tail?.length ?? 0);
      return { ...linkTo(reportDir, path), excerpt };
    };
    const out = await read(files.out);
    const err = await read(files.err);
    if (out !== undefined || err !== undefined)
      outputs.set(job.index, { ...outputs.get(job.index), out, err });
  }
  return outputs;
}

const legend = (): string =>
  `<p class="legend">${(Object.keys(STATE_COLOURS) as ReportState[])
    .map(
      (s) =>
        `<span><span class="swatch" style="background:${stateBackground(s)}"></span>${STATE_WORDS[s]}</span>`,
    )
    .join('')}<span>thick outline: the critical path (the chain of requirements that ended last)</span></p>`;

/** The report's page for a run (pure but for the outputs read and the context found beforehand). */
export function reportHtml(
  model: ReportModel,
  outputs: ReadonlyMap<number, JobOutputs>,
  context: SummaryContext = {},
): string {
  const { run } = model.loaded;
  // the scenario's file name; rxssh: its command (cut); the library: the run directory's name
  const name =
    run.scenario?.path !== undefined
      ? basename(run.scenario.path)
      : run.command !== undefined
        ? `${run.program ?? 'rxssh'} ${shorten(run.command, 60)}`
        : basename(model.loaded.dir);
  // the scheduler's label (a scenario's `scheduler: { label }`), unless it says no more than the name
  const label =
    run.program === 'rxssh' || model.label === undefined || model.label === name ? '' : model.label;
  const title = `rxjobs report: ${label === '' ? name : `${label} (${name})`}`;
  // independent jobs (rxssh's hosts): no graph of 200 boxes without an edge, no critical path
  const graph = model.requirements ? graphSvg(model) : '';
  const timeline = timelineSvg(model);
  const jobs = model.jobs.map((job) => jobHtml(model, job, outputs.get(job.index))).join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    summaryHtml(model, title, context),
    graph === '' ? '' : `<h2>Dependency graph</h2>${legend()}<div class="scroll">${graph}</div>`,
    timeline === '' ? '' : `<h2>Timeline</h2><div class="scroll">${timeline}</div>`,
    `<h2>${model.noun === 'host' ? 'Hosts' : 'Jobs'} (${String(model.jobs.length)})</h2><div id="jobs">`,
    jobs,
    '</div></body></html>',
    '',
  ].join('\n');
}

/** Why a report cannot be written, in words, by the error's code. */
const WRITE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'its directory does not exist',
  ENOTDIR: 'its directory does not exist',
  EROFS: 'its directory is on a read-only file system',
  EACCES: 'no permission to write in its directory',
  EPERM: 'no permission to write in its directory',
  ENOSPC: 'no space left on the device',
  EISDIR: 'it is a directory',
};

/** A link to a run directory (relative to the report's directory): to its report.html when it has one. */
const runLink = (reportDir: string, dir: string): { href: string; path: string } => {
  const report = join(dir, 'report.html');
  return {
    href: linkTo(reportDir, existsSync(report) ? report : dir).href,
    path: linkTo(reportDir, dir).path,
  };
};

/** Whether `path` exists. */
const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * Writes the HTML report of the run directory `runDir` (see the README's "Reports"): the summary (outcome,
 * duration, counts, the failures first), the dependency graph coloured by state (schedulers folded, with
 * counts), a timeline with one bar per job and per host, the critical path marked, and each job's commands,
 * exits, error and output (long outputs cut, with a link to their file). A partial or interrupted journal
 * gives a report that says so. Resolves to the path written.
 * @throws {ConfigError} (as a rejection) when `runDir` is not a run directory, or the report cannot be
 * written (its directory does not exist, no permission).
 * @example
 * const file = await writeReport('runs/deploy-1a2b3c4d/20261207T151200Z-9f3e');
 * console.log(`report in ${file}`);
 * @category running
 */
export async function writeReport(runDir: string, options: ReportOptions = {}): Promise<string> {
  const dir = resolve(runDir);
  if (!(await exists(dir)))
    throw new ConfigError(
      runDir,
      'run directory',
      'does not exist: give a directory where rxjobs recorded a run',
    );
  const files = ['run.json', 'plan.json', 'events.jsonl'];
  if (!(await Promise.all(files.map((f) => exists(join(dir, f))))).includes(true))
    throw new ConfigError(
      runDir,
      'is not a run directory:',
      `it holds none of ${files.join(', ')} (give a directory where rxjobs recorded a run)`,
    );
  const output = resolve(options.output ?? join(dir, 'report.html'));
  const model = buildModel(await loadRun(dir));
  const earlier = await earlierRuns(model);
  const context: SummaryContext = {
    alive: model.unfinished ? isAlive(model.loaded.run.pid) : undefined,
    resumed: earlier[0] === undefined ? undefined : runLink(dirname(output), earlier[0].dir),
  };
  const html = reportHtml(model, await readOutputs(model, dirname(output), options, earlier), context);
  const temporary = join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, html, { flag: 'wx' });
    await rename(temporary, output);
  } catch (e: unknown) {
    await rm(temporary, { force: true }).catch(() => undefined);
    const code = (e as { code?: unknown }).code;
    const why =
      typeof code === 'string' && code in WRITE_ERRORS
        ? (WRITE_ERRORS[code] as string)
        : e instanceof Error
          ? e.message
          : String(e);
    throw new ConfigError(output, 'cannot be written:', why, { cause: e });
  }
  return output;
}
