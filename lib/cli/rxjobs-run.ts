// `rxjobs run SCENARIO.yaml` once its command line is read: the file loaded and checked whole, then a plan, a
// graph, or a run rendered by run-output. Loaded lazily by rxjobs.ts.
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parse, resolve } from 'node:path';
import { text as readText } from 'node:stream/consumers';
import * as E from 'fp-ts/lib/Either.js';

import { codeOf } from '../errors/error-code.js';
import { GraphvizError } from '../errors/graphviz-error.js';
import { Flow } from '../nodes/flow.js';
import { buildScenario } from '../scenario/build.js';
import type { BuiltScenario } from '../scenario/build.js';
import type { SshNodeDefaults } from './ssh-options.js';
import { describeScenario } from '../scenario/describe.js';
import { loadScenario, parseScenario } from '../scenario/load.js';
import { formatProblems } from '../scenario/problems.js';
import type { ScenarioProblem } from '../scenario/problems.js';
import { readVarsFile, scalarValues } from '../scenario/template/vars-file.js';
import type { RxjobsRunArgs } from './rxjobs-options.js';
import { UsageError } from './argv.js';
import { runWithOutput } from './run-output.js';
import { terminalSafe } from '../render/text/terminal-safe.js';
import { startCliRecord } from './record-run.js';
import { nothingToRun, planResume, recordToResume, resumeText } from './resume-cli.js';
import type { ResumePlan } from '../record/resume.js';
import { reportAfterRun } from './rxjobs-report.js';
import type { CliRecord } from './record-run.js';
import { isSecretName, scenarioSlug } from '../record/run-dir.js';
import type { Job } from '../core/job.js';
import { SshJob } from '../ssh-job/ssh-job.js';
import type { Io } from './cli-main.js';
import { parseSshOptions, sshNodeDefaults } from './ssh-options.js';

/** The SSH defaults that the command line gives every node of the scenario. */
const sshDefaults = (args: RxjobsRunArgs, cwd: string): SshNodeDefaults =>
  sshNodeDefaults({ ...args, ssh: parseSshOptions(args.sshOptions), cwd });

/**
 * Writes the graph `--graph` asks for; returns the exit status. A file that cannot be written, or graphviz
 * missing, is a UsageError (one line, exit 2), not a stack trace.
 */
async function writeGraph(built: BuiltScenario, args: RxjobsRunArgs, file: string, io: Io): Promise<number> {
  try {
    return await writeGraphFile(built, args, file, io);
  } catch (e: unknown) {
    if (!(e instanceof GraphvizError) && typeof codeOf(e) !== 'string') throw e;
    const where = args.graphOutput === undefined ? '' : ` --graph-output ${args.graphOutput}`;
    throw new UsageError(`--graph ${args.graph ?? 'dot'}${where}: ${(e as Error).message}`);
  }
}

async function writeGraphFile(
  built: BuiltScenario,
  args: RxjobsRunArgs,
  file: string,
  io: Io,
): Promise<number> {
  const format = args.graph ?? 'dot';
  const output = args.graphOutput === undefined ? undefined : resolve(io.cwd, args.graphOutput);
  if (format === 'dot' || format === 'mermaid') {
    const unfold = { unfold: args.unfold };
    const text = format === 'dot' ? built.scheduler.toDot(unfold) : built.scheduler.toMermaid(unfold);
    if (output === undefined) io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    else {
      await writeFile(output, text);
      io.stdout.write(`${output}\n`);
    }
    return 0;
  }
  const { dir, name } = parse(file);
  const path = output ?? resolve(dir, `${name}.${format}`);
  await built.scheduler.exportAsGraphic(path, format, { unfold: args.unfold });
  io.stdout.write(`${path}\n`);
  return 0;
}

/** How problems name a scenario read from stdin (`rxjobs run -`), as they name a file. */
export const STDIN_NAME = '<stdin>';

/** The values of `--vars` files, the later over the earlier; their problems when they have some. */
const varsValues = (args: RxjobsRunArgs, io: Io): E.Either<ScenarioProblem[], Record<string, unknown>> => {
  let values: Record<string, unknown> = {};
  for (const file of args.varsFiles) {
    const read = readVarsFile(resolve(io.cwd, file));
    if (E.isLeft(read)) return E.left(read.left.map((p) => ({ ...p, file })));
    values = { ...values, ...read.right };
  }
  return E.right(values);
};

