import { expect } from 'chai';

/** Runs `f` and returns what it threw; fails when it returns. */
export const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e: unknown) {
    return e;
  }
  expect.fail('expected an exception');
};

/** Awaits `p` and returns its rejection; fails when it resolves. */
export const rejection = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (e: unknown) {
    return e;
  }
  expect.fail('expected a rejection');
};
