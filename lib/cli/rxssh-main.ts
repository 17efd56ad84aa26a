// rxssh's program, loaded by its front door (rxssh.ts) for a run: reads the command line again, then imports
// the run itself (rxjs, ssh2) and runs it.
import { cliMain, exitWith } from './cli-main.js';
import { RXSSH_LINE } from './command-lines.js';

void cliMain(
  { ...RXSSH_LINE, run: async () => (await import('./rxssh-run.js')).runRxssh },
  process.argv.slice(2),
).then(exitWith);
