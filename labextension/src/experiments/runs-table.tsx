/** One page of runs: checkbox, name, status, start, duration, then the page's metrics and params. */
import React from 'react';

import type { RunSummary } from '../client';
import { formatDuration, formatMetric, formatShortTime, formatTime } from '../format';

export const MAX_METRIC_COLUMNS = 6;
export const MAX_PARAM_COLUMNS = 4;

export type SortDir = 'ASC' | 'DESC';

export interface ISort {
  /** A column id: name, status, start_time, duration, metrics.<key>, params.<key>. */
  column: string;
  dir: SortDir;
}

export interface IRunsTableProps {
  runs: RunSummary[];
  sort: ISort;
  onSort(column: string): void;
  selected: ReadonlyMap<string, string>;
  onToggle(run: RunSummary): void;
  onTogglePage(select: boolean): void;
  onOpen(run: RunSummary): void;
  now: number;
}

/** The most common keys on the page (then alphabetical), keeping the sorted column visible. */
export function pageKeys(
  runs: RunSummary[],
  pick: (run: RunSummary) => Record<string, unknown>,
  max: number,
  keep?: string
): string[] {
  const counts = new Map<string, number>();
  for (const run of runs) {
    for (const key of Object.keys(pick(run))) {
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const keys = [...counts.keys()].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const shown = keys.slice(0, max);
  if (keep !== undefined && !shown.includes(keep)) {
    if (shown.length >= max) {
      shown.pop();
    }
    shown.push(keep);
  }
  return shown;
}

function SortHeader(props: {
  column: string;
  label: string;
  title?: string;
  className?: string;
  sort: ISort;
  onSort(column: string): void;
}): React.ReactElement {
  const active = props.sort.column === props.column;
  const ariaSort = active ? (props.sort.dir === 'ASC' ? 'ascending' : 'descending') : 'none';
  return (
    <th aria-sort={ariaSort} className={props.className} title={props.title ?? props.column}>
      <button
        type="button"
        className={`mlops-sort${active ? ' mlops-sort-active' : ''}`}
        data-testid={`mlops-sort-${props.column}`}
        data-sort-dir={active ? props.sort.dir : undefined}
        onClick={() => props.onSort(props.column)}
      >
        <span className="mlops-sort-label">{props.label}</span>
        <span className="mlops-sort-mark" aria-hidden="true">
          {active ? (props.sort.dir === 'ASC' ? '▲' : '▼') : ''}
        </span>
      </button>
    </th>
  );
}

function prefixed(column: string, prefix: string): string | undefined {
  return column.startsWith(prefix) ? column.slice(prefix.length) : undefined;
}

export function RunsTable(props: IRunsTableProps): React.ReactElement {
  const { runs, sort } = props;
  const metricKeys = pageKeys(runs, r => r.metrics, MAX_METRIC_COLUMNS, prefixed(sort.column, 'metrics.'));
  const paramKeys = pageKeys(runs, r => r.params, MAX_PARAM_COLUMNS, prefixed(sort.column, 'params.'));
  const allSelected = runs.length > 0 && runs.every(r => props.selected.has(r.run_id));
  const header = (column: string, label: string, className?: string, title?: string) => (
    <SortHeader
      key={column}
      column={column}
      label={label}
      className={className}
      title={title}
      sort={sort}
      onSort={props.onSort}
    />
  );
  return (
    <div className="mlops-table-scroll">
      <table className="mlops-table" data-testid="mlops-runs-table">
        <thead>
          <tr>
            <th className="mlops-col-check">
              <input
                type="checkbox"
                data-testid="mlops-select-page"
                title="Select every run on this page"
                checked={allSelected}
                onChange={event => props.onTogglePage(event.target.checked)}
              />
            </th>
            {header('name', 'Name')}
            {header('status', 'Status')}
            {header('start_time', 'Started')}
            {header('duration', 'Duration')}
            {metricKeys.map(key => header(`metrics.${key}`, key, 'mlops-col-metric', `metric ${key}`))}
            {paramKeys.map(key => header(`params.${key}`, key, 'mlops-col-param', `param ${key}`))}
          </tr>
        </thead>
        <tbody>
          {runs.map(run => {
            const selected = props.selected.has(run.run_id);
            return (
              <tr
                key={run.run_id}
                className={`mlops-run-row${selected ? ' mlops-selected' : ''}`}
                data-testid="mlops-run-row"
                data-run-id={run.run_id}
                data-run-name={run.run_name}
                data-status={run.status}
                tabIndex={0}
                onClick={() => props.onOpen(run)}
                onKeyDown={event => {
                  if (event.key === 'Enter' && event.target === event.currentTarget) {
                    props.onOpen(run);
                  }
                }}
              >
                <td className="mlops-col-check" onClick={event => event.stopPropagation()}>
                  <input
                    type="checkbox"
                    data-testid="mlops-run-checkbox"
                    aria-label={`Select run ${run.run_name}`}
                    checked={selected}
                    onChange={() => props.onToggle(run)}
                  />
                </td>
                <td
                  className={`mlops-run-name${run.parent_run_id ? ' mlops-child-run' : ''}`}
                  data-testid="mlops-run-name"
                  title={`${run.run_name} (${run.run_id})`}
                >
                  {run.run_name}
                </td>
                <td>
                  <span className={`mlops-status mlops-status-${run.status}`}>{run.status}</span>
                </td>
                <td className="mlops-nowrap" title={formatTime(run.start_time)}>
                  {formatShortTime(run.start_time, props.now)}
                </td>
                <td className="mlops-nowrap mlops-num">{run.end_time || run.status === 'running' ? formatDuration(run.start_time, run.end_time, props.now) : ''}</td>
                {metricKeys.map(key => (
                  <td key={`m-${key}`} className="mlops-num">
                    {formatMetric(run.metrics[key])}
                  </td>
                ))}
                {paramKeys.map(key => (
                  <td key={`p-${key}`} className="mlops-param" title={run.params[key]}>
                    {run.params[key] ?? ''}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
