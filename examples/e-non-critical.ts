// Example E: a non-critical failure. In the chain e1 -> boom -> e3, the middle job raises after 200 ms.
// Jobs are non-critical by default, so the failure is recorded and the chain goes on: e3 still runs (a
// requirement counts as met once it is over, failed or not), orchestrate() resolves true, and list()
// shows the exception next to the `boom` job.
// Run: npx tsx examples/e-non-critical.ts   (exit code 1 and a MISMATCH line when the behaviour differs)
import { Job, Scheduler } from '../lib/index.js';
import { boom, makeChecker, makeTranscript } from './helpers.js';

const { lines, inOut } = makeTranscript();
const check = makeChecker('e-non-critical');

// non-critical is the default: neither the jobs nor the scheduler say otherwise
const e1 = new Job(() => inOut(200));
const e2 = new Job(() => boom(200), { label: 'boom' });
const e3 = new Job(() => inOut(300));
e2.requires(e1);
e3.requires(e2);

const se = new Scheduler([e1, e2, e3]);
const started = performance.now();
const ok = await se.orchestrate();
const total = performance.now() - started;
console.log(`orchestrate: ${String(ok)}`);
const listing = se.list();
console.log(listing);

check(ok, 'orchestrate() should resolve true: the failing job is not critical');
const expected = ['-> inOut(200)', '<- inOut(200)', '-> inOut(300)', '<- inOut(300)'];
check(lines().join() === expected.join(), `expected ${expected.join(' / ')}; got ${lines().join(' / ')}`);
const raised = e2.raisedException();
check(
  raised instanceof Error && raised.message === 'boom after 200 ms',
  `boom should have raised "boom after 200 ms", raised ${String(raised)}`,
);
check(e2.isDone(), 'a job that raised still counts as done');
check(e1.result() === 200 && e3.result() === 300, 'e1 and e3 should yield 200 and 300');
check(
  listing
    .split('\n')
    .some((l) => l.includes('`boom`') && l.includes('★') && l.includes('exception => Error: boom')),
  'list() should show the exception raised by `boom`',
);
check(
  total >= 690 && total < 1200,
  `the chain should take about 200 + 200 + 300 ms; took ${total.toFixed(0)}`,
);
