/**
 * Run directories (format `rxjobs-run/1`, /work/wt/CONTRACT-14.md) written by hand for the report's specs:
 * `run.json`, `plan.json`, `events.jsonl` and `outputs/<safe key>.out|.err`, as the recorder writes them.
 * `fakeRun()` builds one job by job with times in milliseconds from the start; `write(dir)` puts it on disk.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { hostFileName } from '../../lib/render/files/host-files.js';

export const T0 = Date.parse('2026-12-07T15:00:00.000Z');
const iso = (ms: number): string => new Date(T0 + ms).toISOString();

export interface FakeJobSpec {
  readonly node?: string;
  readonly requires?: readonly string[];
  readonly commands?: readonly string[];
  readonly critical?: boolean;
  /** Start and end, in ms from the run's start; no start: never started. */
  readonly at?: readonly [number, number];
  /** How it ended (default done when `at` is given). */
  readonly end?:
    | { readonly type: 'done' }
    | {
        readonly type: 'failed';
        readonly code: number;
        readonly message: string;
        readonly tolerated?: boolean;
      }
    | { readonly type: 'skipped'; readonly because: readonly string[]; readonly ts: number }
    | { readonly type: 'cancelled'; readonly reason: string; readonly ts: number }
    | { readonly type: 'restored'; readonly ts: number }
    | { readonly type: 'running' };
  readonly stdout?: string | Buffer;
  readonly stderr?: string | Buffer;
}

interface Planned {
  key: string;
  label: string;
  kind: 'job' | 'scheduler' | 'group' | 'matrix';
  parent?: string;
  node?: string;
  requires: string[];
  critical: boolean;
  forever: boolean;
  group?: string;
  commands?: string[];
  fingerprint: string;
}

/** A run directory being built. */
export class FakeRun {
  readonly plan: Planned[] = [];
  readonly events: { ts: number; record: Record<string, unknown> }[] = [];
  readonly outputs = new Map<string, { out?: string | Buffer; err?: string | Buffer }>();
  ended: number | undefined = undefined;
  outcome: 'success' | 'failure' | 'interrupted' = 'success';
  why = '';
  /** Extra raw text appended to events.jsonl (a cut line). */
  tail = '';
  /** Fields of run.json written over the usual ones (`resumedFrom`, `pid`, `program`...). */
  runFields: Record<string, unknown> = {};

  /** A job at the top level (key = label), or a member of `parent`. */
  job(label: string, spec: FakeJobSpec = {}, parent?: { key: string; label: string; folded: boolean }): this {
    const key = parent === undefined ? label : `${parent.key} / ${label}`;
    this.plan.push({
      key,
      label,
      kind: 'job',
      ...(parent === undefined ? {} : { parent: parent.key }),
      ...(spec.node === undefined ? {} : { node: spec.node }),
      requires: [...(spec.requires ?? [])],
      critical: spec.critical ?? true,
      forever: false,
      ...(parent?.folded === true ? { group: parent.label } : {}),
      commands: [...(spec.commands ?? [])],
      fingerprint: 'f'.repeat(64),
    });
    const base = {
      key,
      job: label,
      scheduler: parent?.label ?? 'demo.yaml', // a scenario's scheduler is labelled by its file name
      ...(parent?.folded === true ? { group: parent.label } : {}),
    };
    if (spec.at !== undefined) {
      const [start, end] = spec.at;
      this.events.push({ ts: start, record: { type: 'started', ...base } });
      const how = spec.end ?? { type: 'done' };
      for (const command of how.type === 'running' ? [] : (spec.commands ?? [])) {
        const code = how.type === 'failed' && command === spec.commands?.at(-1) ? how.code : 0;
        this.events.push({
          ts: end,
          record: { type: 'exit', ...base, host: spec.node ?? 'localhost', code, signal: null, command },
        });
      }
      if (how.type === 'done') this.events.push({ ts: end, record: { type: 'done', ...base } });
      if (how.type === 'failed')
        this.events.push({
          ts: end,
          record: {
            type: 'failed',
            ...base,
            critical: spec.critical ?? true,
            error: { name: 'CommandFailedError', code: 'command-failed', message: how.message },
            ...(how.tolerated === true ? { tolerated: true } : {}),
          },
        });
    } else if (spec.end?.type === 'skipped')
      this.events.push({ ts: spec.end.ts, record: { type: 'skipped', ...base, because: spec.end.because } });
    else if (spec.end?.type === 'restored')
      this.events.push({ ts: spec.end.ts, record: { type: 'done', ...base, restored: true } });
    else if (spec.end?.type === 'cancelled')
      this.events.push({ ts: spec.end.ts, record: { type: 'cancelled', ...base, reason: spec.end.reason } });
    if (spec.stdout !== undefined || spec.stderr !== undefined)
      this.outputs.set(key, {
        ...(spec.stdout === undefined ? {} : { out: spec.stdout }),
        ...(spec.stderr === undefined ? {} : { err: spec.stderr }),
      });
    return this;
  }