/** `--save-rendered`: writes the rendered text of a template, and says where on stderr. */
const savingRendered = (args: RxjobsRunArgs, io: Io) => {
  const { saveRendered } = args;
  if (saveRendered === undefined) return undefined;
  const target = resolve(io.cwd, saveRendered === true ? args.scenario.replace(/\.j2$/, '') : saveRendered);
  const real = (p: string): string => (existsSync(p) ? realpathSync(p) : p);
  if (args.scenario !== '-' && real(target) === real(resolve(io.cwd, args.scenario)))
    throw new UsageError(`--save-rendered: ${target} is the scenario itself: give another FILE`);
  return (text: string): void => {
    const replaced = existsSync(target);
    try {
      writeFileSync(target, text);
    } catch (e: unknown) {
      throw new UsageError(`--save-rendered: cannot write ${target}: ${(e as Error).message}`);
    }
    io.stderr.write(`rxjobs: the rendered scenario is in ${target}${replaced ? ' (replaced)' : ''}\n`);
  };
};

/**
 * The scenario of `rxjobs run FILE`, or of `rxjobs run -` (read from stdin whole: its relative paths are
 * relative to the working directory, and its problems name `<stdin>` with lines and columns).
 */
async function loadScenarioArg(
  args: RxjobsRunArgs,
  io: Io,
  templateValues: Readonly<Record<string, unknown>>,
  read: { text?: string },
): Promise<ReturnType<typeof loadScenario>> {
  const save = savingRendered(args, io);
  const options = {
    // the scalar values of --vars files are variables too, under --var
    variables: { ...scalarValues(templateValues), ...args.variables },
    templateValues,
    onRendered: (text: string): void => {
      read.text = text; // a template's rendered text: what the run record keeps
      save?.(text);
    },
    cwd: io.cwd,
    // a plan or a graph may be drawn before the scripts are written; a run needs them
    missingFiles: args.dryRun || args.graph !== undefined ? ('warning' as const) : ('error' as const),
  };
  if (args.scenario !== '-') return loadScenario(resolve(io.cwd, args.scenario), options);
  if (args.graph === 'svg' || args.graph === 'png') {
    if (args.graphOutput === undefined)
      throw new UsageError(`--graph ${args.graph} of a scenario read from stdin needs --graph-output FILE`);
  }
  let text: string;
  try {
    // read as a stream, not with a blocking read: Ctrl-C at a terminal must still stop it
    text = await readText(process.stdin);
  } catch (e: unknown) {
    throw new UsageError(`run -: cannot read the scenario from stdin (${(e as Error).message})`);
  }
  read.text = text;
  return parseScenario(text, STDIN_NAME, { ...options, dir: io.cwd });
}

/** Writes problems on stderr, and the line that says nothing ran; returns exit status 2. */
const refused = (problems: readonly ScenarioProblem[], where: string, io: Io): number => {
  io.stderr.write(
    `${formatProblems(problems)}\nrxjobs: ${String(problems.length)} problem${problems.length === 1 ? '' : 's'} ` +
      `in ${where}; nothing was run\n`,
  );
  return 2;
};

/** The scenario's ids of the top-level jobs, which key them in the run record. */
const scenarioIds = (built: BuiltScenario): Map<Job, string> => {
  const names = new Map<Job, string>();
  for (const [id, job] of [...built.jobs, ...built.groups]) if (built.scheduler.has(job)) names.set(job, id);
  return names;
};

/** `--resume`: the record to resume and what this run restores from it (said on stderr). */
async function resumeOf(
  built: BuiltScenario,
  args: RxjobsRunArgs,
  slug: string,
  io: Io,
): Promise<ResumePlan> {
  const ctx = {
    program: 'rxjobs' as const,
    resume: args.resume ?? true,
    recordDir: args.recordDir,
    slug,
    io,
    names: scenarioIds(built),
  };
  return planResume(built.scheduler, await recordToResume(ctx), ctx, args.quiet);
}

/** `--dry-run --resume`: what would run again, on stdout (only that: not the plan of --dry-run). */
async function dryResume(built: BuiltScenario, args: RxjobsRunArgs, slug: string, io: Io): Promise<void> {
  try {
    const plan = await resumeOf(built, { ...args, quiet: true }, slug, io);
    io.stdout.write(resumeText('rxjobs', plan));
  } finally {
    await Promise.allSettled([...built.nodes.values()].map((n) => n.close()));
  }
}

/** The values of the variables whose names say they are secrets (`db_password`, `api_token`...). */
const secretValues = (...sources: (Readonly<Record<string, unknown>> | undefined)[]): string[] =>
  sources.flatMap((variables) =>
    Object.entries(variables ?? {})
      .filter(([name, value]) => isSecretName(name) && ['string', 'number'].includes(typeof value))
      .map(([, value]) => String(value)),
  );

