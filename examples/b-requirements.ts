// Example B: requirements. b2 requires b1, and b3 runs in parallel with that chain; so b1 and b3 start at
// once, b2 starts only when b1 ends, and b3 (250 ms) ends while b2 (100 + 200 ms) is still running.
// Example B' builds the same graph with a Sequence instead of an explicit requires.
// Also shows isDone(), raisedException() and list() once the run is over.
// Run: npx tsx examples/b-requirements.ts   (exit code 1 and a MISMATCH line when the behaviour differs)
import { Job, Scheduler, Sequence } from '../lib/index.js';
import { makeChecker, makeTranscript } from './helpers.js';

const { lines, reset, inOut } = makeTranscript();
const check = makeChecker('b-requirements');

/**
 * Checks the in/out lines of B and B'. The first two jobs start in the same instant: asynciojobs printed
 * them in set order, rxjobs in insertion order, so only their set is checked; the rest is ordered by time.
 */
function checkOrder(name: string): void {
  const [first, second, ...rest] = lines();
  check(
    [first, second].sort().join() === '-> inOut(100),-> inOut(250)',
    `${name}: the 100 and 250 ms jobs should start first, together; got ${String(first)}, ${String(second)}`,
  );
  const expected = ['<- inOut(100)', '-> inOut(200)', '<- inOut(250)', '<- inOut(200)'];
  check(
    rest.join() === expected.join(),
    `${name}: expected then ${expected.join(' / ')}; got ${rest.join(' / ')}`,
  );
}

// B: the requirement is set after the jobs are built
const b1 = new Job(() => inOut(100), { label: 'b1' });
const b2 = new Job(() => inOut(200), { label: 'b2' });
const b3 = new Job(() => inOut(250));
b2.requires(b1);

const sb = new Scheduler([b1, b2, b3]);
const okB = await sb.orchestrate();
console.log(`orchestrate: ${String(okB)}`);
check(okB, 'B: orchestrate() should resolve true');
checkOrder('B');

console.log(`b1.isDone(): ${String(b1.isDone())}`);
console.log(`b3.raisedException(): ${String(b3.raisedException())}`);
check(b1.isDone(), 'B: b1 should be done');
check(b3.raisedException() === undefined, 'B: b3 should have raised nothing');

const listing = sb.list();
console.log(listing);
const listed = listing.split('\n');
check(listed.length === 3, `B: list() should show 3 jobs, got ${String(listed.length)} lines`);
check(
  listed.some((l) => l.includes('`b1`') && l.includes('[[ -> 100]]')),
  'B: list() should show b1 done with result 100',
);
check(
  listed.some((l) => l.includes('`b2`') && l.includes('[[ -> 200]]') && /requires:\{\d+\}/.test(l)),
  'B: list() should show b2 done with result 200 and its requirement',
);
check(
  listed.every((l) => l.includes('☉ ☓')),
  'B: list() should show every job complete and without error (☉ ☓)',
);

// B': the same graph, with a Sequence making bp2 require bp1
console.log("--- B': the same with a Sequence");
reset();
const bp1 = new Job(() => inOut(100), { label: 'bp1' });
const bp2 = new Job(() => inOut(200), { label: 'bp2' });
const sb2 = new Scheduler([new Sequence(bp1, bp2), new Job(() => inOut(250))]);
const okB2 = await sb2.orchestrate();
console.log(`orchestrate: ${String(okB2)}`);
check(okB2, "B': orchestrate() should resolve true");
check(
  bp2.requirements.has(bp1) && bp2.requirements.size === 1,
  "B': the Sequence should make bp2 require bp1",
);
checkOrder("B'");
