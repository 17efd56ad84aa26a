// The command lines of rxssh and rxjobs (name, help, reader), shared by their front doors (rxssh.ts,
// rxjobs.ts) and their programs (rxssh-main.ts, rxjobs-main.ts).
import { parseRxjobsArgs, RXJOBS_HELP } from './rxjobs-options.js';
import { parseReportArgs, REPORT_HELP } from './rxjobs-report.js';
import { parseRxsshArgs, RXSSH_HELP } from './rxssh-options.js';

/** rxssh's command line. */
export const RXSSH_LINE = { name: 'rxssh', help: RXSSH_HELP, parse: parseRxsshArgs };

/** `rxjobs report ...`'s command line (read without the word `report`). */
export const REPORT_LINE = { name: 'rxjobs report', help: REPORT_HELP, parse: parseReportArgs };

/** `rxjobs [run] ...`'s command line. */
export const RUN_LINE = { name: 'rxjobs', help: RXJOBS_HELP, parse: parseRxjobsArgs };

/** Whether rxjobs' `argv` asks for a report (`rxjobs report ...`). */
export const isReport = (argv: readonly string[]): boolean => argv[0] === 'report';