/** Runs a scenario file; returns the exit status. Throws UsageError or ConfigError for bad input. */
export async function runScenarioFile(args: RxjobsRunArgs, io: Io): Promise<number> {
  const file = args.scenario === '-' ? STDIN_NAME : resolve(io.cwd, args.scenario);
  const defaults = sshDefaults(args, io.cwd);
  const values = varsValues(args, io);
  if (E.isLeft(values)) return refused(values.left, `--vars ${args.varsFiles.join(' ')}`, io);
  const read: { text?: string } = {};
  const loaded = await loadScenarioArg(args, io, values.right, read);
  if (E.isLeft(loaded)) return refused(loaded.left, args.scenario === '-' ? STDIN_NAME : args.scenario, io);
  const { warnings } = loaded.right;
  if (warnings !== undefined)
    io.stderr.write(
      `${formatProblems(warnings.map((w) => ({ ...w, message: `warning: ${w.message} (a run needs it)` })))}\n`,
    );
  // a scenario read from stdin: its runs by its text (`--resume` finds those of the same text)
  const slug = scenarioSlug(args.scenario === '-' ? undefined : file, read.text);
  if (args.dryRun && args.resume !== undefined) {
    await dryResume(buildScenario(loaded.right, { ssh: defaults }), args, slug, io);
    return 0;
  }
  if (args.dryRun) {
    const plan = describeScenario(loaded.right, { ssh: defaults, unfold: args.unfold });
    io.stdout.write(plan.endsWith('\n') ? plan : `${plan}\n`);
    return 0;
  }
  const flow = new Flow(); // a full stdout or per-job file stops the reading of the commands' output
  let record: CliRecord | undefined;
  const onCapture = (name: string, value: string): void => {
    record?.capture(name, value);
  };
  const built = buildScenario(loaded.right, { ssh: defaults, flow, onCapture });
  const { scheduler } = built;
  if (args.timeout !== undefined) scheduler.timeout = args.timeout * 1000;
  if (args.window !== undefined) scheduler.jobsWindow = args.window;
  if (args.graph !== undefined) return writeGraph(built, args, file, io);

  const units = [...built.jobs.values()].map((job) => ({ job, label: job.label }));
  const nodes = [...built.nodes.values()];
  const jobNodes = [...new Set(units.map((u) => u.job.node))]; // not a gateway that runs nothing
  try {
    // the run to resume is read before this run's record is made (it would be the latest)
    const resumed = args.resume === undefined ? undefined : await resumeOf(built, args, slug, io);
    // a forever job (a monitor, a service) is run again only for the jobs that need it (said by resumeOf)
    if (resumed !== undefined && nothingToRun(resumed)) return 0;
    // before the record starts: a value set now is no capture of this run; each into the scope of the job
    // that captured it (its member's, its instance's, or the global one), as in the run resumed
    for (const { job, name, value } of resumed?.captures ?? [])
      (job instanceof SshJob ? job.variables : built.variables).set(name, value);
    record = await startCliRecord(scheduler, {
      program: 'rxjobs',
      slug,
      args,
      io,
      // a template's rendered text, else the file as read (again: loadScenario keeps no text)
      scenario: { path: file, text: read.text ?? readFileSync(file, 'utf8') },
      names: scenarioIds(built),
      resumedFrom: resumed?.from,
      secrets: secretValues(loaded.right.spec.variables, values.right, args.variables),
    });
    // kept in this run's record too, for a later resume of it
    for (const { key, name, value } of resumed?.captures ?? []) record?.restoredCapture(key, name, value);
    const report = await runWithOutput(scheduler, units, args, {
      name: 'rxjobs',
      unitName: 'jobs',
      restore: resumed?.restore,
      cwd: io.cwd,
      json: { scenario: args.scenario === '-' ? STDIN_NAME : args.scenario },
      record,
      nodes: jobNodes,
      stdout: io.stdout,
      stderr: io.stderr,
      flow,
      beforeSummary: () => {
        if (args.quiet) return;
        // list(), not debrief(): the failures are summed up below it, in words, without stack traces
        // labels come from the file: none may move the cursor or clear the screen (`\e[2J`)
        const listing = scheduler.list({ unfold: args.unfold }).split('\n').map(terminalSafe).join('\n');
        // on stdout, unless stdout carries JSON lines
        (args.json ? io.stderr : io.stdout).write(listing.endsWith('\n') ? listing : `${listing}\n`);
      },
    });
    await record?.finish(report, args.quiet);
    await reportAfterRun(args, record?.dir, io);
    return report.exitStatus;
  } finally {
    await Promise.allSettled(nodes.map((n) => n.close()));
  }
}
