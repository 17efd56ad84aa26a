import os from 'node:os';
import path from 'node:path';

/**
 * A local path of a scenario as an absolute one: `~` and `~/...` are in the home directory, a relative path
 * is relative to `dir` (the scenario file's directory). A path that starts with a `{{name}}` left for the run
 * is left as it is: its value decides (an absolute path, or one relative to the working directory).
 * @internal
 */
export const localPath = (dir: string, p: string): string =>
  p.startsWith('{{')
    ? p
    : p === '~'
      ? os.homedir()
      : p.startsWith('~/')
        ? path.join(os.homedir(), p.slice(2))
        : path.resolve(dir, p);