  /** A job on a group of hosts: a folded scheduler with one member `label@host` per host. */
  group(
    label: string,
    hosts: readonly string[],
    spec: { requires?: readonly string[]; at: (host: string, i: number) => FakeJobSpec },
  ): this {
    const members = hosts.map((host, i) => ({ host, spec: spec.at(host, i) }));
    const times = members.flatMap((m) => (m.spec.at === undefined ? [] : [...m.spec.at]));
    const failed = members.filter(
      (m) => m.spec.end?.type === 'failed' && m.spec.end.tolerated !== true,
    ).length;
    this.plan.push({
      key: label,
      label,
      kind: 'group',
      requires: [...(spec.requires ?? [])],
      critical: true,
      forever: false,
      fingerprint: 'g'.repeat(64),
    });
    const base = { key: label, job: label, scheduler: 'demo.yaml' };
    if (times.length > 0) this.events.push({ ts: Math.min(...times), record: { type: 'started', ...base } });
    const parent = { key: label, label, folded: true };
    for (const m of members) this.job(`${label}@${m.host}`, { node: m.host, ...m.spec }, parent);
    if (times.length > 0)
      this.events.push({
        ts: Math.max(...times),
        record:
          failed === 0
            ? { type: 'done', ...base }
            : {
                type: 'failed',
                ...base,
                critical: true,
                error: {
                  name: 'JobFailedError',
                  code: 'job-failed',
                  message: `${String(failed)} members failed`,
                },
              },
      });
    return this;
  }

  end(at: number, outcome: 'success' | 'failure', why = ''): this {
    this.ended = at;
    this.outcome = outcome;
    this.why = why;
    return this;
  }

  /** Writes the run directory `dir` (created). */
  async write(dir: string, files: { run?: boolean; plan?: boolean; events?: boolean } = {}): Promise<string> {
    await mkdir(join(dir, 'outputs'), { recursive: true });
    const jobs = this.plan.filter((j) => j.kind === 'job');
    const count = (type: string): number =>
      new Set(
        this.events
          .filter((e) => e.record['type'] === type && jobs.some((j) => j.key === e.record['key']))
          .map((e) => e.record['key']),
      ).size;
    const run = {
      format: 'rxjobs-run/1',
      program: 'rxjobs',
      version: '0.1.0',
      argv: ['run', 'demo.yaml'],
      cwd: '/tmp',
      scenario: { path: '/tmp/demo.yaml', sha256: '0'.repeat(64) },
      started: iso(0),
      pid: 4194305, // above any pid_max: never a live process
      ...(this.ended === undefined
        ? {}
        : {
            ended: iso(this.ended),
            outcome: this.outcome,
            exitStatus: this.outcome === 'success' ? 0 : 1,
            why: this.why,
            counts: {
              total: jobs.length,
              done: count('done'),
              failed: count('failed'),
              tolerated: 0,
              skipped: count('skipped'),
              cancelled: count('cancelled'),
              notRun: 0,
            },
          }),
      ...this.runFields,
    };
    if (files.run !== false) await writeFile(join(dir, 'run.json'), JSON.stringify(run, null, 2));
    if (files.plan !== false) await writeFile(join(dir, 'plan.json'), JSON.stringify({ jobs: this.plan }));
    const records = [...this.events]
      .sort((a, b) => a.ts - b.ts)
      .map((e) => JSON.stringify({ ts: iso(e.ts), ...e.record }));
    if (this.ended !== undefined)
      records.push(
        JSON.stringify({
          type: 'end',
          ts: iso(this.ended),
          outcome: this.outcome,
          ok: this.outcome === 'success',
          why: this.why,
        }),
      );
    if (files.events !== false)
      await writeFile(join(dir, 'events.jsonl'), records.map((r) => `${r}\n`).join('') + this.tail);
    for (const [key, { out, err }] of this.outputs) {
      if (out !== undefined) await writeFile(join(dir, 'outputs', `${hostFileName(key)}.out`), out);
      if (err !== undefined) await writeFile(join(dir, 'outputs', `${hostFileName(key)}.err`), err);
    }
    return dir;
  }
}

