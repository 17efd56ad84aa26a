import type { Scheduler } from '../core/scheduler.js';
// PLACEHOLDER (being written by a helper)
export type GraphicFormat = 'png' | 'svg' | (string & {});
export function exportAsDotfile(scheduler: Scheduler, path: string): Promise<string> {
  return Promise.resolve(`${scheduler.label} ${path}`);
}
export function exportAsGraphic(scheduler: Scheduler, path: string, format: GraphicFormat): Promise<string> {
  return Promise.resolve(`${scheduler.label} ${path} ${format}`);
}
