/** Processes: one program run to its end in its own process group, its wall time, CPU and peak RSS. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { tailOf } from './files.mjs';

/** A run still going after this is killed (its whole process group). */
export const RUN_KILL_MS = 120_000;
const RSS_SAMPLE_MS = 200;
/** GNU time, for the CPU of a run and its descendants; undefined: no CPU figures. */
export const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** The RSS (kB) of `pid` and every process below it, from /proc. */
function treeRssKb(pid) {
  let total = 0;
  const queue = [pid];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+)/.exec(status);
      if (m) total += Number(m[1]);
      for (const task of fs.readdirSync(`/proc/${p}/task`)) {
        const children = fs.readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        if (children !== '') queue.push(...children.split(' ').map(Number));
      }
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** `rusageDir`: where GNU time writes its figures; `stopping`: set on Ctrl-C, no run starts any more. */
export const runner = { stopping: false, rusageDir: os.tmpdir() };
/** The process groups of the runs under way. */
const liveGroups = new Set();
const killGroup = (pid) => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone
  }
};
/** Kills the runs under way (their whole process groups). */
export const killRuns = () => {
  for (const pid of liveGroups) killGroup(pid);
};

/**
 * Runs a program to its end in its own process group (killed after RUN_KILL_MS): wall time from spawn to
 * exit, CPU of the process and its descendants and the maxrss of the largest of them (GNU time), peak RSS of
 * its tree (sampled), its stdout (when `capture`) and the tail of its stderr. `stdoutFile`: its stdout goes to
 * that file (made or truncated), as a shell's `> FILE` would send it (not captured then).
 */
let rusageSerial = 0;
export function runProcess(file, args, { capture = false, env, stdoutFile } = {}) {
  return new Promise((resolve) => {
    if (runner.stopping) {
      resolve({ wallMs: 0, code: -1, signal: null, stdout: '', stderr: 'stopping', peakTreeKb: 0 });
      return;
    }
    // GNU time reports the CPU of the process and of every descendant it (or they) waited for
    const rusageFile =
      TIME === undefined
        ? undefined
        : path.join(runner.rusageDir, `rxjobs-bench-rusage-${process.pid}-${++rusageSerial}`);
    const command =
      rusageFile === undefined ? [file, ...args] : [TIME, '-f', '%U %S %M', '-o', rusageFile, file, ...args];
    const outFd = stdoutFile === undefined ? undefined : fs.openSync(stdoutFile, 'w');
    const t0 = performance.now();
    const proc = spawn(command[0], command.slice(1), {
      stdio: ['ignore', outFd ?? (capture ? 'pipe' : 'ignore'), 'pipe'],
      detached: true,
      env: env ?? process.env,
    });
    if (outFd !== undefined) fs.closeSync(outFd); // the child has its own copy
    if (proc.pid !== undefined) liveGroups.add(proc.pid);
    let stdout = '';
    let stderr = '';
    let wallMs;
    let exit;
    let peakKb = 0;
    let killed = false;
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const sample = () => {
      if (proc.pid !== undefined && exit === undefined) peakKb = Math.max(peakKb, treeRssKb(proc.pid));
    };
    const sampler = setInterval(sample, RSS_SAMPLE_MS);
    const first = setTimeout(sample, 50);
    const killer = setTimeout(() => {
      killed = true;
      killGroup(proc.pid);
    }, RUN_KILL_MS);
    const stop = () => {
      clearInterval(sampler);
      clearTimeout(first);
      clearTimeout(killer);
    };
    proc.on('exit', (code, signal) => {
      wallMs = performance.now() - t0;
      exit = { code, signal };
      stop();
      // what the run left behind in its group (none expected) goes with it
      killGroup(proc.pid);
      liveGroups.delete(proc.pid);
    });
    proc.on('close', () => {
      let cpuMs;
      let maxRssKb;
      if (rusageFile !== undefined) {
        try {
          const [user, system, maxrss] = fs
            .readFileSync(rusageFile, 'utf8')
            .trim()
            .split('\n')
            .at(-1)
            .split(' ')
            .map(Number);
          if (Number.isFinite(user) && Number.isFinite(system)) cpuMs = (user + system) * 1000;
          if (Number.isFinite(maxrss)) maxRssKb = maxrss;
        } catch {
          // no figure
        }
        fs.rmSync(rusageFile, { force: true });
      }
      if (killed) stderr += `\nkilled after ${RUN_KILL_MS / 1000} s`;
      // GNU time reports a killed or failing program as "Command exited with non-zero status N" first
      resolve({ wallMs, ...exit, stdout, stderr, peakTreeKb: peakKb, maxRssKb, cpuMs });
    });
    proc.on('error', (e) => {
      stop();
      liveGroups.delete(proc.pid);
      resolve({
        wallMs: performance.now() - t0,
        code: -1,
        signal: null,
        stdout,
        stderr: e.message,
        peakTreeKb: 0,
      });
    });
  });
}

/** A run's result with its peak RSS (its own maxrss when `ownRss`, else its tree's) and its check. */
export const finish = (r, problem, ownRss = false) => ({
  ...r,
  peakRssKb: ownRss ? Math.max(r.maxRssKb ?? 0, r.peakTreeKb) : r.peakTreeKb,
  ok: problem === undefined,
  problem,
});
/** What a non-zero exit says, with the tail of stderr; undefined on exit 0. */
export const exitProblem = (r) =>
  r.code !== 0 ? `exit ${r.signal ?? r.code}: ${tailOf(r.stderr)}` : undefined;
