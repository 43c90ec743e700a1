/** Pure helpers for the Pipelines views: parameters, errors, ages and the polling cadence. */
import type { PipelineRunSummary, PipelineSchedule } from '../client';
import { FAST_MS } from '../polling';

/** While nothing is queued or running: new runs and heartbeats still show within a few seconds. */
export const PIPELINES_MS = 5000;

/** A parameter value as the user would type it: strings bare, everything else as JSON. */
export function formatParameter(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text;
}

/** `alpha=0.1  dataset=churn@3`, sorted by key; empty for no parameters. */
export function formatParameters(parameters: Record<string, unknown> | null | undefined): string {
  return Object.keys(parameters ?? {})
    .sort()
    .map(key => `${key}=${formatParameter((parameters as Record<string, unknown>)[key])}`)
    .join('  ');
}

/** A failed run's error in one line: "cell 2: ZeroDivisionError: division by zero". */
export function errorLine(run: Pick<PipelineRunSummary, 'failed_cell' | 'error_name' | 'error'>): string {
  if (!run.error && !run.error_name) {
    return '';
  }
  const message = (run.error ?? '').split('\n').find(line => line.trim()) ?? '';
  const cell = run.failed_cell !== null && run.failed_cell !== undefined ? `cell ${run.failed_cell}` : '';
  const where = cell && !message.includes(cell) ? `${cell}: ` : '';
  const name = run.error_name && !message.startsWith(run.error_name) ? `${run.error_name}: ` : '';
  return `${where}${name}${message}`.trim();
}

/** Poll faster while some run is queued or running, or a run-now request waits for the scheduler. */
export function nextPoll(runs: PipelineRunSummary[], schedules: PipelineSchedule[]): number {
  const busy =
    runs.some(run => run.status === 'queued' || run.status === 'running') ||
    schedules.some(schedule => schedule.pending_requests > 0);
  return busy ? FAST_MS : PIPELINES_MS;
}

/** "pipeline-outputs/retrain-3f2a9c1b.ipynb" -> "pipeline-outputs". */
export function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash > 0 ? path.slice(0, slash) : '';
}
