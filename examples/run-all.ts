// Runs every example of this directory (every .ts file but this one and helpers.ts) in turn, each in its own process (node --import tsx), and prints
// one line per example: ok or FAILED, and how long it took. A failed example's output is shown after its
// line. Exits 1 if any failed.
// Run: npx tsx examples/run-all.ts
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const here = import.meta.dirname;
const root = dirname(here);
const self = basename(import.meta.filename);
const examples = readdirSync(here)
  .filter((name) => name.endsWith('.ts') && name !== self && name !== 'helpers.ts')
  .sort();

let failed = 0;
for (const name of examples) {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', 'tsx', join('examples', name)], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const ok = child.status === 0;
  const status = ok ? 'ok    ' : 'FAILED';
  const how = ok
    ? ''
    : child.signal !== null
      ? ` (killed by ${child.signal})`
      : ` (exit code ${String(child.status)})`;
  console.log(`${status} ${name.padEnd(22)} ${seconds.padStart(5)} s${how}`);
  if (!ok) {
    failed++;
    const output = `${child.stdout}${child.stderr}`.trimEnd();
    if (output !== '') console.log(output.replace(/^/gm, '    | '));
    if (child.error !== undefined) console.log(`    | ${child.error.message}`);
  }
}
console.log(`${String(examples.length - failed)} ok, ${String(failed)} failed`);
if (failed > 0) process.exitCode = 1;