/** A run directory being built. */
export const fakeRun = (): FakeRun => new FakeRun();

/**
 * A typical run: a setup job, a group of 4 hosts (fit02 slow, fit03 failing), a job after the group that is
 * skipped, an independent job with hostile text (unless `hostile: false`: for the README's screenshot), a
 * job with long output and bytes that are not UTF-8.
 */
export function sampleRun({ hostile = true }: { hostile?: boolean } = {}): FakeRun {
  const lines = Array.from({ length: 1000 }, (_, i) => `line ${String(i + 1)}`).join('\n') + '\n';
  return fakeRun()
    .job('setup', {
      node: 'localhost',
      commands: ['apt-get update'],
      at: [0, 1200],
      stdout: 'fetched 42 packages\n',
    })
    .group('measure', ['fit01', 'fit02', 'fit03', 'fit04'], {
      requires: ['setup'],
      at: (host, i) => ({
        commands: [`measure.sh ${host}`],
        at: [1300 + i * 50, host === 'fit02' ? 9000 : 3000 + i * 100],
        ...(host === 'fit03'
          ? {
              end: {
                type: 'failed',
                code: 3,
                message: `command failed: measure.sh ${host}: exit 3`,
              } as const,
            }
          : {}),
        stdout: `measured on ${host}\n`,
        ...(host === 'fit03' ? { stderr: 'no such device: wlan9\n' } : {}),
      }),
    })
    .job('collect', {
      requires: ['measure'],
      commands: ['collect.sh'],
      end: { type: 'skipped', because: ['measure'], ts: 9000 },
    })
    .job(hostile ? '<script>alert(1)</script>' : 'sanity check', {
      node: hostile ? '<b>evil</b>' : 'localhost',
      commands: ['echo "<img src=x onerror=alert(2)>"'],
      at: [200, 700],
      stdout: '<script>alert(3)</script>\n\u001b[31mred\u001b[0m\n',
    })
    .job('verbose', {
      node: 'localhost',
      commands: ['seq 1000'],
      at: [100, 5000],
      stdout: lines,
      stderr: Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x0a]),
    })
    .end(9100, 'failure', 'measure failed (critical)');
}

/**
 * A run of `count` jobs (at least 400): a setup job, a group of 300 hosts after it (one failing, a few slow),
 * then chains of tasks each requiring one or two earlier ones (some failing, what follows them skipped),
 * each with a few lines of output; deterministic.
 */
