import type { Variables } from '../commands/variables.js';
import type {
  CommandSpec,
  PullSpec,
  PushSpec,
  RunScriptSpec,
  RunSpec,
  RunStringSpec,
} from './codecs-commands.js';
import type { JobSpec } from './codecs.js';

type Env = Readonly<Record<string, string>>;

const mapEnv = (env: Env, x: (s: string) => string): Env =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, x(v)]));

/** `T` whose optional properties may also be undefined. @internal */
export type Loose<T> = { [K in keyof T]: object extends Pick<T, K> ? T[K] | undefined : T[K] };

/** `o` without its undefined properties (`exactOptionalPropertyTypes`: absent, not undefined). @internal */
export const defined = <T extends object>(o: Loose<T>): T => {
  // a loop, not Object.fromEntries(Object.entries(o).filter(...)): run for each command of 10,000 jobs
  const out: Record<string, unknown> = {};
  for (const key in o) {
    const value = o[key];
    if (value === undefined) continue;
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true });
    else out[key] = value;
  }
  return out as T;
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The texts that Run, RunScript and RunString share, replaced in `out` (a copy). */
const shell = (out: Mutable<RunSpec | RunScriptSpec | RunStringSpec>, x: (s: string) => string): void => {
  if (out.label !== undefined) out.label = x(out.label);
  if (out.env !== undefined) out.env = mapEnv(out.env, x);
  if (out.stdin !== undefined) out.stdin = x(out.stdin);
};

/**
 * The command with `{{name}}` replaced, in each of its texts, by the values known at build time; other
 * names are left for the run. `capture`, `allowedExits`, `pty` and `preserve` are not texts.
 * @internal
 */
export const substituteCommand = (command: CommandSpec, variables: Variables): CommandSpec => {
  // most texts have no {{name}}: then they are their own expansion, without a regular expression's scan
  const x = (s: string): string => (s.includes('{{') ? variables.expand(s) : s);
  const xs = (list: readonly string[]): readonly string[] => list.map(x);
  // one copy, then its texts replaced where present: run for each command of 10,000 jobs, this is several
  // times faster than spreading a copy and the replaced texts into a third object, then dropping undefineds
  switch (command.type) {
    case 'Run': {
      const out: Mutable<RunSpec> = { ...command };
      shell(out, x);
      if (out.command !== undefined) out.command = x(out.command);
      if (out.argv !== undefined) out.argv = xs(out.argv);
      if (out.args !== undefined) out.args = xs(out.args);
      return out;
    }
    case 'RunScript': {
      const out: Mutable<RunScriptSpec> = { ...command, script: x(command.script) };
      shell(out, x);
      if (out.args !== undefined) out.args = xs(out.args);
      if (out.includes !== undefined) out.includes = xs(out.includes);
      return out;
    }
    case 'RunString': {
      const out: Mutable<RunStringSpec> = { ...command, body: x(command.body) };
      shell(out, x);
      if (out.args !== undefined) out.args = xs(out.args);
      if (out.includes !== undefined) out.includes = xs(out.includes);
      if (out.remoteName !== undefined) out.remoteName = x(out.remoteName);
      return out;
    }
    case 'Push': {
      const out: Mutable<PushSpec> = {
        ...command,
        localPaths: xs(command.localPaths),
        remoteDir: x(command.remoteDir),
      };
      if (out.label !== undefined) out.label = x(out.label);
      return out;
    }
    case 'Pull': {
      const out: Mutable<PullSpec> = {
        ...command,
        remotePaths: xs(command.remotePaths),
      };
      if (out.localDir !== undefined) out.localDir = x(out.localDir);
      if (out.localPath !== undefined) out.localPath = x(out.localPath);
      if (out.label !== undefined) out.label = x(out.label);
      return out;
    }
  }
};

/** The job with its label and commands substituted (see {@link substituteCommand}). @internal */
export const substituteJob = (job: JobSpec, variables: Variables): JobSpec => {
  const out: Mutable<JobSpec> = {
    ...job,
    commands: job.commands.map((c) => substituteCommand(c, variables)),
  };
  if (out.label !== undefined) out.label = variables.expand(out.label);
  return out;
};
