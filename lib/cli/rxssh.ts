#!/usr/bin/env node
// rxssh: run a command, a script, or a copy on many hosts at once over SSH. This is its front door (see
// door.ts): it answers --help, --version and usage errors, and loads the program (rxssh-main.ts) for a run.
import { RXSSH_LINE } from './command-lines.js';
import { openDoor } from './door.js';

openDoor(RXSSH_LINE, process.argv.slice(2), () => import('./rxssh-main.js'));
