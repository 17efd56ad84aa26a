// rxssh once its command line is read: targets resolved, one SshJob per host, a scheduler run rendered by
// run-output. Loaded lazily by rxssh.ts, so that --help does not pay for rxjs and ssh2.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isatty } from 'node:tty';
import { join, resolve } from 'node:path';

import { Scheduler } from '../scheduler.js';
import { parseJumpHops } from '../nodes/trust/ssh-config/jump-hops.js';
import type { Command } from '../commands/command.js';
import { Run } from '../commands/run.js';
import { RunScript } from '../commands/run-script.js';
import { RunString } from '../commands/run-string.js';
import { Pull, Push } from '../commands/transfer.js';
import { Flow } from '../nodes/flow.js';
import type { SshNode } from '../nodes/ssh/ssh-node.js';
import { hostFileName, STDERR_SUFFIX } from '../render/files/host-files.js';
import { SshJob } from '../ssh-job/ssh-job.js';
import { UsageError } from './argv.js';
import { Fleet } from './fleet.js';
import { checkPortHabit, listTargetsNote } from './habits.js';
import type { FleetTarget } from './fleet.js';
import type { Io } from './cli-main.js';
import type { ResumeArgs, RunArgs, TransferArgs } from './rxssh-options.js';
import { runWithOutput } from './run-output.js';
import { startCliRecord } from './record-run.js';
import { nothingToRun, planResume, recordToResume } from './resume-cli.js';
import { resumedArgs } from './rxssh-resume.js';
import type { ResumePlan } from '../record/resume.js';
import type { Unit } from './run-output.js';
import { parseSshOptions } from './ssh-options.js';
import { formatEndpoint } from './target-parse.js';
import { StdinFanout } from './stdin-fanout.js';
import { resolveTargets } from './targets.js';
import { checkOpenFiles } from './open-files-check.js';

/** A target for -n and -L: `gw -> host`, `None -> host` when explicitly direct, else `host`. */
const describeTarget = (t: FleetTarget): string =>
  `${t.gateway === undefined ? '' : t.gateway === null ? 'None -> ' : `${formatEndpoint(t.gateway)} -> `}${formatEndpoint(t)}`;

/** `{host}` and `{user}` in a local path, for one target. */
const expandLocal = (path: string, t: FleetTarget): string =>
  path.replaceAll('{host}', hostFileName(t.label)).replaceAll('{user}', t.user ?? '');

/** The hop next to the targets in a ProxyJump chain (`a,b` gives `b`); none for `none`. */
const lastHop = (chain: string | undefined): string | undefined => {
  const last =
    chain === undefined ? undefined : parseJumpHops(chain, { subject: 'rxssh', field: '-g/-J' }).at(-1);
  return last === undefined ? undefined : formatEndpoint(last);
};

