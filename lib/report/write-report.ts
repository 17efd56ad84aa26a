/**
 * `writeReport(runDir)`: one self-contained HTML file from a run directory (format `rxjobs-run/1`): no script,
 * no external style, font or image, and a Content-Security-Policy that forbids fetching anything; written
 * atomically (a temporary file renamed onto the target).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

import { ConfigError } from '../errors/config-error.js';
import { graphSvg } from './graph-svg.js';
import { escapeHtml, shorten, STATE_COLOURS, STATE_WORDS, STYLE } from './html.js';
import type { ReportModel, ReportState } from './model.js';
import { buildModel } from './model.js';
import type { OutputLimits } from './outputs.js';
import { readOutput } from './outputs.js';
import { loadRun, outputFiles } from './load-run.js';
import type { JobOutputs } from './sections.js';
import { jobHtml, summaryHtml } from './sections.js';
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

/** Reads the ends of each job's output files, within the page's budget. */
async function readOutputs(
  model: ReportModel,
  reportDir: string,
  options: ReportOptions,
): Promise<Map<number, JobOutputs>> {
  let budget = options.maxInlineBytes ?? DEFAULT_MAX_INLINE;
  const outputs = new Map<number, JobOutputs>();
  for (const job of model.jobs) {
    if (job.plan.kind !== 'job' || budget <= 0) continue;
    const files = outputFiles(job.plan.key);
    const read = async (file: string): Promise<JobOutputs['out']> => {
      const path = join(model.loaded.dir, file);
      const excerpt = await readOutput(path, options.outputLimits);
      if (excerpt === undefined) return undefined;
      budget -= excerpt.head.length + (excerpt.tail?.length ?? 0);
      return { ...linkTo(reportDir, path), excerpt };
    };
    const out = await read(files.out);
    const err = await read(files.err);
    if (out !== undefined || err !== undefined) outputs.set(job.index, { out, err });
  }
  return outputs;
}

const legend = (): string =>
  `<p class="legend">${(Object.keys(STATE_COLOURS) as ReportState[])
    .map(
      (s) =>
        `<span><span class="swatch" style="background:${STATE_COLOURS[s]}"></span>${STATE_WORDS[s]}</span>`,
    )
    .join('')}<span>thick outline: the critical path (the chain of requirements that ended last)</span></p>`;

/** The report's page for a run (pure but for the outputs read beforehand). */
export function reportHtml(model: ReportModel, outputs: ReadonlyMap<number, JobOutputs>): string {
  const { run } = model.loaded;
  // the scenario's file name; rxssh: its command (cut); the library: the run directory's name
  const name =
    run.scenario?.path !== undefined
      ? basename(run.scenario.path)
      : run.command !== undefined
        ? `${run.program ?? 'rxssh'} ${shorten(run.command, 60)}`
        : basename(model.loaded.dir);
  const title = `rxjobs report: ${name}`;
  const graph = graphSvg(model);
  const timeline = timelineSvg(model);
  const jobs = model.jobs.map((job) => jobHtml(model, job, outputs.get(job.index))).join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    summaryHtml(model, title),
    graph === '' ? '' : `<h2>Dependency graph</h2>${legend()}<div class="scroll">${graph}</div>`,
    timeline === '' ? '' : `<h2>Timeline</h2><div class="scroll">${timeline}</div>`,
    `<h2>Jobs (${String(model.jobs.length)})</h2><div id="jobs">`,
    jobs,
    '</div></body></html>',
    '',
  ].join('\n');
}

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
  const html = reportHtml(model, await readOutputs(model, dirname(output), options));
  const temporary = join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, html, { flag: 'wx' });
    await rename(temporary, output);
  } catch (e: unknown) {
    await rm(temporary, { force: true }).catch(() => undefined);
    const why = (e as { code?: unknown }).code === 'ENOENT' ? 'its directory does not exist' : String(e);
    throw new ConfigError(output, 'cannot be written:', why, { cause: e });
  }
  return output;
}
