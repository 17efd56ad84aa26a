// Example F: a critical failure. The same chain as in example E, built with a Sequence, but the `boom` job
// is critical: when it raises, the scheduler stops at once. orchestrate() resolves false, why() names the
// culprit, and the job after it never starts (list() shows it idle).
// Run: npx tsx examples/f-critical.ts   (exit code 1 and a MISMATCH line when the behaviour differs)
import { Job, Scheduler, Sequence } from '../lib/index.js';
import { boom, makeChecker, makeTranscript } from './helpers.js';

const { lines, inOut } = makeTranscript();
const check = makeChecker('f-critical');

const f1 = new Job(() => inOut(200));
const f2 = new Job(() => boom(200), { label: 'boom', critical: true });
const f3 = new Job(() => inOut(300));

const sf = new Scheduler([new Sequence(f1, f2, f3)]);
const started = performance.now();
const ok = await sf.orchestrate();
const total = performance.now() - started;
console.log(`scheduler: ${sf.why()}`);
console.log(`orchestrate: ${String(ok)}`);
const listing = sf.list();
console.log(listing);

check(!ok, 'orchestrate() should resolve false: a critical job failed');
check(sf.failedCritical(), 'failedCritical() should be true');
check(
  sf.why().includes('"boom"') && sf.why().includes('boom after 200 ms'),
  `why() should name boom: ${sf.why()}`,
);
const expected = ['-> inOut(200)', '<- inOut(200)'];
check(
  lines().join() === expected.join(),
  `expected only ${expected.join(' / ')}; got ${lines().join(' / ')}`,
);
check(f1.result() === 200, 'f1 should yield 200');
check(f2.raisedException() instanceof Error, 'boom should have raised an Error');
check(f3.isIdle() && f3.result() === undefined, `the job after boom should never start, is ${f3.status}`);
const listed = listing.split('\n');
check(
  listed.some((l) => l.includes('`boom`') && l.includes('⚠ ★ ☓') && l.includes('CRIT. EXC. => Error')),
  'list() should show boom as a critical job that raised',
);
check(
  listed.some((l) => l.includes(`\`${f3.label}\``) && l.includes('⚐') && l.includes('[not done]')),
  'list() should show the third job idle, not done',
);
check(
  total >= 390 && total < 600,
  `the run should stop at the failure, at about 400 ms; took ${total.toFixed(0)}`,
);