/** The command of `rxssh [-s] COMMAND ARGS`, reading `stdin` when given. */
function commandOf(
  args: RunArgs,
  cwd: string,
  stdin?: AsyncIterable<Buffer>,
): { command: Command; text: string } {
  const [first = '', ...rest] = args.command;
  const options = { pty: args.pty, stdin };
  if (!args.script) {
    const text = args.command.join(' ');
    return { command: new Run(text, options), text };
  }
  const includes = args.includes.map((f) => resolve(cwd, f));
  for (const f of includes) if (!existsSync(f)) throw new UsageError(`--include ${f}: no such file`);
  const path = resolve(cwd, first);
  if (existsSync(path) && statSync(path).isFile())
    return {
      command: new RunScript(path, ...rest, { includes, ...options }),
      text: `script ${first}${rest.length > 0 ? ` ${rest.join(' ')}` : ''}`,
    };
  if (/^[.~]?\//.test(first) && !first.includes('\n'))
    throw new UsageError(`-s ${first}: no such file (give a script file, or the text of a script)`);
  return {
    command: new RunString(first, ...rest, { includes, ...options }),
    text: `inline script${rest.length > 0 ? ` with ${rest.join(' ')}` : ''}`,
  };
}

/** A local path of a copy for one target: `{host}` and `{user}` expanded, absolute. */
const localPath = (p: string, t: FleetTarget, cwd: string): string => resolve(cwd, expandLocal(p, t));

/** Push or Pull for one target, `{host}` expanded in local paths. */
function transferOf(args: TransferArgs, t: FleetTarget, cwd: string): Command {
  const local = (p: string): string => localPath(p, t, cwd);
  if (args.mode === 'push') return new Push(args.sources.map(local), args.destination);
  // LOCALDIR/{host}/ whatever the number of hosts, as the help says: the layout must not change when a -t
  // happens to give a single host
  const dir = args.destination.includes('{host}') ? args.destination : join(args.destination, '{host}');
  return new Pull(args.sources, `${local(dir)}/`); // a directory, even for one file (see Node.pull)
}

/** The files of `-o DIR` of each host's job (see writeHostFiles): the run record links them. */
const outDirFiles = (units: readonly (Unit & { node: SshNode })[], dir: string) =>
  new Map(
    units.map((u) => {
      const stdout = join(dir, hostFileName(u.node.label));
      return [u.job, { stdout, stderr: stdout + STDERR_SUFFIX }] as const;
    }),
  );

/** `--resume DIR`: what this run restores from that run (said on stderr). */
async function resumeOf(scheduler: Scheduler, args: RunArgs | TransferArgs, io: Io): Promise<ResumePlan> {
  const ctx = {
    program: 'rxssh' as const,
    resume: args.resume ?? '',
    recordDir: args.recordDir,
    slug: 'rxssh',
    io,
  };
  return planResume(scheduler, await recordToResume(ctx), ctx, args.quiet);
}

/** Runs rxssh; returns the exit status. Throws UsageError, TargetError or ConfigError for bad input. */
export async function runRxssh(args: RunArgs | TransferArgs | ResumeArgs, io: Io): Promise<number> {
  if (args.mode === 'resume') {
    // the recorded command line's relative paths (-s, -t, -i, -F, -o, push and pull's local paths) are those
    // of the directory it was run in: they are resolved against it (io.cwd), the process stays where it is
    const resumed = await resumedArgs(args, io);
    return runRxssh(resumed.args, { ...io, cwd: resumed.cwd });
  }
  const ssh = parseSshOptions(args.sshOptions);
  const { targets, excluded } = resolveTargets({
    targets: args.targets,
    excludes: args.excludes,
    // a -J chain (a,b): the targets go through its last hop, which the fleet puts behind the others
    gateway: lastHop(args.gateway ?? ssh.proxyJump),
    // the defaults the connections use, so that duplicates, -x and labels see the same targets
    login: args.login ?? ssh.user,
    port: args.port ?? ssh.port,
    cwd: io.cwd,
    home: homedir(),
  });
  checkPortHabit(args.port, targets.filter((t) => t.port === args.port).length);
  const run = args.mode === 'run' ? args : undefined;
  if (run?.listTargets === true) {
    io.stderr.write(listTargetsNote(run.command));
    io.stdout.write(targets.map((t) => `${describeTarget(t)}\n`).join(''));
    return 0;
  }
  const what =
    args.mode === 'run'
      ? commandOf(args, io.cwd)
      : { command: undefined, text: `${args.mode} ${args.sources.join(' ')} -> ${args.destination}` };
  if (args.mode === 'push')
    for (const t of targets)
      for (const p of args.sources) {
        const path = localPath(p, t, io.cwd);
        if (!existsSync(path)) throw new UsageError(`push: ${path}: no such file or directory`);
      }
  if (args.dryRun) {
    const lines = [
      `${String(targets.length)} host${targets.length === 1 ? '' : 's'}` +
        (excluded.length > 0
          ? ` (${String(excluded.length)} excluded: ${excluded.map((t) => t.label).join(' ')})`
          : ''),
      ...targets.map((t) => `  ${describeTarget(t)}`),
      `would run: ${what.text}`,
      `window ${String(args.window)}` +
        (args.timeout === undefined ? '' : `, timeout ${String(args.timeout)} s per host`),
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  }
  // enough file descriptors for the hosts at once, before connecting anywhere
  checkOpenFiles('rxssh', Math.min(targets.length, args.window), targets.length, {
    outDir: run?.outDir !== undefined,
    record: args.record,
    transfer: run === undefined,
  });

  const fleet = new Fleet({
    login: args.login,
    port: args.port,
    identities: args.identities,
    sshConfig: args.sshConfig,
    connectTimeout: args.connectTimeout,
    gateway: args.gateway,
    ssh,
    cwd: io.cwd,
  });
  // stdin, unless it is a terminal (nobody types for many hosts at once), read once for every host
  const fanout = run?.stdin === true && !isatty(0) ? new StdinFanout(() => process.stdin) : undefined;
  const stdinOf = new Map<Unit, { release(): void }>();
  // back-pressure: a full stdout or per-host file stops the reading of every host's output until it drains
  const flow = new Flow();
  const units: (Unit & { node: SshNode })[] = targets.map((t) => {
    const node = fleet.nodeFor(t);
    const stdin = fanout?.source();
    const command =
      stdin !== undefined && run !== undefined
        ? commandOf(run, io.cwd, stdin).command // a command of its own: its own stdin
        : (what.command ?? transferOf(args as TransferArgs, t, io.cwd));
    const job = new SshJob(node, [command], {
      label: t.label,
      critical: false,
      timeout: args.timeout === undefined ? undefined : args.timeout * 1000,
      // raw chunks, cut into lines only where lines are printed: files get the bytes as they come; only
      // --json (a record per line) and -b (lines compared) need line events
      output: args.json || run?.gather === true ? 'lines' : 'chunks',
      maxLineBytes: run?.maxLineBytes,
      flow,
    });
    const unit = { job, label: t.label, node };
    if (stdin !== undefined) stdinOf.set(unit, stdin);
    return unit;
  });
  const nodeOf = new Map<Unit, SshNode>(units.map((u) => [u, u.node]));
  const scheduler = new Scheduler(
    units.map((u) => u.job),
    { label: 'rxssh', jobsWindow: args.window },
  );
  try {
    // the run to resume is read before this run's record is made
    const resumed = args.resume === undefined ? undefined : await resumeOf(scheduler, args, io);
    if (resumed !== undefined && nothingToRun(resumed)) return 0; // said by resumeOf
    const record = await startCliRecord(scheduler, {
      program: 'rxssh',
      slug: 'rxssh',
      args,
      io,
      command: what.text,
      resumedFrom: resumed?.from,
      linked: run?.outDir === undefined ? undefined : outDirFiles(units, resolve(io.cwd, run.outDir)),
    });
    const report = await runWithOutput(scheduler, units, run ?? { json: args.json, quiet: args.quiet }, {
      name: 'rxssh',
      unitName: 'hosts',
      json: { command: what.text },
      record,
      restore: resumed?.restore,
      cwd: io.cwd,
      nodes: units.map((u) => u.node),
      stdout: io.stdout,
      stderr: io.stderr,
      flow,
      onUnitEnd: (unit) => {
        // a finished host's connection is closed at once, so -w bounds open connections too
        void nodeOf.get(unit)?.close();
        stdinOf.get(unit)?.release(); // what it did not read is no longer kept for it
      },
    });
    if (run === undefined && !args.json) {
      const ok = report.results.filter((r) => r.ok).length;
      const n = report.results.length;
      io.stderr.write(`rxssh ${args.mode}: ${String(ok)} of ${String(n)} host${n === 1 ? '' : 's'} ok\n`);
    }
    await record?.finish(report, args.quiet);
    return report.exitStatus;
  } finally {
    fanout?.close();
    await fleet.close();
  }
}
