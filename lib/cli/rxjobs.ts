#!/usr/bin/env node
// rxjobs: run a scenario file (`rxjobs run`), or write the report of a recorded run (`rxjobs report`). This is
// its front door (see door.ts): it answers --help, --version and usage errors, and loads the program
// (rxjobs-main.ts) for a run or a report.
import { isReport, REPORT_LINE, RUN_LINE } from './command-lines.js';
import { openDoor } from './door.js';

const argv = process.argv.slice(2);
const enter = (): Promise<unknown> => import('./rxjobs-main.js');
if (isReport(argv)) openDoor(REPORT_LINE, argv.slice(1), enter);
else openDoor(RUN_LINE, argv, enter);
