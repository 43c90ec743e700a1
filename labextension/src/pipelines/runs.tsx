/** Pipeline runs, newest first: parameters, status, timings, and for a failed run its cell and error. */
import React from 'react';

import type { PipelineRunStatus, PipelineRunSummary, PipelineSchedule } from '../client';
import { formatDuration, formatShortTime, formatTime, shortId } from '../format';
import { errorLine, formatParameters } from './format';
import { PipelineStatus } from './schedules';

export const STATUSES: PipelineRunStatus[] = ['queued', 'running', 'finished', 'failed'];

export interface IRunFilter {
  schedule: string;
  status: string;
}

export function RunFilterBar(props: {
  filter: IRunFilter;
  schedules: PipelineSchedule[];
  onChange(filter: IRunFilter): void;
}): React.ReactElement {
  const { filter } = props;
  return (
    <div className="mlops-filterbar mlops-pipeline-filter">
      <label className="mlops-field">
        <span className="mlops-label">Schedule</span>
        <select
          className="mlops-select"
          data-testid="mlops-pipeline-filter-schedule"
          value={filter.schedule}
          onChange={event => props.onChange({ ...filter, schedule: event.target.value })}
        >
          <option value="">all</option>
          {props.schedules.map(s => (
            <option key={s.name} value={s.name}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label className="mlops-field">
        <span className="mlops-label">Status</span>
        <select
          className="mlops-select"
          data-testid="mlops-pipeline-filter-status"
          value={filter.status}
          onChange={event => props.onChange({ ...filter, status: event.target.value })}
        >
          <option value="">all</option>
          {STATUSES.map(s => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

function RunRow(props: { run: PipelineRunSummary; now: number; onOpen(runId: string): void }): React.ReactElement {
  const { run } = props;
  const parameters = formatParameters(run.parameters);
  const failure = run.status === 'failed' ? errorLine(run) : '';
  const open = () => props.onOpen(run.pipeline_run_id);
  return (
    <tr
      className={`mlops-run-row mlops-pipeline-run-row${run.status === 'failed' ? ' mlops-pipeline-failed' : ''}`}
      data-testid="mlops-pipeline-run-row"
      data-run-id={run.pipeline_run_id}
      data-status={run.status}
      data-schedule={run.schedule ?? ''}
      tabIndex={0}
      onClick={open}
      onKeyDown={event => {
        if (event.key === 'Enter' && event.target === event.currentTarget) {
          open();
        }
      }}
    >
      <td className="mlops-nowrap" title={run.pipeline_run_id}>
        <span className="mlops-run-name">{run.name}</span> <span className="mlops-hint">{shortId(run.pipeline_run_id)}</span>
      </td>
      <td className="mlops-nowrap" title={`trigger: ${run.trigger}${run.attempt > 1 ? `, attempt ${run.attempt}` : ''}`}>
        {run.schedule && `${run.schedule} `}
        <span className="mlops-hint">{`${run.trigger}${run.attempt > 1 ? ` #${run.attempt}` : ''}`}</span>
      </td>
      <td>
        <PipelineStatus status={run.status} />
      </td>
      <td className="mlops-nowrap" title={formatTime(run.started_at ?? run.queued_at)}>
        {formatShortTime(run.started_at ?? run.queued_at, props.now)}
      </td>
      <td className="mlops-nowrap mlops-num">
        {run.started_at ? formatDuration(run.started_at, run.ended_at, props.now) : ''}
      </td>
      <td className="mlops-pipeline-params" data-testid="mlops-pipeline-run-params" title={parameters}>
        {parameters || <span className="mlops-missing">none</span>}
      </td>
      <td className="mlops-pipeline-error-cell">
        {failure && (
          <span
            className="mlops-pipeline-error"
            data-testid="mlops-pipeline-run-error"
            data-failed-cell={run.failed_cell ?? ''}
            title={run.error ?? failure}
          >
            {failure}
          </span>
        )}
        {!failure && run.warnings.length > 0 && (
          <span className="mlops-hint" title={run.warnings.join('\n')}>
            {run.warnings.length === 1 ? '1 warning' : `${run.warnings.length} warnings`}
          </span>
        )}
      </td>
    </tr>
  );
}

export function PipelineRunsTable(props: {
  runs: PipelineRunSummary[];
  now: number;
  onOpen(runId: string): void;
}): React.ReactElement {
  return (
    <div className="mlops-table-scroll">
      <table className="mlops-table" data-testid="mlops-pipeline-runs-table">
        <thead>
          <tr>
            <th>Pipeline</th>
            <th>Schedule · trigger</th>
            <th>Status</th>
            <th>Started</th>
            <th className="mlops-num">Duration</th>
            <th>Parameters</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {props.runs.map(run => (
            <RunRow key={run.pipeline_run_id} run={run} now={props.now} onOpen={props.onOpen} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
