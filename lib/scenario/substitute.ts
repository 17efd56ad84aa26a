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

const mapEnv = (env: Env | undefined, x: (s: string) => string): Env | undefined =>
  env === undefined ? undefined : Object.fromEntries(Object.entries(env).map(([k, v]) => [k, x(v)]));

/** `T` whose optional properties may also be undefined. @internal */
export type Loose<T> = { [K in keyof T]: object extends Pick<T, K> ? T[K] | undefined : T[K] };

/** `o` without its undefined properties (`exactOptionalPropertyTypes`: absent, not undefined). @internal */
export const defined = <T extends object>(o: Loose<T>): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/**
 * The command with `{{name}}` replaced, in each of its texts, by the values known at build time; other
 * names are left for the run. `capture`, `allowedExits`, `pty` and `preserve` are not texts.
 * @internal
 */
export const substituteCommand = (command: CommandSpec, variables: Variables): CommandSpec => {
  const x = (s: string): string => variables.expand(s);
  const xs = (list: readonly string[] | undefined): readonly string[] | undefined => list?.map(x);
  const opt = (s: string | undefined): string | undefined => (s === undefined ? undefined : x(s));
  switch (command.type) {
    case 'Run':
    case 'RunScript':
    case 'RunString': {
      const shell = { label: opt(command.label), env: mapEnv(command.env, x), stdin: opt(command.stdin) };
      if (command.type === 'Run')
        return defined<RunSpec>({
          ...command,
          ...shell,
          command: opt(command.command),
          argv: xs(command.argv),
          args: xs(command.args),
        });
      if (command.type === 'RunScript')
        return defined<RunScriptSpec>({
          ...command,
          ...shell,
          script: x(command.script),
          args: xs(command.args),
          includes: xs(command.includes),
        });
      return defined<RunStringSpec>({
        ...command,
        ...shell,
        body: x(command.body),
        args: xs(command.args),
        includes: xs(command.includes),
        remoteName: opt(command.remoteName),
      });
    }
    case 'Push':
      return defined<PushSpec>({
        ...command,
        label: opt(command.label),
        localPaths: command.localPaths.map(x),
        remoteDir: x(command.remoteDir),
      });
    case 'Pull':
      return defined<PullSpec>({
        ...command,
        label: opt(command.label),
        remotePaths: command.remotePaths.map(x),
        localDir: x(command.localDir),
      });
  }
};

/** The job with its label and commands substituted (see {@link substituteCommand}). @internal */
export const substituteJob = (job: JobSpec, variables: Variables): JobSpec =>
  defined<JobSpec>({
    ...job,
    label: job.label === undefined ? undefined : variables.expand(job.label),
    commands: job.commands.map((c) => substituteCommand(c, variables)),
  });
