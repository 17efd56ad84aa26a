/**
 * Walks from `start`, each step to `next(current)`, until a node repeats; returns the cycle so found,
 * reversed (the walk follows requirements, so this is running order: each requires the one before it).
 * `next` must always lead somewhere: every node met has a successor.
 * @internal
 */
export function cycleFrom<T>(start: T, next: (current: T) => T): T[] {
  const seenAt = new Map<T, number>();
  const path: T[] = [];
  let current = start;
  while (!seenAt.has(current)) {
    seenAt.set(current, path.length);
    path.push(current);
    current = next(current);
  }
  return path.slice(seenAt.get(current)).reverse();
}
