/**
 * Brands that tell Sequences and Schedulers apart without `instanceof`, so that modules which only need to
 * recognise them do not import each other at run time (job.ts <-> sequence.ts <-> scheduler.ts).
 */
export const SEQUENCE: unique symbol = Symbol.for('rxjobs.Sequence');
export const SCHEDULER: unique symbol = Symbol.for('rxjobs.Scheduler');

export const hasBrand = (x: unknown, brand: symbol): boolean =>
  typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[brand] === true;
