// Smoke test of the BUILT package: plain JavaScript importing dist/, as a user of the published package
// would, so ESM packaging bugs that tsx hides (a missing .js extension, a bad named import) show up here.
// Runs short versions of example B (requirements) and F (a critical failure in a Sequence).
// Run: npm run build && node examples/smoke-dist.mjs   (exit code 1 and a MISMATCH line on any difference)
import { defer, map, timer } from 'rxjs';

import { Job, Scheduler, Sequence } from '../dist/index.js';

function check(ok, what) {
  if (ok) return;
  console.error(`smoke-dist: MISMATCH: ${what}`);
  process.exit(1);
}

let lines = [];
const inOut = (ms) =>
  defer(() => {
    lines.push(`-> ${ms}`);
    return timer(ms).pipe(
      map(() => {
        lines.push(`<- ${ms}`);
        return ms;
      }),
    );
  });
const boom = (ms) =>
  timer(ms).pipe(
    map(() => {
      throw new Error(`boom after ${ms} ms`);
    }),
  );

// B: b2 requires b1; b3 runs alongside and ends while b2 runs
const b1 = new Job(() => inOut(20), { label: 'b1' });
const b2 = new Job(() => inOut(40), { label: 'b2', requires: b1 });
const b3 = new Job(() => inOut(50), { label: 'b3' });
const sb = new Scheduler([b1, b2, b3]);
check((await sb.orchestrate()) === true, 'B: orchestrate() should resolve true');
check(
  lines.join() === '-> 20,-> 50,<- 20,-> 40,<- 50,<- 40',
  `B: unexpected order of in/out lines: ${lines.join(' / ')}`,
);
check(b1.result() === 20 && b2.result() === 40 && b3.result() === 50, 'B: results should be 20/40/50');
check(/`b2`.*requires:\{\d+\}/.test(sb.list()), 'B: list() should show the requirement of b2');

// F: the critical failure of f2 stops the Sequence before f3
lines = [];
const f1 = new Job(() => inOut(20), { label: 'f1' });
const f2 = new Job(() => boom(20), { label: 'f2', critical: true });
const f3 = new Job(() => inOut(30), { label: 'f3' });
const sf = new Scheduler([new Sequence(f1, f2, f3)]);
check((await sf.orchestrate()) === false, 'F: orchestrate() should resolve false');
check(sf.failedCritical() && sf.why().includes('"f2"'), `F: why() should name f2: ${sf.why()}`);
check(lines.join() === '-> 20,<- 20', `F: f3 should never start: ${lines.join(' / ')}`);
check(f2.raisedException() instanceof Error && f3.isIdle(), 'F: f2 should have raised, f3 stayed idle');
check(sf.list().includes('CRIT. EXC.'), 'F: list() should show the critical exception');

console.log('smoke-dist: ok (examples B and F against dist/)');
