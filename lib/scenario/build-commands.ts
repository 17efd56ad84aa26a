import type { Command } from '../commands/command.js';
import type { RunCommandOptions } from '../commands/run.js';
import { Run } from '../commands/run.js';
import { RunScript } from '../commands/run-script.js';
import { RunString } from '../commands/run-string.js';
import { Pull, Push } from '../commands/transfer.js';
import { shellQuote } from '../nodes/shell-quote.js';
import type { CommandSpec, PullSpec, RunScriptSpec, RunSpec, RunStringSpec } from './codecs-commands.js';
import { localPath } from './paths.js';

const shellOptions = (spec: RunSpec | RunScriptSpec | RunStringSpec): RunCommandOptions => ({
  label: spec.label,
  capture: spec.capture,
  allowedExits: spec.allowedExits,
  env: spec.env,
  pty: spec.pty,
  stdin: spec.stdin,
});

/**
 * The library's command for a decoded (and substituted) command: `argv` becomes a Run whose every word is
 * quoted, local paths are made absolute against `dir`.
 * @internal
 */
export const toCommand = (spec: CommandSpec, dir: string): Command => {
  switch (spec.type) {
    case 'Run': {
      const [head, ...tail] = spec.argv ?? [spec.command ?? '', ...(spec.args ?? [])];
      return new Run(
        spec.argv === undefined ? (head ?? '') : shellQuote(head ?? ''),
        ...tail,
        shellOptions(spec),
      );
    }
    case 'RunScript':
      return new RunScript(localPath(dir, spec.script), ...(spec.args ?? []), {
        ...shellOptions(spec),
        includes: spec.includes?.map((p) => localPath(dir, p)),
      });
    case 'RunString':
      return new RunString(spec.body, ...(spec.args ?? []), {
        ...shellOptions(spec),
        includes: spec.includes?.map((p) => localPath(dir, p)),
        remoteName: spec.remoteName,
      });
    case 'Push':
      return new Push(
        spec.localPaths.map((p) => localPath(dir, p)),
        spec.remoteDir,
        { label: spec.label, preserve: spec.preserve },
      );
    case 'Pull':
      // localDir is a directory, even for one file (the trailing / says so: see Node.pull); localPath is scp's
      // target, a directory only when it ends with / (kept: resolving the path drops it) or exists as one
      return new Pull(spec.remotePaths, pullTarget(dir, spec), {
        label: spec.label,
        preserve: spec.preserve,
      });
  }
};

/** Where a Pull writes: `localDir/`, or `localPath` as written (a trailing `/`, `.` or `..` says "a directory"). */
const pullTarget = (dir: string, spec: PullSpec): string => {
  if (spec.localPath === undefined) return `${localPath(dir, spec.localDir ?? '.')}/`;
  const asDir = /(^|\/)\.{0,2}$/.test(spec.localPath);
  return `${localPath(dir, spec.localPath)}${asDir ? '/' : ''}`;
};
