import type { Scheduler } from '../core/scheduler.js';
// PLACEHOLDER (being written by a helper)
export function toDot(scheduler: Scheduler): string {
  return `digraph "${scheduler.label}" {}`;
}