export function bigRun(count: number): FakeRun {
  let seed = 42;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const run = fakeRun().job('setup', {
    node: 'localhost',
    commands: ['prepare'],
    at: [0, 800],
    stdout: 'ok\n',
  });
  const hosts = Array.from({ length: 300 }, (_, i) => `fit${String(i + 1).padStart(3, '0')}`);
  let deployEnd = 0;
  run.group('deploy', hosts, {
    requires: ['setup'],
    at: (host, i) => {
      const end = 900 + Math.round(random() * 3000) + (i % 97 === 0 ? 6000 : 0);
      deployEnd = Math.max(deployEnd, end);
      return {
        commands: [`deploy.sh ${host}`],
        at: [820 + i, end],
        stdout: `deploying on ${host}\ndone\n`,
        ...(i === 150
          ? { end: { type: 'failed', code: 2, message: 'exit 2', tolerated: true } as const }
          : {}),
      };
    },
  });
  const ends = new Map<string, number | undefined>([['deploy', deployEnd]]);
  const tasks = count - 301;
  for (let i = 0; i < tasks; i++) {
    const label = `task-${String(i)}`;
    const earlier = [...ends.keys()];
    const requires = [earlier[Math.floor(random() * earlier.length)] ?? 'deploy'];
    if (random() < 0.3) requires.push(earlier[Math.floor(random() * earlier.length)] ?? 'deploy');
    const unique = [...new Set(requires)];
    const after = unique.map((k) => ends.get(k));
    if (after.includes(undefined)) {
      run.job(label, {
        requires: unique,
        commands: [`step ${String(i)}`],
        end: { type: 'skipped', because: unique, ts: 20000 },
      });
      ends.set(label, undefined);
      continue;
    }
    const start = Math.max(...after.map((t) => t ?? 0)) + 10;
    const end = start + Math.round(random() * 2000);
    const fails = i % 150 === 75;
    run.job(label, {
      node: hosts[i % hosts.length] ?? 'localhost',
      requires: unique,
      commands: [`step ${String(i)}`],
      at: [start, end],
      stdout:
        i % 100 === 0
          ? Array.from({ length: 600 }, (_, n) => `out ${String(n)}`).join('\n') + '\n'
          : `step ${String(i)}\n`,
      ...(fails
        ? { end: { type: 'failed', code: 1, message: `step ${String(i)} failed` } as const, critical: false }
        : {}),
    });
    ends.set(label, fails ? undefined : end);
  }
  const last = Math.max(...[...ends.values()].map((t) => t ?? 0), 20000);
  return run.end(last + 10, 'failure', 'some tasks failed');
}

/**
 * A real run recorded by the library (`orchestrate({ record: dir })`) on LocalNodes: `setup`, a GroupJob
 * `measure` on n1..n4 (n2 slow, n3 failing with exit 3, tolerated by maxFailures 1), `collect` after it,
 * `bad` (exit 5, not critical, bytes that are not UTF-8) and `after-bad` (skipped: runIf all-success).
 * Resolves to the scheduler's verdict.
 */
export async function recordedRun(dir: string): Promise<boolean> {
  const { GroupJob, Job, LocalNode, NodeGroup, RunIf, Scheduler, SshJob } =
    await import('../../lib/index.js');
  const nodes = [1, 2, 3, 4].map((i) => new LocalNode({ label: `n${String(i)}` }));
  const here = new LocalNode({ label: 'localhost' });
  const group = NodeGroup.of(nodes);
  try {
    const setup = new SshJob(here, 'echo setting up; echo "<script>alert(1)</script>"', { label: 'setup' });
    const measure = new GroupJob(
      group,
      (node) =>
        node.label === 'n3'
          ? 'echo "no such device" >&2; exit 3'
          : `sleep ${node.label === 'n2' ? '0.6' : '0.1'}; echo measured on ${node.label}`,
      { label: 'measure', requires: setup, maxFailures: 1 },
    );
    const collect = new Job(() => Promise.resolve('collected'), { label: 'collect', requires: measure });
    const bad = new SshJob(here, 'printf "\\377\\376 bad bytes\\n"; exit 5', {
      label: 'bad',
      critical: false,
    });
    const afterBad = new SshJob(here, 'echo never', {
      label: 'after-bad',
      requires: bad,
      runIf: RunIf.AllSuccess,
    });
    const scheduler = new Scheduler([setup, measure, collect, bad, afterBad], { label: 'main' });
    return await scheduler.orchestrate({ record: dir });
  } finally {
    await group.close();
    await Promise.all([...nodes, here].map((n) => n.close()));
  }
}
