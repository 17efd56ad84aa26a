// How the CLIs end on an error: bad input (a usage, target, config or scenario error) is one clear line and
// exit status 2, with no stack trace; anything else is a bug, shown whole, exit status 1.
import { UsageError } from './argv.js';
import { mappedStack } from './mapped-stack.js';

const USER_ERRORS = new Set(['config', 'target', 'scenario', 'cycle']);

/** A user's mistake rather than a bug: a UsageError, or a JobsError with one of the input codes. */
export const isUserError = (e: unknown): e is Error =>
  e instanceof UsageError || (e instanceof Error && USER_ERRORS.has(String((e as { code?: unknown }).code)));

/** Runs `work`; a user error is printed as `name: message` and gives 2. */
export async function exitOnUserError(name: string, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (e: unknown) {
    if (isUserError(e)) {
      process.stderr.write(`${name}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(
      `${name}: internal error: ${e instanceof Error ? mappedStack(e.stack ?? e.message) : String(e)}\n`,
    );
    return 1;
  }
}
