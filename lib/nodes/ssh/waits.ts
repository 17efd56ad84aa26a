/** Resolves when `done` does, or after `ms`, whichever comes first (the timer does not hold the process). @internal */
export const bounded = (done: Promise<unknown>, ms: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void done.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
