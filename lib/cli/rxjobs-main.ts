// rxjobs' program, loaded by its front door (rxjobs.ts): reads the command line again, then imports the run
// (rxjs, ssh2, the YAML parser) or the report writer, and runs it.
import { cliMain, exitWith } from './cli-main.js';
import { isReport, REPORT_LINE, RUN_LINE } from './command-lines.js';

const argv = process.argv.slice(2);

void (
  isReport(argv)
    ? cliMain(
        { ...REPORT_LINE, run: async () => (await import('./rxjobs-report.js')).runReport },
        argv.slice(1),
      )
    : cliMain({ ...RUN_LINE, run: async () => (await import('./rxjobs-run.js')).runScenarioFile }, argv)
).then(exitWith);
