import type { Scheduler } from '../core/scheduler.js';
// PLACEHOLDER (being written by a helper)
export function toMermaid(scheduler: Scheduler): string {
  return `flowchart TD %% ${scheduler.label}`;
}
